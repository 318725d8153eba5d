import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { analyzePaths } from "../src/analyze/analyze.js";
import type { CheckReport } from "../src/analyze/types.js";
import { runLockstep } from "./helpers/cli.js";

const tmp = mkdtempSync(path.join(os.tmpdir(), "lockstep-check-"));
const dir = path.join(tmp, "migrations");
mkdirSync(dir);
writeFileSync(path.join(dir, "0001_users.up.sql"), "CREATE TABLE users (id bigint PRIMARY KEY, email text);\n");
writeFileSync(path.join(dir, "0001_users.down.sql"), "DROP TABLE users;\n");
writeFileSync(path.join(dir, "0002_role.up.sql"), "-- add a role\nALTER TABLE users ADD COLUMN role text NOT NULL;\n");
writeFileSync(path.join(dir, "0003_idx.up.sql"), "CREATE INDEX CONCURRENTLY users_email_idx ON users (email);\n");
const broken = path.join(tmp, "broken.sql");
writeFileSync(broken, "SELECT 1;\nCREATE TABL x ();\n");

describe("lockstep check", () => {
  it("prints the JSON contract for a directory, up files in order", async () => {
    const r = await runLockstep(["check", dir, "--format", "json"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(1); // 0002 adds a NOT NULL column without a default: an error finding
    expect(await runLockstep(["check", dir, "--format", "json", "--fail-on", "never"])).toMatchObject({ code: 0 });
    const report = JSON.parse(r.stdout) as CheckReport;
    expect(report.version).toBe(1);
    expect(report.files.map((f) => path.basename(f.path))).toEqual(["0001_users.up.sql", "0002_role.up.sql", "0003_idx.up.sql"]);
    const role = report.files[1]!;
    expect(role.risk).toBe("medium");
    expect(role.errors).toEqual([]);
    expect(role.statements.map((s) => s.findings.map((f) => [f.rule, f.severity, f.ignored]))).toEqual([
      [
        ["adding-required-field", "error", false],
        ["require-timeout-settings", "warning", false],
      ],
    ]);
    expect(role.statements).toMatchObject([
      {
        index: 0,
        line: 2,
        column: 1,
        sql: "ALTER TABLE users ADD COLUMN role text NOT NULL",
        kind: "alter-table",
        transactional: true,
        risk: "medium",
        locks: [{ relation: "public.users", mode: "AccessExclusiveLock" }],
        rewrites: [],
        inTransaction: false,
      },
    ]);
    const idx = report.files[2]!.statements[0]!;
    expect(idx).toMatchObject({ kind: "create-index", transactional: false, locks: [{ relation: "public.users", mode: "ShareUpdateExclusiveLock" }] });
  });

  it("--format json, written file by file as the files are analysed, is the whole report's JSON, byte for byte", async () => {
    const r = await runLockstep(["check", dir, broken, "--format", "json"]);
    expect(r.code).toBe(2); // the syntax error outranks the findings
    expect(r.stdout).toBe(`${JSON.stringify(await analyzePaths([dir, broken]))}\n`);
  });

  it("shows locks, rewrites and a code frame in text, with a summary line", async () => {
    const r = await runLockstep(["check", path.join(dir, "0002_role.up.sql")]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("2:1 alter-table");
    expect(r.stdout).toContain("2 | ALTER TABLE users ADD COLUMN role text NOT NULL");
    expect(r.stdout).toContain("locks: public.users AccessExclusiveLock");
    // the error finding is counted as an error (it once read "0 errors" beside it)
    expect(r.stdout).toContain("error adding-required-field");
    expect(r.stdout.trim().split("\n").pop()).toMatch(/^1 error, 1 warning in 1 file \(1 statement\), 0 table rewrites; highest risk: medium$/);
  });

  it("exits 2 on a syntax error, with line, column and a caret, and still reports other files", async () => {
    const r = await runLockstep(["check", broken, path.join(dir, "0003_idx.up.sql")]);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('error at 2:8: syntax error at or near "TABL" [syntax-error]');
    expect(r.stdout).toMatch(/2 \| CREATE TABL x \(\);\n\s+\|        \^/);
    expect(r.stdout).toContain("create-index");
    const json = JSON.parse((await runLockstep(["check", broken, "--format", "json"])).stdout) as CheckReport;
    expect(json.files[0]!.errors).toEqual([{ code: "syntax-error", message: 'syntax error at or near "TABL"', line: 2, column: 8 }]);
  });

  it("reads stdin as path -", async () => {
    const r = await runLockstep(["check", "-", "--format", "json"], { input: "TRUNCATE audit_log;" });
    expect(r.code).toBe(0);
    const file = (JSON.parse(r.stdout) as CheckReport).files[0]!;
    expect(file.path).toBe("-");
    expect(file.statements[0]).toMatchObject({ kind: "truncate", rewrites: ["public.audit_log"] });
  });

  it("names a missing path and exits 2; empty input exits 0", async () => {
    const missing = await runLockstep(["check", path.join(tmp, "missing.sql")]);
    expect(missing.code).toBe(2);
    expect(missing.stdout).toContain("missing.sql: no such file or directory");
    const empty = await runLockstep(["check", "-"], { input: "" });
    expect(empty.code).toBe(0);
  });

  it("rejects a bad --pg-version and --fail-on", async () => {
    expect((await runLockstep(["check", broken, "--pg-version", "9"])).code).toBe(2);
    expect((await runLockstep(["check", broken, "--fail-on", "sometimes"])).code).toBe(2);
  });

  it("predicts per Postgres version (--pg-version)", async () => {
    const input = "ALTER TABLE users ADD COLUMN active boolean DEFAULT true; ALTER TABLE events ATTACH PARTITION events_2025 FOR VALUES IN (2025);";
    const v11 = (JSON.parse((await runLockstep(["check", "-", "--format", "json", "--pg-version", "11"], { input })).stdout) as CheckReport).files[0]!;
    expect(v11.statements[0]!.rewrites).toEqual([]);
    expect(v11.statements[1]!.locks).toContainEqual({ relation: "public.events", mode: "AccessExclusiveLock" });
    const v18 = (JSON.parse((await runLockstep(["check", "-", "--format", "json"], { input })).stdout) as CheckReport).files[0]!;
    expect(v18.statements[1]!.locks).toContainEqual({ relation: "public.events", mode: "ShareUpdateExclusiveLock" });
  });

  it("reports an unreachable --db without printing the password", async () => {
    const r = await runLockstep(["check", broken, "--db", "postgres://app:hunter2@127.0.0.1:1/app"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("cannot connect");
    expect(r.stderr + r.stdout).not.toContain("hunter2");
  });
});
