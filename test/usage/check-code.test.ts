import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { CheckReport, Finding } from "../../src/analyze/types.js";
import { REPO_ROOT, runLockstep } from "../helpers/cli.js";
import { createTestDatabase } from "../helpers/db.js";

/** `lockstep check --code` on the sample application (TypeScript, Python, Go, Prisma). */
let app: string;
const target = createTestDatabase("code");

beforeAll(() => {
  app = path.join(mkdtempSync(path.join(os.tmpdir(), "lockstep-check-code-")), "app");
  cpSync(path.join(REPO_ROOT, "test/fixtures/sample-app"), app, { recursive: true });
  mkdirSync(path.join(app, "changes"));
});

function migration(name: string, sql: string): string {
  writeFileSync(path.join(app, "changes", name), sql);
  return `changes/${name}`;
}

async function checkJson(file: string, extra: string[] = ["--code", "."]) {
  const r = await runLockstep(["check", file, ...extra, "--format", "json"], { cwd: app, env: { LOCKSTEP_RIPGREP: "off" } });
  return { ...r, report: JSON.parse(r.stdout) as CheckReport };
}

const codeFindings = (report: CheckReport): Finding[] => report.files.flatMap((f) => f.statements.flatMap((s) => s.findings.filter((x) => x.rule === "code-references")));

describe("check --code", () => {
  it("a dropped column the code still uses: an error naming file:line and the line, every reference in the evidence", async () => {
    const { code, report } = await checkJson(migration("0002_drop_username.sql", "ALTER TABLE users DROP COLUMN username;\n"));
    expect(code).toBe(1);
    const [f] = codeFindings(report);
    expect(f).toMatchObject({ severity: "error", ignored: false });
    expect(f!.message).toBe("code still references users.username: prisma/schema.prisma:9 `username String @unique` (2 references in 2 files)");
    expect(f!.evidence!.code).toEqual({
      name: "users.username",
      forms: ["username", "Username"],
      files: 4,
      total: 2,
      hits: [
        { path: "prisma/schema.prisma", line: 9, text: "username String @unique" },
        { path: "worker/report.py", line: 14, text: "SELECT username FROM users ORDER BY username" },
      ],
    });
    // the fix speaks Prisma: the reference is in the Prisma schema
    expect(f!.fix).toMatch(/Prisma: remove the field for username from model User in schema\.prisma/);
    expect(report.evidence).toEqual({ code: { dirs: ["."], files: 4, searcher: "builtin" } });
  });

  it("the camelCase form the ORM generates is found (display_name -> displayName), for a rename too", async () => {
    const { report } = await checkJson(migration("0003_rename.sql", "ALTER TABLE users RENAME COLUMN display_name TO full_name;\n"));
    const [f] = codeFindings(report);
    expect(f!.severity).toBe("error");
    expect(f!.evidence!.code!.hits.map((h) => `${h.path}:${h.line}`)).toEqual(["prisma/schema.prisma:10", "src/users/profile.ts:11"]);
    expect(f!.evidence!.code!.hits[1]!.text).toContain("user.displayName");
    expect(f!.fix).toMatch(/move every reference listed to full_name/);
  });

  it("a name only in comments, docstrings, the migrations dir and the migration itself: no references", async () => {
    const { report } = await checkJson(migration("0004_drop_nickname.sql", "ALTER TABLE users DROP COLUMN nickname;\n"));
    const [f] = codeFindings(report);
    expect(f).toMatchObject({ severity: "info", message: "no references to users.nickname in 4 files" });
    expect(f!.evidence!.code!.hits).toEqual([]);
  });

  it("a clean tree for a dropped table: no references; a table still used is found by its model class", async () => {
    const { report } = await checkJson(migration("0005_drop_tables.sql", "DROP TABLE legacy_flags;\nDROP TABLE audit_events;\n"));
    const [legacy, audit] = codeFindings(report).sort((a, b) => a.severity.localeCompare(b.severity)).reverse();
    expect(legacy!.message).toBe("no references to legacy_flags in 4 files");
    expect(audit!.message).toBe("code still references audit_events: cmd/export/main.go:9 `type AuditEvent struct {` (2 references in 1 file)");
  });

  it("text output lists the references and what was searched", async () => {
    const r = await runLockstep(["check", migration("0006_drop.sql", "ALTER TABLE users DROP COLUMN username;\n"), "--code", "."], { cwd: app, env: { LOCKSTEP_RIPGREP: "off" } });
    expect(r.stdout).toContain("error code-references: code still references users.username: prisma/schema.prisma:9");
    expect(r.stdout).toContain("        worker/report.py:14  SELECT username FROM users ORDER BY username");
    expect(r.stdout).toContain("code searched: . — 4 source files (built-in scanner)");
  });

  it("a type change the code uses is a warning; a column added in the same migration is not searched", async () => {
    const { report } = await checkJson(migration("0007_type.sql", "ALTER TABLE users ALTER COLUMN created_at TYPE timestamp;\nALTER TABLE users ADD COLUMN tmp text;\nALTER TABLE users RENAME COLUMN tmp TO tmp2;\nCREATE TABLE scratch (id int);\nDROP TABLE scratch;\n"));
    const found = codeFindings(report);
    expect(found.map((f) => [f.severity, f.evidence!.code!.name])).toEqual([["warning", "users.created_at"], ["info", "users.tmp"]]);
  });

  it("lockstep-ignore code-references silences it like a rule", async () => {
    const { report } = await checkJson(migration("0008_ignored.sql", "-- lockstep-ignore code-references: the worker is retired this release\nALTER TABLE users DROP COLUMN username;\n"));
    expect(codeFindings(report)[0]).toMatchObject({ ignored: true, ignoreReason: "the worker is retired this release" });
  });

  it("without --code nothing is searched and the report has no evidence", async () => {
    const { report } = await checkJson(migration("0009_plain.sql", "ALTER TABLE users DROP COLUMN username;\n"), []);
    expect(codeFindings(report)).toEqual([]);
    expect(report.evidence).toBeUndefined();
  });

  it("a --code directory that does not exist: exit 2, one clear line", async () => {
    const r = await runLockstep(["check", migration("0010.sql", "ALTER TABLE users DROP COLUMN username;\n"), "--code", "nope"], { cwd: app });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--code nope: no such directory");
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("--target uses the target's code setting, relative to lockstep.yml (a configured dir that is missing is reported)", async () => {
    const db = await target;
    await db.client.query("CREATE TABLE users (id int PRIMARY KEY, username text)");
    writeFileSync(path.join(app, "lockstep.yml"), "targets:\n  prod:\n    url_env: TARGET_URL\n    code: [worker, missing_dir]\n");
    const r = await runLockstep(["check", path.basename(migration("0011.sql", "ALTER TABLE users DROP COLUMN username;\n")), "--target", "prod", "--format", "json"], {
      cwd: path.join(app, "changes"),
      env: { LOCKSTEP_CONFIG: path.join(app, "lockstep.yml"), LOCKSTEP_RIPGREP: "off", TARGET_URL: db.url },
    });
    expect(r.stderr).toBe("");
    const report = JSON.parse(r.stdout) as CheckReport;
    expect(report.evidence!.code).toMatchObject({ dirs: [path.join(app, "worker")], files: 1, missing: ["missing_dir"] });
    // with a database, its recorded statements are evidence too: here the extension is not installed, and the report says so
    expect(report.evidence!.queries).toMatchObject({ available: false, note: `pg_stat_statements is not installed in database ${db.name}` });
    expect(report.evidence!.queries!.hint).toMatch(/CREATE EXTENSION pg_stat_statements/);
    // the rollback plan: the save line for just the key and that column, to run before applying, naming the target
    expect(report.files[0]!.rollback![0]!.note).toContain("BEFORE applying, save it: lockstep save --target prod --table public.users --columns id,username --out users.username.csv");
    expect(codeFindings(report)[0]!.evidence!.code!.hits.map((h) => h.path)).toEqual([path.join(app, "worker/report.py")]);

    // none of the configured directories exists: nothing is claimed about the code
    writeFileSync(path.join(app, "lockstep.yml"), "targets:\n  prod:\n    url_env: TARGET_URL\n    code: [missing_dir]\n");
    const none = await runLockstep(["check", "changes/0011.sql", "--target", "prod", "--format", "json"], { cwd: app, env: { LOCKSTEP_CONFIG: path.join(app, "lockstep.yml"), TARGET_URL: db.url } });
    const noneReport = JSON.parse(none.stdout) as CheckReport;
    expect(noneReport.evidence!.code).toEqual({ dirs: [], files: 0, searcher: "builtin", missing: ["missing_dir"] });
    expect(codeFindings(noneReport)).toEqual([]);
  });
});
