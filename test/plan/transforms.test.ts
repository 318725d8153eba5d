import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { PlanMigration, PlanResult } from "../../src/plan/types.js";
import type { TestDatabase } from "../helpers/db.js";
import { applyPlan, checkProblems, fixtureDb, planAgainst, tempDir } from "./helpers.js";

/** Every transformation: the plan's shape, `lockstep check` on its files, and that it really applies. */
let db: TestDatabase;
let dir: string;
beforeAll(async () => {
  db = await fixtureDb();
  dir = tempDir();
});

const migrations = (r: PlanResult) => r.steps.filter((s): s is PlanMigration => s.kind === "migration");
const sqlOf = (r: PlanResult) => migrations(r).flatMap((s) => s.statements.filter((x) => !x.startsWith("SET lock_timeout")));

async function planned(file: string, sql: string) {
  const r = await planAgainst(db, dir, file, sql);
  expect(checkProblems(r)).toEqual([]);
  expect(r.rollback.every((e) => e.verified === true)).toBe(true);
  const target = await fixtureDb("apply");
  await applyPlan(target, r);
  return { r, target };
}

describe("plan transformations", () => {
  it("FOREIGN KEY: NOT VALID, then VALIDATE in a later migration", async () => {
    const { r, target } = await planned("0010_fk.up.sql", "ALTER TABLE users ADD CONSTRAINT users_org_fk FOREIGN KEY (org_id) REFERENCES orgs (id) ON DELETE CASCADE;\n");
    expect(sqlOf(r)).toEqual([
      "ALTER TABLE users ADD CONSTRAINT users_org_fk FOREIGN KEY (org_id) REFERENCES orgs (id) ON DELETE CASCADE NOT VALID",
      "ALTER TABLE users VALIDATE CONSTRAINT users_org_fk",
    ]);
    expect(migrations(r).map((m) => m.phase)).toEqual(["constrain", "validate"]);
    const c = await target.client.query("SELECT convalidated FROM pg_constraint WHERE conname = 'users_org_fk'");
    expect(c.rows[0].convalidated).toBe(true);
  });

  it("unnamed CHECK: named, NOT VALID, then VALIDATE; its direct rollback is not verified (Postgres picks the name)", async () => {
    const r = await planAgainst(db, dir, "0011_check.up.sql", "ALTER TABLE users ADD CHECK (age >= 0);\n");
    expect(sqlOf(r)).toEqual(["ALTER TABLE users ADD CONSTRAINT users_check CHECK (age >= 0) NOT VALID", "ALTER TABLE users VALIDATE CONSTRAINT users_check"]);
    expect(checkProblems(r)).toEqual([]);
    expect(r.rollback[0]).toMatchObject({ verified: false, diff: [{ object: "constraint public.users.users_age_check", change: "added", after: "CHECK ((age >= 0))" }] });
    expect(r.rollback[0]!.note).toMatch(/unnamed constraint/);
  });

  it("UNIQUE: unique index CONCURRENTLY (own non-transactional file), then ADD CONSTRAINT ... USING INDEX", async () => {
    const { r, target } = await planned("0012_unique.up.sql", "ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);\n");
    expect(sqlOf(r)).toEqual(["CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON users (email)", "ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_key"]);
    expect(migrations(r).map((m) => m.transactional)).toEqual([false, true]);
    const c = await target.client.query("SELECT contype FROM pg_constraint WHERE conname = 'users_email_key'");
    expect(c.rows[0].contype).toBe("u");
  });

  it("PRIMARY KEY on a nullable column: NOT NULL proven by a check first, then USING INDEX", async () => {
    const { r, target } = await planned("0013_pk.up.sql", "ALTER TABLE orgs DROP CONSTRAINT orgs_pkey;\nALTER TABLE orgs ADD COLUMN code text;\nALTER TABLE orgs ADD PRIMARY KEY (name);\n");
    expect(sqlOf(r)).toContain("CREATE UNIQUE INDEX CONCURRENTLY orgs_pkey ON orgs (name)");
    expect(sqlOf(r)).toContain("ALTER TABLE orgs ALTER COLUMN name SET NOT NULL");
    expect(sqlOf(r).at(-1)).toBe("ALTER TABLE orgs ADD CONSTRAINT orgs_pkey PRIMARY KEY USING INDEX orgs_pkey");
    const c = await target.client.query("SELECT contype FROM pg_constraint WHERE conname = 'orgs_pkey'");
    expect(c.rows[0].contype).toBe("p");
  });

  it("SET NOT NULL: CHECK NOT VALID + VALIDATE + SET NOT NULL + drop the check", async () => {
    const { r, target } = await planned("0014_nn.up.sql", "ALTER TABLE users ALTER COLUMN org_id SET NOT NULL;\n");
    expect(sqlOf(r)).toEqual([
      "ALTER TABLE users ADD CONSTRAINT users_org_id_nn_check CHECK (org_id IS NOT NULL) NOT VALID",
      "ALTER TABLE users VALIDATE CONSTRAINT users_org_id_nn_check",
      "ALTER TABLE users ALTER COLUMN org_id SET NOT NULL",
      "ALTER TABLE users DROP CONSTRAINT users_org_id_nn_check",
    ]);
    const col = await target.client.query("SELECT attnotnull FROM pg_attribute WHERE attrelid = 'users'::regclass AND attname = 'org_id'");
    expect(col.rows[0].attnotnull).toBe(true);
  });

  it("rewriting type change: new column + sync trigger, backfill, swap, contract", async () => {
    const { r, target } = await planned("0015_type.up.sql", "ALTER TABLE users ALTER COLUMN age TYPE bigint;\n");
    expect(r.steps.map((s) => `${s.kind}:${s.phase}`)).toEqual(["migration:expand", "backfill:migrate", "deploy:migrate", "migration:swap", "deploy:contract", "migration:contract"]);
    expect(r.steps[1]).toMatchObject({ spec: { table: "public.users", set: "age_new = age::int8" } });
    const t = await target.client.query("SELECT format_type(atttypid, atttypmod) AS t FROM pg_attribute WHERE attrelid = 'users'::regclass AND attname = 'age'");
    expect(t.rows[0].t).toBe("bigint");
    const sum = await target.client.query("SELECT sum(age)::int AS s, count(*)::int AS n FROM users");
    expect(sum.rows[0]).toEqual({ s: 820, n: 40 });
    const leftovers = await target.client.query("SELECT count(*)::int AS n FROM pg_attribute WHERE attrelid = 'users'::regclass AND attname IN ('age_old', 'age_new') AND NOT attisdropped");
    expect(leftovers.rows[0].n).toBe(0);
  });

  it("the type-change sync trigger converts rows written between expand and swap", async () => {
    const r = await planAgainst(db, dir, "0016_type.up.sql", "ALTER TABLE users ALTER COLUMN age TYPE numeric(10,2) USING age::numeric(10,2);\n");
    const target = await fixtureDb("apply");
    await target.client.query(readFileSync(r.files.find((f) => f.step === 0 && f.role === "migration")!.path, "utf8"));
    await target.client.query("INSERT INTO users (email, username, age) VALUES ('t@x.io', 't', 7)");
    const row = await target.client.query("SELECT age_new::text AS v FROM users WHERE email = 't@x.io'");
    expect(row.rows[0].v).toBe("7.00");
  });

  it("RENAME TABLE: rename + updatable compatibility view in one migration, then drop the view", async () => {
    const { r, target } = await planned("0017_rename_table.up.sql", "ALTER TABLE orgs RENAME TO organizations;\n");
    expect(sqlOf(r).map((s) => s.replace(/^(--[^\n]*\n)+/, ""))).toEqual(["ALTER TABLE orgs RENAME TO organizations", "CREATE VIEW orgs AS SELECT * FROM organizations", "DROP VIEW orgs"]);
    expect(r.steps.map((s) => s.kind)).toEqual(["migration", "deploy", "migration"]);
    // between the phases old code writes through the view
    const mid = await fixtureDb("apply");
    await mid.client.query(readFileSync(r.files.find((f) => f.step === 0 && f.role === "migration")!.path, "utf8"));
    await mid.client.query("INSERT INTO orgs (id, name) VALUES (2, 'via view')");
    expect((await mid.client.query("SELECT name FROM organizations WHERE id = 2")).rows[0].name).toBe("via view");
    expect((await target.client.query("SELECT to_regclass('orgs') AS v")).rows[0].v).toBeNull();
  });

  it("DELETE on an existing table: moved to a batched DO block in a non-transactional file", async () => {
    const { r, target } = await planned("0018_delete.up.sql", "DELETE FROM users WHERE age > 30;\n");
    const m = migrations(r);
    expect(m).toHaveLength(1);
    expect(m[0]!.transactional).toBe(false);
    expect(m[0]!.statements[0]).toMatch(/DELETE FROM users WHERE ctid = ANY \(ARRAY\(SELECT ctid FROM users WHERE age > 30 LIMIT 1000\)\);[\s\S]*COMMIT;/);
    expect((await target.client.query("SELECT count(*)::int AS n FROM users")).rows[0].n).toBe(30);
    expect(r.rollback[0]).toMatchObject({ recoverability: "unrecoverable" });
    expect(r.rollback[0]!.note).toContain("lockstep save --db env:PROD_URL --table public.users --out users.csv --where 'age > 30'");
  });

  it("volatile default: nullable add + SET DEFAULT (catalog only), existing rows filled in batches", async () => {
    const { r, target } = await planned("0019_uuid.up.sql", "ALTER TABLE users ADD COLUMN token uuid NOT NULL DEFAULT gen_random_uuid();\n");
    expect(sqlOf(r).slice(0, 2)).toEqual(["ALTER TABLE users ADD COLUMN token uuid", "ALTER TABLE users ALTER COLUMN token SET DEFAULT gen_random_uuid()"]);
    const n = await target.client.query("SELECT count(DISTINCT token)::int AS n, bool_and(token IS NOT NULL) AS ok FROM users");
    expect(n.rows[0]).toEqual({ n: 40, ok: true });
  });

  it("schema and data in one migration: the INSERT moves to a data migration of its own", async () => {
    const { r } = await planned("0020_mixed.up.sql", "ALTER TABLE orgs ADD COLUMN plan text;\nINSERT INTO orgs (id, name, plan) VALUES (9, 'nine', 'free');\nCREATE INDEX orgs_plan_idx ON orgs (plan);\n");
    expect(migrations(r).map((m) => m.phase)).toEqual(["schema", "data", "index"]);
  });

  it("a multi-part ALTER TABLE is split: safe parts kept, unsafe parts phased", async () => {
    const { r } = await planned("0021_multi.up.sql", "ALTER TABLE users ADD COLUMN nickname text, ADD CONSTRAINT users_org_fk2 FOREIGN KEY (org_id) REFERENCES orgs (id);\n");
    expect(sqlOf(r)).toEqual([
      "ALTER TABLE users ADD COLUMN nickname text",
      "ALTER TABLE users ADD CONSTRAINT users_org_fk2 FOREIGN KEY (org_id) REFERENCES orgs (id) NOT VALID",
      "ALTER TABLE users VALIDATE CONSTRAINT users_org_fk2",
    ]);
  });

  it("DROP INDEX: DROP INDEX CONCURRENTLY, with the index rebuilt CONCURRENTLY as its rollback", async () => {
    const { r } = await planned("0022_drop_index.up.sql", "DROP INDEX users_org_idx;\n");
    expect(sqlOf(r)).toEqual(["DROP INDEX CONCURRENTLY users_org_idx"]);
    expect(r.rollback[0]!.sql).toBe("CREATE INDEX CONCURRENTLY users_org_idx ON public.users USING btree (org_id);");
  });

  it("DROP COLUMN / DROP TABLE of existing data: contract steps after a deploy and the exact save command", async () => {
    const { r, target } = await planned("0024_drop.up.sql", "ALTER TABLE users DROP COLUMN normalized_email;\nDROP TABLE orgs;\n");
    expect(r.steps.map((s) => `${s.kind}:${s.phase}`)).toEqual(["deploy:contract", "deploy:contract", "migration:contract", "deploy:contract", "deploy:contract", "migration:contract"]);
    expect(r.steps[1]).toMatchObject({ text: "Save the data the next migration destroys: lockstep save --db env:PROD_URL --table public.users --columns id,normalized_email --out users.normalized_email.csv" });
    expect(migrations(r)[0]!.statements[0]).toMatch(/^-- lockstep-ignore ban-drop-column: contract step;.*\nALTER TABLE users DROP COLUMN normalized_email$/);
    expect(migrations(r)[1]!.statements[0]).toMatch(/^-- lockstep-ignore ban-drop-table: /);
    expect(r.rollback.map((e) => e.recoverability)).toEqual(["unrecoverable", "unrecoverable"]);
    expect((await target.client.query("SELECT to_regclass('orgs') AS t")).rows[0].t).toBeNull();
  });

  it("a table created in the same migration needs no phases", async () => {
    const r = await planAgainst(db, dir, "0023_new.up.sql", "CREATE TABLE t (id bigint PRIMARY KEY, x text NOT NULL);\nCREATE INDEX t_x_idx ON t (x);\nALTER TABLE t ADD COLUMN y int NOT NULL;\n");
    expect(r.changed).toBe(false);
    expect(r.rollback.map((e) => e.verified)).toEqual([true, true, true]);
  });
});

describe("layouts", () => {
  const cic = "CREATE INDEX users_email_idx ON users (email);\nALTER TABLE users ADD CONSTRAINT users_age_pos CHECK (age > 0);\n";

  it("Flyway: V<next> files after the highest version, U undo files, executeInTransaction=false in a .conf for CONCURRENTLY", async () => {
    const r = await planAgainst(db, dir, "flyway/V7__add_index.sql", cic, { "flyway/V1_2__older.sql": "SELECT 1;\n", "flyway/V12__later.sql": "SELECT 1;\n" });
    const names = r.files.map((f) => path.basename(f.path));
    expect(names).toEqual(expect.arrayContaining(["V13__add_index_index_users_email_idx.sql", "V13__add_index_index_users_email_idx.sql.conf", "U13__add_index_index_users_email_idx.sql", "V14__add_index_add_users_users_age_pos_not_valid.sql", "V15__add_index_validate_users_users_age_pos.sql"]));
    expect(r.notes.join("\n")).toMatch(/renumbered: not next to 7, because 1 later migration\(s\) already exist \(12\)/);
    expect(readFileSync(r.files.find((f) => f.path.endsWith(".conf"))!.path, "utf8")).toBe("executeInTransaction=false\n");
    expect(checkProblems(r)).toEqual([]);
  });

  it("diesel: directories with up.sql/down.sql, metadata.toml run_in_transaction = false", async () => {
    const r = await planAgainst(db, dir, "diesel/2024-01-01-120000_add_index/up.sql", cic, { "diesel/2024-01-01-120000_add_index/down.sql": "DROP INDEX users_email_idx;\n" });
    const rel = r.files.map((f) => path.relative(r.outDir!, f.path));
    expect(rel).toEqual(expect.arrayContaining(["2024-01-01-120001_add_index_index_users_email_idx/up.sql", "2024-01-01-120001_add_index_index_users_email_idx/down.sql", "2024-01-01-120001_add_index_index_users_email_idx/metadata.toml", "2024-01-01-120002_add_index_add_users_users_age_pos_not_valid/up.sql"]));
    expect(readFileSync(path.join(r.outDir!, "2024-01-01-120001_add_index_index_users_email_idx/metadata.toml"), "utf8")).toBe("run_in_transaction = false\n");
    expect(checkProblems(r)).toEqual([]);
    expect(r.down).toMatchObject({ verified: false });
  });

  it("Prisma: migration directories; says it cannot mark a migration non-transactional", async () => {
    const r = await planAgainst(db, dir, "prisma/20240101120000_add_index/migration.sql", cic);
    expect(r.files.map((f) => path.relative(r.outDir!, f.path))).toEqual(["20240101120001_add_index_index_users_email_idx/migration.sql", "20240101120002_add_index_add_users_users_age_pos_not_valid/migration.sql", "20240101120003_add_index_validate_users_users_age_pos/migration.sql"]);
    expect(r.notes.join("\n")).toMatch(/Prisma cannot mark a migration as non-transactional/);
    expect(checkProblems(r)).toEqual([]);
  });

  it("dbmate: one file per step with migrate:up/down sections, transaction:false for CONCURRENTLY", async () => {
    const r = await planAgainst(db, dir, "dbmate/20240101120000_add_dbmate_index.sql", `-- migrate:up\n${cic}\n-- migrate:down\nDROP INDEX users_email_idx;\nALTER TABLE users DROP CONSTRAINT users_age_pos;\n`);
    const first = readFileSync(r.files[0]!.path, "utf8");
    expect(first).toMatch(/^-- migrate:up transaction:false\n/);
    expect(first).toMatch(/-- migrate:down transaction:false\n[\s\S]*DROP INDEX CONCURRENTLY IF EXISTS users_email_idx;/);
    expect(checkProblems(r)).toEqual([]);
    expect(r.down).toMatchObject({ verified: true });
    const target = await fixtureDb("apply");
    await applyPlan(target, r);
  });

  it("plain numbered files: multi-statement steps wrapped in BEGIN/COMMIT, .down.sql beside them", async () => {
    const r = await planAgainst(db, dir, "plain/042_add_role.sql", "ALTER TABLE users ADD COLUMN role text NOT NULL;\n");
    const set = r.files.find((f) => f.path.endsWith("046_add_role_set_users_role_not_null.sql"))!;
    expect(readFileSync(set.path, "utf8")).toMatch(/BEGIN;[\s\S]*SET NOT NULL;[\s\S]*DROP CONSTRAINT users_role_nn_check;\n\nCOMMIT;/);
    expect(existsSync(set.path.replace(/\.sql$/, ".down.sql"))).toBe(true);
    expect(checkProblems(r)).toEqual([]);
  });
});
