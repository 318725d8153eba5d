import { beforeAll, describe as group, expect, it } from "vitest";
import { analyzeSql } from "../../src/analyze/analyze.js";
import { describeCondition, describeRoutine } from "../../src/analyze/describe-body.js";
import { describeSql } from "../../src/analyze/describe.js";
import { evaluateCondition } from "../../src/analyze/effects/conditions.js";
import { loadParser } from "../../src/analyze/parse.js";
import type { FileReport } from "../../src/analyze/types.js";

beforeAll(() => loadParser());

const summary = (sql: string) => describeSql(sql).statements[0]!.summary;

async function checkFile(sql: string): Promise<FileReport> {
  const report = await analyzeSql("m.sql", sql, { pgVersion: 18 });
  expect(report.files[0]!.errors).toEqual([]);
  return report.files[0]!;
}

const locksOf = (f: FileReport, i: number) => f.statements[i]!.locks.map((l) => `${l.relation} ${l.mode}`);

group("bodies: statements in order with the IF conditions they run under", () => {
  it("IF / ELSIF / ELSE give each branch its conditions; catalog existence checks and TG_OP are recognised", () => {
    const routine = describeRoutine(`CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'x') THEN
    ALTER TABLE users ADD COLUMN x int;
  ELSIF TG_OP IN ('UPDATE', 'DELETE') THEN
    DELETE FROM audit;
  ELSE
    INSERT INTO audit VALUES (1);
  END IF;
  RETURN NULL;
END $$`)!;
    const [check, alter, del, ins] = routine.body.statements;
    expect(check).toMatchObject({ kind: "select", expression: true, reads: ["information_schema.columns"] });
    expect(alter!.guards).toEqual([
      {
        condition: expect.stringContaining("NOT EXISTS"),
        when: true,
        check: { source: "information_schema.columns", filters: { table_name: "users", column_name: "x" }, exists: false },
        // with --db, also a question to the catalog for when the schema model cannot tell
        probe: expect.objectContaining({ catalog: true, reads: ["information_schema.columns"] }),
      },
    ]);
    expect(del!.guards!.map((g) => [g.when, g.tgOp])).toEqual([
      [false, undefined],
      [true, ["UPDATE", "DELETE"]],
    ]);
    expect(ins!.guards!.map((g) => g.when)).toEqual([false, false]);
  });

  it("EXECUTE of a constant string is its statement; anything else is execute-dynamic, its arguments still read", () => {
    const s = summary("DO $$ BEGIN EXECUTE 'TRUNCATE audit'; EXECUTE format('DROP TABLE %I', (SELECT max(name) FROM tables_to_drop)); END $$");
    expect(s.doBlock!.statements.map((x) => x.kind)).toEqual(["truncate", "execute-dynamic", "select"]);
    expect(s.doBlock!.statements[1]!.dynamicSql).toBe("format('DROP TABLE %I', (SELECT max(name) FROM tables_to_drop))");
    expect(s.doBlock!.statements[2]!.reads).toEqual(["public.tables_to_drop"]);
  });

  it("SQL functions: quoted and BEGIN ATOMIC bodies", () => {
    expect(describeRoutine("CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $$ DELETE FROM a; UPDATE b SET x = 1 $$")!.body.statements.map((x) => `${x.kind} ${x.relation}`)).toEqual(["delete public.a", "update public.b"]);
    expect(describeRoutine("CREATE FUNCTION f() RETURNS bigint LANGUAGE sql BEGIN ATOMIC SELECT count(*) FROM c; END")!.body.statements.map((x) => x.reads)).toEqual([["public.c"]]);
    expect(describeRoutine("CREATE FUNCTION f() RETURNS int LANGUAGE plpython3u AS $$ return 1 $$")!.body.unparsed).toBe(true);
  });

  it("DML lists the user functions it calls and its data-modifying CTEs", () => {
    const s = summary("WITH d AS (DELETE FROM a RETURNING id) INSERT INTO b SELECT app.norm(id), now(), count(*) FROM d");
    expect(s.calls).toEqual(["app.norm"]);
    expect(s.modifies!.map((m) => `${m.kind} ${m.relation}`)).toEqual(["delete public.a"]);
    expect(s.reads).toEqual([]);
  });
});

group("WHEN conditions, evaluated from the constants a statement writes", () => {
  it("three-valued: decided by constants, unknown otherwise", () => {
    const when = describeCondition("(new.qty < 0) AND new.status IS DISTINCT FROM old.status");
    expect(evaluateCondition(when, (row, col) => (row === "new" && col === "qty" ? "5" : undefined))).toBe(false);
    expect(evaluateCondition(when, (row, col) => (row === "new" && col === "qty" ? "-5" : undefined))).toBeUndefined();
    expect(evaluateCondition(describeCondition("new.qty < 0"), () => null)).toBe(false);
    expect(evaluateCondition(describeCondition("new.name = 'x' OR new.qty > 10"), (_r, c) => (c === "name" ? "x" : undefined))).toBe(true);
  });
});

group("check without a database: what routines, triggers and rules do, and what it assumed", () => {
  it("follows a trigger created earlier in the migration, through its function, to a matview refresh", async () => {
    const f = await checkFile(`CREATE TABLE sales (id int, qty int);
CREATE MATERIALIZED VIEW totals AS SELECT sum(qty) FROM sales;
CREATE FUNCTION refresh_totals() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN REFRESH MATERIALIZED VIEW totals; RETURN NULL; END $$;
CREATE TRIGGER sales_refresh AFTER INSERT ON sales FOR EACH STATEMENT EXECUTE FUNCTION refresh_totals();
INSERT INTO sales VALUES (1, 1);`);
    expect(locksOf(f, 4)).toEqual(["public.sales RowExclusiveLock", "public.totals AccessExclusiveLock"]);
    expect(f.statements[4]!.rewrites).toEqual(["public.totals"]);
  });

  it("ALTER TABLE ... DISABLE TRIGGER and SET session_replication_role = replica stop triggers", async () => {
    const schema = `CREATE TABLE t (id int); CREATE TABLE log (x text);
CREATE FUNCTION log_it() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO log VALUES (TG_OP); RETURN NULL; END $$;
CREATE TRIGGER t_log AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION log_it();\n`;
    expect(locksOf(await checkFile(`${schema}INSERT INTO t VALUES (1);`), 4)).toContain("public.log RowExclusiveLock");
    expect(locksOf(await checkFile(`${schema}ALTER TABLE t DISABLE TRIGGER t_log; INSERT INTO t VALUES (1);`), 5)).toEqual(["public.t RowExclusiveLock"]);
    expect(locksOf(await checkFile(`${schema}SET session_replication_role = replica; INSERT INTO t VALUES (1);`), 5)).toEqual(["public.t RowExclusiveLock"]);
  });

  it("a recursive function is followed once, not forever", async () => {
    const f = await checkFile(`CREATE FUNCTION down(n int) RETURNS int LANGUAGE plpgsql AS $$ BEGIN UPDATE counters SET n = n - 1; IF n > 0 THEN RETURN down(n - 1); END IF; RETURN 0; END $$;
SELECT down(10);`);
    expect(locksOf(f, 1)).toEqual(["public.counters RowExclusiveLock"]);
  });

  it("says what it cannot know: dynamic EXECUTE, conditions it cannot evaluate, other languages, unknown procedures", async () => {
    const f = await checkFile(`CREATE FUNCTION py() RETURNS void LANGUAGE plpython3u AS $$ pass $$;
DO $$ DECLARE t text := 'users'; BEGIN IF (SELECT count(*) FROM jobs) > 10 THEN EXECUTE format('LOCK TABLE %I', t); END IF; END $$;
SELECT py();
CALL vendor.cleanup();`);
    const assumptions = f.assumptions!.join("\n");
    expect(assumptions).toContain("EXECUTE format('LOCK TABLE %I', t) builds its statement at run time");
    expect(assumptions).toContain("IF (SELECT count(*) FROM jobs) > 10 cannot be evaluated before the migration runs");
    expect(assumptions).toContain("function public.py is written in plpython3u");
    expect(assumptions).toContain("procedure vendor.cleanup is not created in these migrations");
    expect(locksOf(f, 1)).toEqual(["public.jobs AccessShareLock"]);
  });

  it("an IF on the catalog is decided from the tables the migration created", async () => {
    const f = await checkFile(`CREATE TABLE t (id int, email text);
DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 't' AND column_name = 'email') THEN ALTER TABLE t ADD COLUMN email text; END IF; END $$;
DO $$ BEGIN IF to_regclass('public.t') IS NULL THEN CREATE TABLE t (id int); ELSE ALTER TABLE t ADD COLUMN note text; END IF; END $$;`);
    expect(locksOf(f, 1)).toEqual([]);
    expect(locksOf(f, 2)).toEqual(["public.t AccessExclusiveLock"]);
  });

  it("a cascade is assumed to reach rows, and says so", async () => {
    // (a table the file creates is empty until written: the INSERT makes the DELETE's rows unknown)
    const f = await checkFile(`CREATE TABLE a (id int PRIMARY KEY); CREATE TABLE b (a_id int REFERENCES a ON DELETE CASCADE);
INSERT INTO a VALUES (1);
DELETE FROM a WHERE id = 1;`);
    expect(locksOf(f, 3)).toEqual(["public.a RowExclusiveLock", "public.b RowExclusiveLock"]);
    expect(f.assumptions).toContain("public.a: the DELETE is assumed to touch rows, so its row triggers and foreign-key checks and actions are counted");
  });
});
