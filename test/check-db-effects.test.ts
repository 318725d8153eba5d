import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CheckReport, StatementLock } from "../src/analyze/types.js";
import { runLockstep } from "./helpers/cli.js";
import { createTestDatabase, type TestDatabase } from "./helpers/db.js";
import { createReadOnlyLogin } from "./helpers/readonly-login.js";

/**
 * `check --db` with a read-only login on a database whose DML sets things off (cascades, a
 * deferred key, triggers, a routine), compared with what Postgres does on that same database.
 */
let db: TestDatabase;
let login: Awaited<ReturnType<typeof createReadOnlyLogin>>;
const tmp = mkdtempSync(path.join(os.tmpdir(), "lockstep-check-effects-"));

const SCHEMA = `
CREATE TABLE parents (id int PRIMARY KEY, name text);
CREATE TABLE kids (id int PRIMARY KEY, parent_id int REFERENCES parents ON DELETE CASCADE);
CREATE TABLE notes (kid_id int REFERENCES kids ON DELETE SET NULL, body text);
CREATE TABLE visits (parent_id int REFERENCES parents DEFERRABLE INITIALLY DEFERRED);
CREATE TABLE stats (n int);
CREATE MATERIALIZED VIEW parent_count AS SELECT count(*) AS n FROM parents;
CREATE FUNCTION refresh_count() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN REFRESH MATERIALIZED VIEW parent_count; RETURN NULL; END $$;
CREATE TRIGGER kids_refresh AFTER DELETE ON kids FOR EACH ROW EXECUTE FUNCTION refresh_count();
CREATE SEQUENCE picks;
INSERT INTO parents SELECT g, 'p' || g FROM generate_series(1, 5) g;
INSERT INTO kids VALUES (1, 1), (2, 2);
INSERT INTO notes VALUES (1, 'n');
ANALYZE;
`;

beforeAll(async () => {
  db = await createTestDatabase("checkfx");
  await db.client.query(SCHEMA);
  login = await createReadOnlyLogin(db.client, db.name);
});

afterAll(async () => {
  await login?.drop();
});

/** One file per statement, checked with --db through the read-only login. */
async function check(statements: string[], extraArgs: string[] = []): Promise<CheckReport> {
  const dir = mkdtempSync(path.join(tmp, "m-"));
  statements.forEach((sql, i) => writeFileSync(path.join(dir, `${String(i + 1).padStart(3, "0")}_m.sql`), `${sql};\n`));
  const r = await runLockstep(["check", dir, "--db", "env:RO_DB", "--format", "json", "--fail-on", "never", ...extraArgs], { env: { RO_DB: login.url } });
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as CheckReport;
}

/** What Postgres locks for `sql`, deferred constraints checked too (SET CONSTRAINTS ALL IMMEDIATE), rolled back. */
async function observe(sql: string): Promise<StatementLock[]> {
  await db.client.query("BEGIN");
  try {
    await db.client.query(sql);
    await db.client.query("SET CONSTRAINTS ALL IMMEDIATE");
    const { rows } = await db.client.query<{ relation: string; mode: string }>(`
      SELECT n.nspname || '.' || c.relname AS relation, l.mode FROM pg_locks l
      JOIN pg_class c ON c.oid = l.relation JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation' AND c.relkind IN ('r','p','v','m') AND n.nspname = 'public'`);
    const order = ["AccessShareLock", "RowShareLock", "RowExclusiveLock", "ShareUpdateExclusiveLock", "ShareLock", "ShareRowExclusiveLock", "ExclusiveLock", "AccessExclusiveLock"];
    const strongest = new Map<string, string>();
    for (const r of rows) if (order.indexOf(r.mode) > order.indexOf(strongest.get(r.relation) ?? "")) strongest.set(r.relation, r.mode);
    return [...strongest].sort(([a], [b]) => (a < b ? -1 : 1)).map(([relation, mode]) => ({ relation, mode }) as StatementLock);
  } finally {
    await db.client.query("ROLLBACK");
  }
}

describe("check --db follows cascades, keys and triggers as Postgres runs them", () => {
  const statements = [
    "DELETE FROM parents WHERE id = 1", // cascades to kids (row trigger refreshes the matview) and notes; visits' deferred key is checked at COMMIT
    "INSERT INTO visits VALUES (3)", // a deferred key still locks the referenced table, at COMMIT
    "UPDATE kids SET parent_id = 2 WHERE id = 2", // the key does not change: no check
  ];
  it.each(statements)("%s: one migration, checked alone, agrees with Postgres, rows asked rather than assumed", async (sql) => {
    const [file] = (await check([sql])).files;
    expect(file!.statements[0]!.locks).toEqual(await observe(sql));
    expect(file!.assumptions?.join("\n") ?? "").not.toContain("assumed to touch rows");
  });

  it("in a directory, stops trusting what it asked about a table an earlier migration writes", async () => {
    const report = await check(["DELETE FROM kids WHERE id = 2", "DELETE FROM parents WHERE id = 5"]);
    expect(report.files[1]!.statements[0]!.locks.map((l) => l.relation)).toContain("public.parent_count");
    expect(report.files[1]!.assumptions?.join("\n")).toContain("public.kids: the DELETE is assumed to touch rows");
  });
});

describe("check --db when no row matches", () => {
  it("drops the row-level effects, but keeps a blocking lock a row trigger would take, and says why", async () => {
    const [file] = (await check(["DELETE FROM kids WHERE id = 99"])).files;
    const locks = file!.statements[0]!.locks;
    expect(await observe("DELETE FROM kids WHERE id = 99")).toEqual([{ relation: "public.kids", mode: "RowExclusiveLock" }]);
    expect(locks).toContainEqual({ relation: "public.parent_count", mode: "AccessExclusiveLock" });
    expect(locks.map((l) => l.relation)).not.toContain("public.notes"); // the SET NULL cascade only takes a RowExclusiveLock
    expect(file!.assumptions?.join("\n")).toContain("public.kids: no row matches the DELETE now");
  });

  it("asks level by level: a cascade that reaches no row sets nothing off below it", async () => {
    const sql = "DELETE FROM parents WHERE id = 5"; // parent 5 has no kid: no kid deleted, no note set to NULL
    const [file] = (await check([sql])).files;
    const observed = await observe(sql);
    expect(observed.map((l) => l.relation)).toEqual(["public.kids", "public.parents", "public.visits"]);
    // the kids' row trigger would refresh the matview if a kid were there when the migration runs
    expect(file!.statements[0]!.locks).toEqual([...observed, { relation: "public.parent_count", mode: "AccessExclusiveLock" }].sort((a, b) => (a.relation < b.relation ? -1 : 1)));
    expect(file!.assumptions?.join("\n")).toContain("public.kids: no row matches the DELETE now");
  });

  it("never runs a WHERE that would change something (nextval): the rows are assumed", async () => {
    const before = (await db.client.query("SELECT last_value, is_called FROM picks")).rows[0];
    const [file] = (await check(["DELETE FROM parents WHERE id = nextval('picks')"])).files;
    expect((await db.client.query("SELECT last_value, is_called FROM picks")).rows[0]).toEqual(before);
    expect(file!.statements[0]!.locks.map((l) => l.relation)).toContain("public.kids");
    expect(file!.assumptions?.join("\n")).toContain("public.parents: the DELETE is assumed to touch rows");
  });
});

describe("check DIR --db: triggers and functions created by earlier migrations", () => {
  it("follows a trigger an earlier file creates on a table of the database", async () => {
    const dir = path.join(tmp, "dir");
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      path.join(dir, "001_trigger.sql"),
      `CREATE FUNCTION count_parent() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN UPDATE stats SET n = n + 1; RETURN NEW; END $$;
CREATE TRIGGER parents_count AFTER INSERT ON parents FOR EACH ROW EXECUTE FUNCTION count_parent();\n`,
    );
    writeFileSync(path.join(dir, "002_insert.sql"), "INSERT INTO parents VALUES (10, 'x');\n");
    const r = await runLockstep(["check", dir, "--db", "env:RO_DB", "--format", "json", "--fail-on", "never"], { env: { RO_DB: login.url } });
    expect(r.stderr).toBe("");
    const insert = (JSON.parse(r.stdout) as CheckReport).files[1]!.statements[0]!;
    expect(insert.locks).toEqual([
      { relation: "public.parents", mode: "RowExclusiveLock" },
      { relation: "public.stats", mode: "RowExclusiveLock" },
    ]);
  });
});
