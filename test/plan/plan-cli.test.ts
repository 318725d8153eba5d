import { writeFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runLockstep } from "../helpers/cli.js";
import { adminUrl, type TestDatabase } from "../helpers/db.js";
import { fixtureDb, tempDir } from "./helpers.js";

/** The built CLI: `lockstep plan` and `check`'s rollback entries (run `npx tsc -p .` first). */
let db: TestDatabase;
let dir: string;
let env: NodeJS.ProcessEnv;
beforeAll(async () => {
  db = await fixtureDb("plancli");
  dir = tempDir();
  env = { PROD_URL: db.url, LOCKSTEP_SHADOW_ADMIN_URL: adminUrl() };
  writeFileSync(path.join(dir, "0042_add_role.up.sql"), "ALTER TABLE users ADD COLUMN role text NOT NULL;\nCREATE INDEX idx_users_email ON users (email);\n");
  writeFileSync(path.join(dir, "0042_add_role.down.sql"), "DROP INDEX idx_users_email;\n");
});

describe("lockstep plan (CLI)", () => {
  it("writes the files, prints the phases with deploy steps, verifies rollbacks; JSON has the plan", async () => {
    const r = await runLockstep(["plan", "0042_add_role.up.sql", "--db", "env:PROD_URL", "--out", "out", "--format", "json"], { cwd: dir, env });
    expect(r.stderr).toBe("");
    const plan = JSON.parse(r.stdout);
    expect(plan.steps.map((s: { kind: string }) => s.kind)).toEqual(["migration", "deploy", "backfill", "migration", "migration", "migration", "migration"]);
    expect(plan.rollback).toEqual([
      expect.objectContaining({ statement: 0, recoverability: "clean", verified: true }),
      expect.objectContaining({ statement: 1, recoverability: "clean", verified: true }),
    ]);
    // the down file forgets the column: reported, and exit 1
    expect(plan.down).toMatchObject({ verified: false, diff: [{ object: "column public.users.role", change: "added" }] });
    expect(r.code).toBe(1);
    expect(plan.files.map((f: { path: string }) => path.relative(dir, f.path))).toContain(path.join("out", "0047_add_role_index_idx_users_email.up.sql"));
    expect(r.stdout).not.toContain(new URL(db.url).password);
  });

  it("text output spells out the deploy steps, the backfill command and the rollback classes", async () => {
    const r = await runLockstep(["plan", "0042_add_role.up.sql", "--db", "env:PROD_URL", "--out", "out-text"], { cwd: dir, env });
    expect(r.stdout).toMatch(/DEPLOY: Deploy application code that sets role on every INSERT/);
    expect(r.stdout).toMatch(/lockstep backfill --spec backfills\/03_backfill_users_role\.yml/);
    expect(r.stdout).toMatch(/statement 1 \(clean, verified\): ALTER TABLE users DROP COLUMN role;/);
    expect(r.stdout).toMatch(/does NOT restore the schema/);
    expect(r.stdout).toMatch(/lockstep check on the generated files: no errors/);
  });

  it("markdown output for PR comments", async () => {
    const r = await runLockstep(["plan", "0042_add_role.up.sql", "--db", "env:PROD_URL", "--out", "out-md", "--format", "markdown", "--no-verify"], { cwd: dir, env });
    expect(r.stdout).toMatch(/^## lockstep plan: `0042_add_role\.up\.sql` \(golang-migrate\)/);
    expect(r.stdout).toContain("```sql\nCREATE INDEX CONCURRENTLY idx_users_email ON users (email);\n```");
    expect(r.code).toBe(0);
  });

  it("a syntax error exits 2 with line and column", async () => {
    writeFileSync(path.join(dir, "bad.sql"), "ALTER TABLE users\n  ADD COLUMN x int NOT NULL;\nALTER TABL y;\n");
    const r = await runLockstep(["plan", "bad.sql", "--no-verify"], { cwd: dir, env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.sql:3:7: syntax error at or near "TABL"/);
  });
});

describe("check: rollback entries", () => {
  it("check --format json has a rollback entry per statement with verified: null", async () => {
    const r = await runLockstep(["check", "0042_add_role.up.sql", "--format", "json"], { cwd: dir, env });
    const file = JSON.parse(r.stdout).files[0];
    expect(file.rollback).toEqual([
      { statement: 0, sql: "ALTER TABLE users DROP COLUMN role;", recoverability: "clean", verified: null, note: "drops the new column (and what was written to it since)" },
      { statement: 1, sql: "DROP INDEX CONCURRENTLY IF EXISTS idx_users_email;", recoverability: "clean", verified: null },
    ]);
  });

  it("check --verify-rollback verifies on a shadow database and reports the down file", async () => {
    const r = await runLockstep(["check", "0042_add_role.up.sql", "--db", "env:PROD_URL", "--verify-rollback", "--format", "json"], { cwd: dir, env });
    const file = JSON.parse(r.stdout).files[0];
    expect(file.rollback.map((e: { verified: boolean }) => e.verified)).toEqual([true, true]);
    expect(file.down).toMatchObject({ verified: false, destroys: [] });
    const text = await runLockstep(["check", "0042_add_role.up.sql", "--db", "env:PROD_URL", "--verify-rollback"], { cwd: dir, env });
    expect(text.stdout).toMatch(/rollback \(clean, verified\): ALTER TABLE users DROP COLUMN role;/);
    expect(text.stdout).toMatch(/down file .*0042_add_role\.down\.sql: does NOT restore the schema/);
  });
});
