import { beforeAll, describe as group, expect, it } from "vitest";
import { analyzeSql } from "../../src/analyze/analyze.js";
import { describeSql, type StatementSummary } from "../../src/analyze/describe.js";
import { rowQuestions } from "../../src/analyze/effects/rows.js";
import { loadParser } from "../../src/analyze/parse.js";
import { SchemaContext } from "../../src/analyze/schema.js";
import type { RelationInfo, SchemaSnapshot } from "../../src/analyze/types.js";

/**
 * Classes of causes found replaying real migration histories (bench/history-agreement.ts): the
 * SELECT of the rows a statement writes, DO-block conditions the database can answer, and schema
 * model changes (type renames, constraint indexes). The catalog entries of
 * test/fixtures/lock-catalog/22-history.sql check the same against PostgreSQL.
 */
beforeAll(() => loadParser());

const summary = (sql: string): StatementSummary => describeSql(sql).statements[0]!.summary;

const table = (schema: string, name: string, columns: RelationInfo["columns"], extra: Partial<RelationInfo> = {}): RelationInfo => ({ schema, name, kind: "table", columns, constraints: [], indexes: [], rows: 10, ...extra });

function snapshot(relations: RelationInfo[], types: SchemaSnapshot["types"] = {}): SchemaSnapshot {
  return { source: "catalog", relations: Object.fromEntries(relations.map((r) => [`${r.schema}.${r.name}`, r])), types, assumptions: [] };
}

group("the rows a statement writes, as a SELECT (row-source.ts)", () => {
  it("INSERT ... SELECT: its query, with the statement's WITH; none for VALUES", () => {
    expect(summary(`WITH x AS (SELECT 1 AS a) INSERT INTO "A" AS b (c, d) SELECT a, 'x' FROM x ON CONFLICT DO NOTHING`).dml!.rowsSql).toBe("WITH x AS (SELECT 1 AS a) SELECT a, 'x' FROM x");
    expect(summary("INSERT INTO pins (SELECT id FROM resources WHERE v IS NOT NULL)").dml!.rowsSql).toBe("(SELECT id FROM resources WHERE v IS NOT NULL)");
    expect(summary("INSERT INTO t OVERRIDING SYSTEM VALUE SELECT * FROM u RETURNING id").dml!.rowsSql).toBe("SELECT * FROM u");
    expect(summary("INSERT INTO t (a) SELECT u.id FROM u LEFT JOIN v ON v.id = u.id ON CONFLICT (a) DO NOTHING").dml!.rowsSql).toBe("SELECT u.id FROM u LEFT JOIN v ON v.id = u.id");
    expect(summary("INSERT INTO t VALUES (1)").dml!.rowsSql).toBeUndefined();
  });

  it("INSERT ... SELECT: the driving table, whose emptiness empties the query", () => {
    expect(summary("INSERT INTO t SELECT u.a FROM app.u LEFT JOIN v ON v.id = u.id JOIN w ON true WHERE u.a > 1").dml!.driver).toBe("app.u");
    expect(summary("INSERT INTO t SELECT x.a, count(*) FROM x GROUP BY x.a").dml!.driver).toBe("public.x");
    // an aggregate without GROUP BY returns a row from no input; a right join keeps the other side
    expect(summary("INSERT INTO t SELECT count(*) FROM x").dml!.driver).toBeUndefined();
    expect(summary("INSERT INTO t SELECT x.a FROM x RIGHT JOIN y ON true").dml!.driver).toBeUndefined();
    expect(summary("INSERT INTO t SELECT a FROM x UNION SELECT a FROM y").dml!.driver).toBeUndefined();
  });

  it("UPDATE ... FROM and DELETE ... USING: the target joined with the other relations under the WHERE", () => {
    expect(summary(`UPDATE "Doc" SET "teamId" = t.id FROM "Team" t WHERE t.owner = "Doc".owner RETURNING 1`).dml!.rowsSql).toBe(`SELECT "Doc".* FROM "Doc", "Team" t WHERE t.owner = "Doc".owner`);
    expect(summary("UPDATE jobs j SET a = substring(v.name FROM 1 FOR 3) FROM latest v WHERE v.job_id = j.id").dml!.rowsSql).toBe(`SELECT "j".* FROM jobs j, latest v WHERE v.job_id = j.id`);
    expect(summary("DELETE FROM sessions r1 USING sessions r2 WHERE r1.id < r2.id").dml!.rowsSql).toBe(`SELECT "r1".* FROM sessions r1, sessions r2 WHERE r1.id < r2.id`);
    // a plain UPDATE keeps the WHERE-based question; a writable CTE cannot be asked
    expect(summary("UPDATE t SET a = (SELECT b FROM u LIMIT 1)").dml!.rowsSql).toBeUndefined();
    expect(summary("WITH d AS (DELETE FROM a RETURNING id) UPDATE b SET x = 1 FROM d WHERE d.id = b.id").dml!.rowsSql).toBeUndefined();
  });

  it("a data-modifying CTE's query reads the statement's other CTEs, not tables", () => {
    const s = summary("WITH src AS (SELECT id FROM users), ins AS (INSERT INTO orgs (owner) SELECT id FROM src RETURNING id) UPDATE teams SET org = ins.id FROM ins");
    expect(s.modifies![0]!.reads).toEqual([]);
    expect(s.reads).toEqual(["public.users"]); // through src
  });
});

group("DO blocks: conditions on data become questions for the database", () => {
  const guards = (sql: string) => summary(sql).doBlock!.statements.map((x) => `${x.kind} ${x.relation ?? ""} ${JSON.stringify((x.guards ?? []).map((g) => [g.when, g.probe?.sql, g.probe?.onlyWhenEmpty ?? false]))}`);

  it("FOR r IN <query> LOOP: the body runs only if the query returns a row", () => {
    expect(guards("DO $$ DECLARE r record; BEGIN FOR r IN SELECT * FROM jobs WHERE op <> 'x' LOOP INSERT INTO runs VALUES (r.id); END LOOP; END $$")).toEqual([
      `select  []`,
      `insert public.runs [[true,"SELECT * FROM jobs WHERE op <> 'x'",false]]`,
    ]);
  });

  it("WHILE and IF conditions that name no variable; IF ... THEN RETURN guards what follows", () => {
    expect(guards("DO $$ BEGIN WHILE EXISTS (SELECT 1 FROM dup) LOOP DELETE FROM dup; END LOOP; END $$").at(-1)).toBe(`delete public.dup [[true,"SELECT 1 WHERE (EXISTS (SELECT 1 FROM dup))",false]]`);
    expect(guards("DO $$ BEGIN IF EXISTS (SELECT 1 FROM props WHERE k = 'skip') THEN RETURN; END IF; INSERT INTO props VALUES ('skip'); END $$").at(-1)).toBe(
      `insert public.props [[false,"SELECT 1 WHERE (EXISTS (SELECT 1 FROM props WHERE k = 'skip'))",false]]`,
    );
    // a variable cannot be asked about outside the block
    expect(guards("DO $$ DECLARE n int := 1; BEGIN IF EXISTS (SELECT 1 FROM props WHERE id = n) THEN DELETE FROM props; END IF; END $$").at(-1)).toBe(`delete public.props [[true,null,false]]`);
  });

  it("a statement a condition on data skips still shows what would block, should the data differ when it runs", async () => {
    const schema = snapshot([table("public", "props", [{ name: "k", type: "text", typeName: "pg_catalog.text", typmod: -1, notNull: false }])]);
    const sql = "DO $$ BEGIN IF EXISTS (SELECT 1 FROM props WHERE k = 'x') THEN ALTER TABLE props ADD COLUMN v text; UPDATE props SET k = 'y'; END IF; END $$;";
    const report = await analyzeSql("m.sql", sql, { schema, pgVersion: 18, probeRows: async (qs) => new Map(qs.map((q) => [q.key, false])) });
    expect(report.files[0]!.statements[0]!.locks.map((l) => `${l.relation} ${l.mode}`)).toEqual(["public.props AccessExclusiveLock"]);
    expect(report.files[0]!.assumptions).toContain("DO block: a condition on the data skips a statement now, but if the data differs when it runs, the statement takes the blocking locks shown");
  });

  it("IF on a variable declared without a default: NULL (not taken) when none of its assignments runs", async () => {
    const schema = snapshot([table("public", "reg", [{ name: "id", type: "integer", typeName: "pg_catalog.int4", typmod: -1, notNull: true }])]);
    const sql = "DO $$ DECLARE r record; flag boolean; BEGIN SELECT INTO r * FROM reg WHERE id = 1; IF r IS NOT NULL THEN flag = true; END IF; IF flag THEN UPDATE reg SET id = 2; END IF; END $$;";
    const run = async (rows: boolean) => (await analyzeSql("m.sql", sql, { schema, pgVersion: 18, probeRows: async (qs) => new Map(qs.map((q) => [q.key, rows])) })).files[0]!.statements[0]!.locks.map((l) => `${l.relation} ${l.mode}`);
    expect(await run(false)).toEqual(["public.reg AccessShareLock"]);
    expect(await run(true)).toEqual(["public.reg RowExclusiveLock"]);
  });

  it("FOUND and rec IS NOT NULL right after SELECT INTO: that query (no row: false)", () => {
    const into = "DO $$ DECLARE r record; BEGIN SELECT INTO r * FROM reg WHERE name = 'x'; IF %s THEN DELETE FROM reg WHERE id = r.id; END IF; END $$";
    expect(guards(into.replace("%s", "FOUND")).at(-1)).toMatch(/^delete public.reg \[\[true,"SELECT\s+\* FROM reg WHERE name = 'x'",false\]\]$/);
    expect(guards(into.replace("%s", "r IS NOT NULL")).at(-1)).toMatch(/,true\]\]$/);
  });

  it("the questions are asked with the file's others, and their answers decide the branches", async () => {
    const schema = snapshot([table("public", "jobs", [{ name: "id", type: "integer", typeName: "pg_catalog.int4", typmod: -1, notNull: true }]), table("public", "runs", [{ name: "id", type: "integer", typeName: "pg_catalog.int4", typmod: -1, notNull: false }])]);
    const sql = "DO $$ DECLARE r record; BEGIN FOR r IN SELECT * FROM jobs LOOP INSERT INTO runs VALUES (r.id); END LOOP; END $$;";
    const asked = rowQuestions(summary(sql), new SchemaContext(schema)).map((q) => q.sql);
    expect(asked).toContain("SELECT * FROM jobs");
    const run = async (rows: boolean) => {
      const report = await analyzeSql("m.sql", sql, { schema, pgVersion: 18, probeRows: async (qs) => new Map(qs.map((q) => [q.key, rows])) });
      return report.files[0]!.statements[0]!.locks.map((l) => `${l.relation} ${l.mode}`);
    };
    expect(await run(false)).toEqual(["public.jobs AccessShareLock"]);
    expect(await run(true)).toEqual(["public.jobs AccessShareLock", "public.runs RowExclusiveLock"]);
    // the query cannot be asked (a column the file adds first): an empty driving table still answers
    const onlyEmptiness = await analyzeSql("m.sql", sql.replace("FROM jobs", "FROM jobs WHERE added_later IS NULL"), { schema, pgVersion: 18, probeRows: async (qs) => new Map(qs.filter((q) => q.key.startsWith("any ")).map((q) => [q.key, false])) });
    expect(onlyEmptiness.files[0]!.statements[0]!.locks.map((l) => l.relation)).toEqual(["public.jobs"]);
  });
});

group("questions to the catalog and calls per row", () => {
  const idx = { name: "uq_phone", qualifiedName: "auth.uq_phone", columns: ["a"], unique: true, primary: false, valid: true, partial: false, definition: "" };
  const schema = () =>
    snapshot([
      table("auth", "factors", [{ name: "a", type: "integer", typeName: "pg_catalog.int4", typmod: -1, notNull: false }], { indexes: [idx] }),
      { schema: "auth", name: "uq_phone", kind: "index", table: "auth.factors", columns: [], constraints: [], indexes: [] },
    ]);
  const body = "DO $$ BEGIN IF (SELECT count(*) = 2 FROM pg_indexes WHERE indexname IN ('uq_phone', 'uq_other') AND schemaname = 'auth') THEN EXECUTE 'DROP INDEX auth.uq_phone'; END IF; END $$;";
  const locks = async (sql: string) => {
    const report = await analyzeSql("m.sql", sql, { schema: schema(), pgVersion: 18, probeRows: async (qs) => new Map(qs.map((q) => [q.key, false])) });
    return report.files[0]!.statements.at(-1)!.locks.map((l) => `${l.relation} ${l.mode}`);
  };

  it("a condition on the catalog is asked as it was before the run, while the run has not changed what it names", async () => {
    expect(await locks(body)).toEqual([]);
    // a change that does not mention the objects it looks for leaves the answer valid; one that does, not
    expect(await locks(`ALTER TABLE auth.factors DROP CONSTRAINT IF EXISTS factors_other_key;\n${body}`)).toEqual([]);
    expect(await locks(`ALTER INDEX auth.uq_phone RENAME TO uq_other;\n${body}`)).toEqual(["auth.factors AccessExclusiveLock"]);
  });

  it("DDL earlier in the same block leaves a catalog question unanswered", async () => {
    const sql = "DO $$ BEGIN CREATE TABLE auth.other (a int); IF EXISTS (SELECT 1 FROM pg_indexes WHERE indexname = 'uq_phone') THEN DROP INDEX auth.uq_phone; END IF; END $$;";
    expect(await locks(sql)).toEqual(["auth.factors AccessExclusiveLock", "auth.other AccessExclusiveLock"]);
  });

  it("a function in an UPDATE's SET runs per row: not when the table is empty (what would block is kept)", async () => {
    const s = snapshot([table("public", "agg", [{ name: "n", type: "integer", typeName: "pg_catalog.int4", typmod: -1, notNull: false }]), table("public", "users", [{ name: "id", type: "integer", typeName: "pg_catalog.int4", typmod: -1, notNull: false }])]);
    s.routines = { "public.active": [{ kind: "function", language: "sql", args: "", definition: "CREATE FUNCTION public.active() RETURNS int LANGUAGE sql AS $$ SELECT count(*)::int FROM users $$" }] };
    const run = async (rows: boolean) => (await analyzeSql("m.sql", "UPDATE agg SET n = (SELECT active());", { schema: s, pgVersion: 18, probeRows: async (qs) => new Map(qs.map((q) => [q.key, rows])) })).files[0]!.statements[0]!.locks.map((l) => l.relation);
    expect(await run(true)).toEqual(["public.agg", "public.users"]);
    expect(await run(false)).toEqual(["public.agg"]);
  });
});

group("tables whose emptiness is known", () => {
  const users = () => snapshot([table("public", "user_", [{ name: "id", type: "integer", typeName: "pg_catalog.int4", typmod: -1, notNull: true }], { constraints: [{ name: "user__pkey", type: "p", columns: ["id"], validated: true, definition: "PRIMARY KEY (id)", index: "user__pkey" }] })]);

  it("a table the migration created and nothing has written holds no row: INSERT ... SELECT from it checks no key", async () => {
    const sql = `CREATE TABLE site (id int);
CREATE TABLE site_limits (site_id int REFERENCES user_);
INSERT INTO site_limits SELECT id FROM site;`;
    const report = await analyzeSql("m.sql", sql, { schema: users(), pgVersion: 18, probeRows: async () => new Map() });
    expect(report.files[0]!.statements[2]!.locks.map((l) => `${l.relation} ${l.mode}`)).toEqual(["public.site AccessShareLock", "public.site_limits RowExclusiveLock"]);
  });

  it("a table the file renames first is asked about under the name the database has", async () => {
    const asked: string[] = [];
    const sql = `ALTER TABLE user_ RENAME TO person;
CREATE TABLE local_user (person_id int REFERENCES person);
INSERT INTO local_user SELECT id FROM person WHERE local;`;
    const report = await analyzeSql("m.sql", sql, { schema: users(), pgVersion: 18, probeRows: async (qs) => (asked.push(...qs.map((q) => q.sql)), new Map(qs.map((q) => [q.key, false]))) });
    expect(asked).toContain(`SELECT 1 FROM "public"."user_"`);
    expect(report.files[0]!.statements[2]!.locks.map((l) => `${l.relation} ${l.mode}`)).toEqual(["public.local_user RowExclusiveLock", "public.person AccessShareLock"]);
  });
});

group("the schema model follows what histories do", () => {
  it("ALTER TYPE ... RENAME: a column moved to a new type that took the old name is rewritten", async () => {
    const schema = snapshot([table("public", "prefs", [{ name: "sort", type: "sort_type", typeName: "public.sort_type", typmod: -1, notNull: false }])], {
      "public.sort_type": { schema: "public", name: "sort_type", kind: "enum", labels: ["a", "b"] },
    });
    const sql = `ALTER TYPE sort_type RENAME TO sort_type__;
CREATE TYPE sort_type AS ENUM ('a', 'b', 'c');
ALTER TABLE prefs ALTER COLUMN sort TYPE sort_type USING sort::text::sort_type;`;
    const report = await analyzeSql("m.sql", sql, { schema, pgVersion: 18 });
    expect(report.files[0]!.statements[2]!.rewrites).toEqual(["public.prefs"]);
  });

  it("DROP CONSTRAINT of a unique key drops its index: a later IF NOT EXISTS on pg_constraint sees it gone", async () => {
    const schema = snapshot([
      table("public", "acc", [{ name: "a", type: "integer", typeName: "pg_catalog.int4", typmod: -1, notNull: false }], {
        constraints: [{ name: "acc_uq", type: "u", columns: ["a"], validated: true, definition: "UNIQUE (a)", index: "acc_uq" }],
        indexes: [{ name: "acc_uq", qualifiedName: "public.acc_uq", columns: ["a"], unique: true, primary: false, valid: true, partial: false, definition: "" }],
      }),
    ]);
    const sql = `ALTER TABLE acc DROP CONSTRAINT IF EXISTS acc_uq;
DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'acc_uq') THEN ALTER TABLE acc ADD CONSTRAINT acc_uq UNIQUE (a); END IF; END $$;`;
    const report = await analyzeSql("m.sql", sql, { schema, pgVersion: 18 });
    expect(report.files[0]!.statements[1]!.locks.map((l) => `${l.relation} ${l.mode}`)).toEqual(["public.acc AccessExclusiveLock"]);
  });

  it("ALTER TRIGGER ... ON t RENAME renames the trigger, not the table", async () => {
    const schema = snapshot([table("public", "person", [{ name: "id", type: "integer", typeName: "pg_catalog.int4", typmod: -1, notNull: true }])]);
    // the table keeps its columns: a change to the type it has is no rewrite
    const report = await analyzeSql("m.sql", "ALTER TRIGGER person_delete ON person RENAME TO person_gone;\nALTER TABLE person ALTER COLUMN id TYPE integer;", { schema, pgVersion: 18 });
    expect(report.files[0]!.statements[1]!.rewrites).toEqual([]);
  });

  it("locks on the system catalogs and on temporary tables are not shown", async () => {
    const report = await analyzeSql("m.sql", "CREATE TEMP TABLE tmp (a int);\nUPDATE pg_index SET indisready = false WHERE false;\nDROP TABLE tmp;", { pgVersion: 18 });
    expect(report.files[0]!.statements.map((s) => s.locks)).toEqual([[], [], []]);
  });
});
