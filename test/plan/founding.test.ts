import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { applyPlan, checkProblems, fixtureDb, planAgainst, tempDir } from "./helpers.js";
import type { TestDatabase } from "../helpers/db.js";

/** The founding doc's examples: each gets the right plan and a verified rollback. */
let db: TestDatabase;
let dir: string;
beforeAll(async () => {
  db = await fixtureDb();
  dir = tempDir();
});

const migrationSql = (r: Awaited<ReturnType<typeof planAgainst>>) =>
  r.steps.flatMap((s) => (s.kind === "migration" ? s.statements : []));

describe("founding doc examples", () => {
  it("users.avatar_url nullable add: safe as written; rollback DROP COLUMN, clean, verified", async () => {
    const r = await planAgainst(db, dir, "0001_avatar.up.sql", "ALTER TABLE users ADD COLUMN avatar_url text;\n");
    expect(r.changed).toBe(false);
    expect(r.files).toEqual([]);
    expect(r.rollback).toEqual([expect.objectContaining({ statement: 0, sql: "ALTER TABLE users DROP COLUMN avatar_url;", recoverability: "clean", verified: true })]);
  });

  it("is_active boolean NOT NULL DEFAULT true: safe as written; rollback clean, verified", async () => {
    const r = await planAgainst(db, dir, "0002_active.up.sql", "ALTER TABLE users ADD COLUMN is_active boolean NOT NULL DEFAULT true;\n");
    expect(r.changed).toBe(false);
    expect(r.rollback[0]).toMatchObject({ sql: "ALTER TABLE users DROP COLUMN is_active;", recoverability: "clean", verified: true });
  });

  it("role text NOT NULL without default: nullable add -> deploy -> backfill spec -> CHECK NOT VALID -> VALIDATE -> SET NOT NULL + drop check", async () => {
    const r = await planAgainst(db, dir, "0003_role.up.sql", "ALTER TABLE users ADD COLUMN role text NOT NULL;\n", {}, { fills: ["role = 'member'"] });
    expect(r.changed).toBe(true);
    expect(r.steps.map((s) => s.kind)).toEqual(["migration", "deploy", "backfill", "migration", "migration", "migration"]);
    expect(migrationSql(r)).toEqual([
      "ALTER TABLE users ADD COLUMN role text",
      "SET lock_timeout = '5s'",
      "ALTER TABLE users ADD CONSTRAINT users_role_nn_check CHECK (role IS NOT NULL) NOT VALID",
      "ALTER TABLE users VALIDATE CONSTRAINT users_role_nn_check",
      "SET lock_timeout = '5s'",
      "ALTER TABLE users ALTER COLUMN role SET NOT NULL",
      "ALTER TABLE users DROP CONSTRAINT users_role_nn_check",
    ]);
    const spec = r.files.find((f) => f.role === "backfill-spec")!;
    expect(readFileSync(spec.path, "utf8")).toMatch(/table: public\.users\nset: role = 'member'\nwhere: role IS NULL/);
    expect(readFileSync(spec.path, "utf8")).not.toMatch(/TODO/);
    expect(r.files.filter((f) => f.role === "migration").map((f) => f.path.split("/").pop())).toEqual([
      "0004_role_add_users_role_nullable.up.sql",
      "0005_role_check_users_role_not_null.up.sql",
      "0006_role_validate_users_role_not_null.up.sql",
      "0007_role_set_users_role_not_null.up.sql",
    ]);
    expect(r.files.filter((f) => f.role === "down")).toHaveLength(4);
    expect(checkProblems(r)).toEqual([]);
    expect(r.rollback[0]).toMatchObject({ recoverability: "clean", verified: true });
    // the plan really works: applied to a copy of the schema, role ends NOT NULL, filled
    const target = await fixtureDb("apply");
    await applyPlan(target, r);
    const col = await target.client.query("SELECT is_nullable FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'role'");
    expect(col.rows[0].is_nullable).toBe("NO");
    const checks = await target.client.query("SELECT count(*)::int AS n FROM pg_constraint WHERE conname = 'users_role_nn_check'");
    expect(checks.rows[0].n).toBe(0);
  });

  it("idx_users_email: CREATE INDEX CONCURRENTLY alone in a non-transactional file, INVALID-index cleanup, verified rollback", async () => {
    const r = await planAgainst(db, dir, "0004_idx.up.sql", "CREATE INDEX idx_users_email ON users (email);\n");
    expect(r.steps).toHaveLength(1);
    const step = r.steps[0]!;
    expect(step).toMatchObject({ kind: "migration", transactional: false, statements: ["CREATE INDEX CONCURRENTLY idx_users_email ON users (email)"], down: ["DROP INDEX CONCURRENTLY IF EXISTS idx_users_email"] });
    expect(step.kind === "migration" && step.onFailure).toMatch(/INVALID index idx_users_email.*DROP INDEX CONCURRENTLY IF EXISTS idx_users_email/);
    expect(checkProblems(r)).toEqual([]);
    expect(r.rollback[0]).toMatchObject({ sql: "DROP INDEX CONCURRENTLY IF EXISTS idx_users_email;", recoverability: "clean", verified: true });
    const target = await fixtureDb("apply");
    await applyPlan(target, r);
    const idx = await target.client.query("SELECT indisvalid FROM pg_index WHERE indexrelid = 'idx_users_email'::regclass");
    expect(idx.rows[0].indisvalid).toBe(true);
  });

  it("username -> display_name: expand (column + sync trigger) / migrate (backfill, app reads new) / contract; rollback says stop at phase 1", async () => {
    const r = await planAgainst(db, dir, "0005_rename.up.sql", "ALTER TABLE users RENAME COLUMN username TO display_name;\n");
    expect(r.steps.map((s) => `${s.kind}:${s.phase}`)).toEqual([
      "migration:expand",
      "backfill:migrate",
      // username is NOT NULL: display_name gets it the safe way before the contract
      "migration:constrain",
      "migration:validate",
      "migration:constrain",
      "deploy:migrate",
      "deploy:contract",
      "migration:contract",
    ]);
    expect(checkProblems(r)).toEqual([]);
    expect(r.notes.join("\n")).toMatch(/stop at phase 1 \(expand\) and revert the app/);
    expect(r.rollback[0]).toMatchObject({ sql: "ALTER TABLE users RENAME COLUMN display_name TO username;", recoverability: "clean", verified: true });
    expect(r.rollback[0]!.note).toMatch(/stop at phase 1/);

    // phase 1 on a real database: old code writes username, new code writes display_name; both stay in sync
    const target = await fixtureDb("apply");
    const expand = r.files.find((f) => f.step === 0 && f.role === "migration")!;
    await target.client.query(readFileSync(expand.path, "utf8"));
    await target.client.query("INSERT INTO users (email, username) VALUES ('old@x.io', 'oldcode')");
    await target.client.query("INSERT INTO users (email, username, display_name) VALUES ('new@x.io', 'newcode', 'newcode')");
    await target.client.query("UPDATE users SET display_name = 'renamed' WHERE email = 'new@x.io'");
    const rows = await target.client.query("SELECT email, username, display_name FROM users WHERE email IN ('old@x.io', 'new@x.io') ORDER BY email");
    expect(rows.rows).toEqual([
      { email: "new@x.io", username: "renamed", display_name: "renamed" },
      { email: "old@x.io", username: "oldcode", display_name: "oldcode" },
    ]);
    // and the whole plan applies: username is gone, display_name is NOT NULL with every value
    const rest = { ...r, steps: r.steps.map((s, i) => (i === 0 ? { kind: "deploy" as const, phase: "done", text: "" } : s)) };
    await applyPlan(target, rest);
    const cols = await target.client.query("SELECT column_name, is_nullable FROM information_schema.columns WHERE table_name = 'users' AND column_name IN ('username', 'display_name')");
    expect(cols.rows).toEqual([{ column_name: "display_name", is_nullable: "NO" }]);
  });

  it("normalized_email backfill: UPDATE users SET normalized_email = lower(email) becomes a backfill spec with save_old; rollback inverse", async () => {
    const r = await planAgainst(db, dir, "0006_backfill.up.sql", "UPDATE users SET normalized_email = lower(email);\n");
    expect(r.steps).toEqual([expect.objectContaining({ kind: "backfill", spec: { table: "public.users", set: "normalized_email = lower(email)", batch_size: "auto", save_old: true } })]);
    const spec = r.files.find((f) => f.role === "backfill-spec")!;
    const { loadSpecFile } = await import("../../src/backfill/spec.js");
    expect(loadSpecFile(spec.path)).toMatchObject({ table: "public.users", set: ["normalized_email = lower(email)"], save_old: true });
    expect(r.rollback[0]).toMatchObject({ recoverability: "inverse", verified: true });
    expect(r.rollback[0]!.note).toMatch(/lockstep backfill restore --run ID/);
  });

  it("add column + the normalized_email backfill in one migration: schema and data are split", async () => {
    const r = await planAgainst(db, dir, "0007_both.up.sql", "ALTER TABLE users ADD COLUMN email_lower text;\nUPDATE users SET email_lower = lower(email);\n");
    expect(r.steps.map((s) => s.kind)).toEqual(["migration", "backfill"]);
    expect(r.rollback.map((e) => [e.recoverability, e.verified])).toEqual([["clean", true], ["inverse", true]]);
  });
});
