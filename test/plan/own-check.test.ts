import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { analyzePaths } from "../../src/analyze/analyze.js";
import { planMigration } from "../../src/plan/plan.js";
import { REPO_ROOT, runLockstep } from "../helpers/cli.js";
import { adminUrl } from "../helpers/db.js";
import { TEST_CLOCK, USERS_SCHEMA, tempDir } from "./helpers.js";

/** A golang-migrate directory whose first migration creates the users/orgs fixture. */
function migrationsDir(): { root: string; dir: string } {
  const root = tempDir();
  const dir = path.join(root, "migrations");
  mkdirSync(dir);
  writeFileSync(path.join(dir, "000001_schema.up.sql"), `${USERS_SCHEMA.replace(/INSERT[^;]*;/g, "")}\n`);
  return { root, dir };
}

/** Error findings of `check DIR`, per file, for the files other than the fixture's. */
async function checkDirErrors(dir: string): Promise<string[]> {
  const report = await analyzePaths([dir]);
  return report.files
    .filter((f) => !f.path.includes("000001_schema"))
    .flatMap((f) => [...f.errors.map((e) => `${f.path}: ${e.message}`), ...f.statements.flatMap((s) => s.findings.filter((x) => x.severity === "error" && !x.ignored).map((x) => `${path.basename(f.path)}: ${x.rule}: ${x.message}`))]);
}

const TRANSFORMS: Array<[string, string, string[]?]> = [
  ["add NOT NULL column", "ALTER TABLE users ADD COLUMN role text NOT NULL;", ["role = 'member'"]],
  ["volatile default", "ALTER TABLE users ADD COLUMN token uuid NOT NULL DEFAULT gen_random_uuid();"],
  ["SET NOT NULL", "ALTER TABLE users ALTER COLUMN org_id SET NOT NULL;"],
  ["CREATE INDEX", "CREATE INDEX users_email_idx ON users (email);"],
  ["DROP INDEX", "DROP INDEX users_org_idx;"],
  ["FOREIGN KEY", "ALTER TABLE users ADD CONSTRAINT users_org_fk FOREIGN KEY (org_id) REFERENCES orgs (id);"],
  ["CHECK", "ALTER TABLE users ADD CONSTRAINT users_age_pos CHECK (age > 0);"],
  ["UNIQUE", "ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);"],
  ["PRIMARY KEY", "ALTER TABLE orgs DROP CONSTRAINT orgs_pkey;\nALTER TABLE orgs ADD PRIMARY KEY (name);"],
  ["type change", "ALTER TABLE users ALTER COLUMN age TYPE bigint;"],
  ["rename column", "ALTER TABLE users RENAME COLUMN username TO display_name;"],
  ["rename table", "ALTER TABLE orgs RENAME TO organizations;"],
  ["UPDATE", "UPDATE users SET normalized_email = lower(email);"],
  ["DELETE", "DELETE FROM users WHERE age > 30;"],
  ["DROP COLUMN", "ALTER TABLE users DROP COLUMN normalized_email;"],
  ["schema and data", "ALTER TABLE orgs ADD COLUMN code text;\nINSERT INTO orgs (id, name) VALUES (2, 'b');"],
];

describe("plan output passes check as one migration set after the earlier migrations", () => {
  for (const [what, sql, fills] of TRANSFORMS) {
    it(`${what}: committed into the directory in place of the source, check DIR finds no error`, async () => {
      const { root, dir } = migrationsDir();
      writeFileSync(path.join(dir, "000002_change.up.sql"), `${sql}\n`);
      const r = await planMigration({ file: "migrations/000002_change.up.sql", cwd: root, out: "migrations", verify: false, now: TEST_CLOCK, ...(fills ? { fills } : {}) });
      expect(r.changed).toBe(true);
      expect(r.checks.flatMap((c) => c.errors)).toEqual([]);
      expect(r.checks.flatMap((c) => c.findings.filter((f) => f.severity === "error" && !f.ignored))).toEqual([]);
      rmSync(path.join(dir, "000002_change.up.sql"));
      expect(await checkDirErrors(dir)).toEqual([]);
    });
  }
});

describe("lockstep plan on the examples directory, without --db", () => {
  const copy = () => {
    const root = tempDir();
    cpSync(path.join(REPO_ROOT, "examples", "migrations"), path.join(root, "migrations"), { recursive: true });
    return root;
  };

  it("numbers after the highest version, says so, and passes its own check", async () => {
    const root = copy();
    const r = await runLockstep(["plan", "migrations/000003_add_role.up.sql", "--format", "json", "--no-verify"], { cwd: root });
    const plan = JSON.parse(r.stdout);
    expect(plan.files.filter((f: { role: string }) => f.role === "migration").map((f: { path: string }) => path.basename(f.path))).toEqual([
      "000009_add_role_add_users_role_nullable.up.sql",
      "000010_add_role_check_users_role_not_null.up.sql",
      "000011_add_role_validate_users_role_not_null.up.sql",
      "000012_add_role_set_users_role_not_null.up.sql",
    ]);
    expect(plan.notes.join("\n")).toMatch(/renumbered: not next to 000003, because 5 later migration\(s\) already exist \(000004, 000005, 000006, \.\.\.\)/);
    expect(plan.checks.flatMap((c: { findings: Array<{ severity: string }> }) => c.findings.filter((f) => f.severity === "error"))).toEqual([]);
    expect(r.code).toBe(0);
  });

  it("--out into the migrations directory writes next to the existing files and never overwrites one", async () => {
    const root = copy();
    const dir = path.join(root, "migrations");
    const before = readdirSync(dir).sort();
    const first = await runLockstep(["plan", "migrations/000003_add_role.up.sql", "--out", "migrations", "--no-verify", "--fill", "role = 'member'"], { cwd: root });
    expect(first.code).toBe(0);
    const after = readdirSync(dir).sort();
    expect(after.filter((f) => !before.includes(f))).toEqual(expect.arrayContaining(["000009_add_role_add_users_role_nullable.up.sql", "000012_add_role_set_users_role_not_null.down.sql", "backfills"]));
    for (const f of before) expect(readFileSync(path.join(dir, f), "utf8")).toBe(readFileSync(path.join(REPO_ROOT, "examples", "migrations", f), "utf8"));

    // again: the backfill spec's name is taken, so nothing at all is written
    const again = await runLockstep(["plan", "migrations/000003_add_role.up.sql", "--out", "migrations", "--no-verify", "--fill", "role = 'member'"], { cwd: root });
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already exist .* never overwritten: backfills\/03_backfill_users_role\.yml; nothing was written/);
    expect(readdirSync(dir).sort()).toEqual(after);
  });

  it("the default output directory holding an earlier plan is refused (exit 2), not mixed", async () => {
    const root = copy();
    expect((await runLockstep(["plan", "migrations/000004_index_users_email.up.sql", "--no-verify"], { cwd: root })).code).toBe(0);
    const again = await runLockstep(["plan", "migrations/000004_index_users_email.up.sql", "--no-verify"], { cwd: root });
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already holds files \(an earlier plan\?\): nothing was written/);
  });
});

describe("--fill and the placeholder", () => {
  it("without --fill the spec says what to fill in, and backfill --spec refuses it with exit 2 naming the line", async () => {
    const { root } = migrationsDir();
    writeFileSync(path.join(root, "migrations", "000002_role.up.sql"), "ALTER TABLE users ADD COLUMN role text NOT NULL;\n");
    const r = await runLockstep(["plan", "migrations/000002_role.up.sql", "--no-verify", "--out", "out"], { cwd: root });
    expect(r.code).toBe(0);
    const spec = path.join(root, "out", "backfills", "03_backfill_users_role.yml");
    expect(readFileSync(spec, "utf8")).toMatch(/# TODO: .*replace <value for existing rows> in the spec with it, or plan again with --fill "role = <expression>"/);
    const b = await runLockstep(["backfill", "--spec", spec, "--db", "postgres://nobody:secret@127.0.0.1:1/none"], { cwd: root });
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/03_backfill_users_role\.yml:5: the spec still holds <value for existing rows>: set: role = <value for existing rows>/);
    expect(b.stderr).not.toContain("secret");
  });

  it("--fill sets the value; a --fill the plan cannot use, or that does not parse, exits 2", async () => {
    const { root } = migrationsDir();
    writeFileSync(path.join(root, "migrations", "000002_role.up.sql"), "ALTER TABLE users ADD COLUMN role text NOT NULL;\n");
    const ok = await runLockstep(["plan", "migrations/000002_role.up.sql", "--no-verify", "--out", "out", "--fill", "users.role = 'member'", "--format", "json"], { cwd: root });
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout).steps[2]).toMatchObject({ kind: "backfill", spec: { set: "role = 'member'" } });
    expect(JSON.parse(ok.stdout).steps[2].todo).toBeUndefined();

    const unknown = await runLockstep(["plan", "migrations/000002_role.up.sql", "--no-verify", "--out", "out2", "--fill", "rol = 'member'"], { cwd: root });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/--fill "rol = 'member'": the plan backfills no new NOT NULL column of that name/);
    const bad = await runLockstep(["plan", "migrations/000002_role.up.sql", "--no-verify", "--out", "out3", "--fill", "role = 'member"], { cwd: root });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--fill "role = 'member": unterminated quoted string/);
    expect(readdirSync(root).sort()).toEqual(["migrations", "out"]);
  });
});

describe("without --db, rollbacks are verified on the directory's earlier migrations", () => {
  it("the earlier migrations are replayed into the shadow: a rollback on an existing table is verified", async () => {
    const { root } = migrationsDir();
    writeFileSync(path.join(root, "migrations", "000002_idx.up.sql"), "CREATE INDEX users_email_idx ON users (email);\n");
    writeFileSync(path.join(root, "migrations", "000002_idx.down.sql"), "DROP INDEX users_email_idx;\n");
    const r = await planMigration({ file: "migrations/000002_idx.up.sql", cwd: root, out: "out", now: TEST_CLOCK, verify: { adminUrl: adminUrl() } });
    expect(r.rollback).toEqual([expect.objectContaining({ sql: "DROP INDEX CONCURRENTLY IF EXISTS users_email_idx;", verified: true })]);
    expect(r.down).toMatchObject({ verified: true });
    expect(r.notes.join("\n")).toMatch(/replaying the 1 earlier migration\(s\) of the directory/);
  });
});
