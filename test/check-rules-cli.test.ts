import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import type { CheckReport } from "../src/analyze/types.js";
import { REPO_ROOT, runLockstep } from "./helpers/cli.js";
import { createTestDatabase } from "./helpers/db.js";
import { sarifLog, sarifProblems } from "./render/sarif-schema.js";

const tmp = mkdtempSync(path.join(os.tmpdir(), "lockstep-rules-cli-"));
const file = (name: string, sql: string) => {
  const p = path.join(tmp, name);
  writeFileSync(p, sql);
  return p;
};
const bad = file("0001_bad.sql", "ALTER TABLE users ADD COLUMN role text NOT NULL;\n");
const warnOnly = file("0002_warn.sql", "SET lock_timeout = '2s';\nCREATE TABLE teams (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name varchar(80));\n");
const ignored = file("0003_ignored.sql", "-- lockstep-ignore adding-required-field, require-timeout-settings: users is empty until launch\nALTER TABLE users ADD COLUMN role text NOT NULL;\n");

describe("check --fail-on", () => {
  it("error (default): an error finding exits 1, warnings alone exit 0", async () => {
    expect((await runLockstep(["check", bad])).code).toBe(1);
    expect((await runLockstep(["check", warnOnly])).code).toBe(0);
  });

  it("warning: warnings fail too; never: nothing fails", async () => {
    expect((await runLockstep(["check", warnOnly, "--fail-on", "warning"])).code).toBe(1);
    expect((await runLockstep(["check", bad, "--fail-on", "never"])).code).toBe(0);
  });

  it("ignored findings never fail, and stay in the JSON with the reason", async () => {
    const r = await runLockstep(["check", ignored, "--format", "json", "--fail-on", "warning"]);
    expect(r.code).toBe(0);
    const findings = (JSON.parse(r.stdout) as CheckReport).files[0]!.statements[0]!.findings;
    expect(findings.map((f) => [f.rule, f.ignored, f.ignoreReason])).toEqual([
      ["adding-required-field", true, "users is empty until launch"],
      ["require-timeout-settings", true, "users is empty until launch"],
    ]);
  });

  it("rejects an unknown level with exit 2", async () => {
    const r = await runLockstep(["check", bad, "--fail-on", "sometimes"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--fail-on");
  });
});

describe("check --format", () => {
  it("sarif: valid SARIF 2.1.0 with every rule and a result per finding", async () => {
    const r = await runLockstep(["check", bad, ignored, "--format", "sarif"]);
    expect(r.code).toBe(1);
    const log = sarifLog.parse(JSON.parse(r.stdout));
    expect(sarifProblems(log)).toEqual([]);
    const run = log.runs[0]!;
    expect(run.tool.driver.rules.length).toBeGreaterThanOrEqual(40);
    const results = run.results.map((x) => [path.basename(x.locations[0]!.physicalLocation.artifactLocation.uri), x.ruleId, x.level, x.suppressions ? "suppressed" : "active"]);
    expect(results).toEqual([
      ["0001_bad.sql", "adding-required-field", "error", "active"],
      ["0001_bad.sql", "require-timeout-settings", "warning", "active"],
      ["0003_ignored.sql", "adding-required-field", "error", "suppressed"],
      ["0003_ignored.sql", "require-timeout-settings", "warning", "suppressed"],
    ]);
    expect(run.results[0]!.locations[0]!.physicalLocation.region).toEqual({ startLine: 1, startColumn: 1 });
    // each rule links to its section of the installed docs/rules.md, or under LOCKSTEP_DOCS_URL
    const rule = run.tool.driver.rules.find((x) => x.id === "adding-required-field")!;
    expect(rule.helpUri).toBe(`${pathToFileURL(path.join(REPO_ROOT, "docs", "rules.md")).href}#adding-required-field`);
    const hosted = sarifLog.parse(JSON.parse((await runLockstep(["check", bad, "--format", "sarif"], { env: { LOCKSTEP_DOCS_URL: "https://docs.example.org/lockstep/" } })).stdout));
    expect(hosted.runs[0]!.tool.driver.rules.find((x) => x.id === "adding-required-field")!.helpUri).toBe("https://docs.example.org/lockstep/rules.md#adding-required-field");
  });

  it("markdown: a headline, the finding with its fix, for PR comments", async () => {
    const r = await runLockstep(["check", bad, "--format", "markdown"]);
    expect(r.stdout).toMatch(/^### Lockstep check: risk /);
    expect(r.stdout).toContain("❌ **error** `adding-required-field`");
    expect(r.stdout).toContain("<summary>Safe alternative</summary>");
  });

  it("text: no colour when stdout is not a terminal, colour with FORCE_COLOR", async () => {
    const plain = await runLockstep(["check", bad]);
    expect(plain.stdout).not.toContain("\u001b[");
    expect(plain.stdout).toContain("error adding-required-field: column role is added to public.users");
    expect(plain.stdout).toMatch(/1 \| ALTER TABLE users ADD COLUMN role text NOT NULL;\n\s+\| \^/);
    const coloured = await runLockstep(["check", bad], { env: { FORCE_COLOR: "1" } });
    expect(coloured.stdout).toContain("\u001b[31m");
  });
});

describe("check --changed-since", () => {
  it("reports only files changed since REF (committed, edited or untracked); earlier ones still give schema context", async () => {
    const repo = mkdtempSync(path.join(os.tmpdir(), "lockstep-changed-"));
    const git = (...args: string[]) => execFileSync("git", ["-c", "user.email=t@example.com", "-c", "user.name=t", ...args], { cwd: repo });
    mkdirSync(path.join(repo, "migrations"));
    writeFileSync(path.join(repo, "migrations/0001_users.up.sql"), "CREATE TABLE users (id bigint PRIMARY KEY, name varchar(20));\n");
    git("init", "-q", "-b", "main");
    git("add", ".");
    git("commit", "-qm", "base");
    writeFileSync(path.join(repo, "migrations/0002_name.up.sql"), "ALTER TABLE users ALTER COLUMN name TYPE varchar(50);\n");
    const r = await runLockstep(["check", "migrations", "--changed-since", "main", "--format", "json"], { cwd: repo });
    const report = JSON.parse(r.stdout) as CheckReport;
    expect(report.files.map((f) => f.path)).toEqual([path.join("migrations", "0002_name.up.sql")]);
    // the type change is known to be a varchar grow from 0001 (not reported, but read): no rewrite, no finding
    expect(report.files[0]!.statements[0]!.rewrites).toEqual([]);
    expect(report.files[0]!.statements[0]!.findings.filter((f) => f.rule === "changing-column-type")).toEqual([]);
    const badRef = await runLockstep(["check", "migrations", "--changed-since", "nope"], { cwd: repo });
    expect(badRef.code).toBe(2);
    expect(badRef.stderr).toContain('git does not know the revision "nope"');
  });
});

describe("check --db: risk from the live table's size", () => {
  it("CREATE INDEX on a 10-row table is low, with the estimate from the catalog", async () => {
    const db = await createTestDatabase("rules");
    await db.client.query("CREATE TABLE small (id bigint PRIMARY KEY, email text)");
    await db.client.query("INSERT INTO small SELECT g, 'u' || g || '@example.com' FROM generate_series(1, 10) g");
    await db.client.query("ANALYZE small");
    const sql = file("0004_small_idx.sql", "CREATE INDEX small_email_idx ON small (email);\n");
    const r = await runLockstep(["check", sql, "--db", "env:CHECK_DB", "--format", "json"], { env: { CHECK_DB: db.url } });
    expect(r.stderr).toBe("");
    const report = JSON.parse(r.stdout) as CheckReport;
    const st = report.files[0]!.statements[0]!;
    expect(st.risk).toBe("low");
    expect(st.estimate?.rows).toBe(10);
    expect(st.estimate?.bytes).toBeGreaterThan(0);
    expect(st.estimate?.seconds).toBeLessThan(1);
    expect(report.files[0]!.assumptions ?? []).toEqual([]);
    // the rule still says CONCURRENTLY: a small table today is not a promise
    expect(st.findings.map((f) => f.rule)).toContain("require-concurrent-index-creation");
  });
});
