import { beforeAll, describe, expect, it } from "vitest";
import { loadParser } from "../../src/analyze/parse.js";
import { planRows } from "../../src/trace/rows/plan.js";

beforeAll(async () => {
  await loadParser();
});

describe("planRows: the rows a statement touches, from its own clauses", () => {
  it("selects a DELETE's rows with its target, USING list and WHERE, and reads its subqueries' relations", () => {
    const [p] = planRows("DELETE FROM ONLY public.users u USING accounts a WHERE u.account_id = a.id AND u.id IN (1, 2) AND u.email IN (SELECT e FROM banned) RETURNING u.id");
    expect(p).toMatchObject({
      verb: "DELETE",
      target: { schema: "public", name: "users" },
      reads: [{ name: "banned" }],
      facts: { id: "1" },
      match: {
        sql: 'SELECT "u".tableoid::oid AS rel0, "u".ctid AS tid0, "a".tableoid::oid AS rel1, "a".ctid AS tid1 FROM ONLY public.users u, accounts a WHERE u.account_id = a.id AND u.id IN (1, 2) AND u.email IN (SELECT e FROM banned)',
        relations: 2,
      },
    });
  });

  it("finds an UPDATE's FROM list past an IS DISTINCT FROM in its SET, and keeps its constant assignments", () => {
    const [p] = planRows("UPDATE users u SET flag = a.plan IS DISTINCT FROM 'free', account_id = 2 FROM accounts a WHERE a.id = u.account_id AND u.name = 'x'");
    expect(p!.match!.sql).toBe('SELECT "u".tableoid::oid AS rel0, "u".ctid AS tid0, "a".tableoid::oid AS rel1, "a".ctid AS tid1 FROM users u, accounts a WHERE a.id = u.account_id AND u.name = \'x\'');
    expect(p!.assigned).toEqual({ account_id: "2" });
    expect(p!.facts).toEqual({ name: "'x'" });
  });

  it("plans the data-modifying CTEs of a SELECT, and an ON CONFLICT update's constant assignments", () => {
    expect(planRows("WITH d AS (DELETE FROM customers WHERE id = 1 RETURNING id) SELECT count(*) FROM d").map((p) => [p.verb, p.target.name, p.facts])).toEqual([["DELETE", "customers", { id: "1" }]]);
    expect(planRows("SELECT count(*) FROM customers")).toEqual([]);
    expect(planRows("INSERT INTO tickets VALUES (1, 3, 's') ON CONFLICT ON CONSTRAINT tickets_pkey DO UPDATE SET customer_id = 4")[0]!.assigned).toEqual({ customer_id: "4" });
    const update = planRows('UPDATE clients c SET nid = (SELECT app.job_count()), "Name" = lower(c.name), (a, b) = (1, 2) WHERE id = 1')[0]!;
    expect(update.computed).toEqual({ nid: "(SELECT app.job_count())", Name: "lower(c.name)" });
    expect(update.calls).toEqual(expect.arrayContaining(["job_count", "lower"]));
    expect(update.match!.over("(c.nid)")).toBe("SELECT (c.nid) FROM clients c WHERE id = 1");
  });

  it("makes up a value a LIKE pattern matches, for a row the statement must reach", () => {
    expect(planRows("DELETE FROM accounts WHERE name LIKE 'test-%' AND code ILIKE 'a\\_b_'")[0]!.facts).toEqual({ name: "'test-'", code: "'a_bx'" });
  });

  it("reads what a DO block's conditions and loops read, beside the statements it runs", () => {
    const plans = planRows("DO $$ DECLARE r record; BEGIN IF (SELECT count(*) FROM app.items) > 0 THEN PERFORM touch('x'); END IF; FOR r IN SELECT id FROM customers LOOP UPDATE tickets SET subject = 'vip' WHERE customer_id = r.id; END LOOP; END $$");
    expect(plans.map((p) => [p.verb, p.target.name])).toEqual([["SELECT", "items"], ["UPDATE", "tickets"]]);
    expect(plans[0]!.reads).toEqual(expect.arrayContaining([{ schema: "app", name: "items" }, { name: "customers" }]));
    expect(plans[0]!.calls).toEqual(expect.arrayContaining(["touch"]));
    // its variables are not known before it runs: NULL
    expect(plans[1]!.match!.sql).toContain("WHERE customer_id = NULL");
  });

  it("reads an INSERT's values as rows (DEFAULT as NULL) with the columns they fill", () => {
    expect(planRows("INSERT INTO orders AS o (user_id, total) VALUES (1, 10), (DEFAULT, 5) ON CONFLICT DO NOTHING RETURNING id")).toEqual([
      { verb: "INSERT", target: { name: "orders" }, reads: [], onConflict: true, facts: {}, assigned: {}, inserts: { query: "VALUES (1, 10), (NULL, 5)", columns: ["user_id", "total"], width: 2 } },
    ]);
    expect(planRows("INSERT INTO audit SELECT id, 'seen' FROM users JOIN accounts ON accounts.id = users.account_id ON CONFLICT DO NOTHING")[0]).toMatchObject({
      inserts: { query: "SELECT id, 'seen' FROM users JOIN accounts ON accounts.id = users.account_id", width: 2 },
      reads: [{ name: "users" }, { name: "accounts" }],
    });
  });

  it("joins a MERGE's target with its source, and reads its INSERT action's values over the source", () => {
    const [p] = planRows("MERGE INTO products p USING (VALUES ('sku-1', 3)) AS v (sku, s) ON p.sku = v.sku WHEN MATCHED THEN UPDATE SET stock = v.s WHEN NOT MATCHED THEN INSERT (sku, name) VALUES (v.sku, DEFAULT)");
    expect(p!.match!.sql).toBe('SELECT "p".tableoid::oid AS rel0, "p".ctid AS tid0 FROM products p JOIN (VALUES (\'sku-1\', 3)) AS v (sku, s) ON p.sku = v.sku');
    expect(p!.inserts).toEqual({ query: "SELECT v.sku, NULL FROM (VALUES ('sku-1', 3)) AS v (sku, s)", columns: ["sku", "name"] });
  });

  it("plans each data-modifying CTE, and the SQL statements of a DO block", () => {
    expect(planRows("WITH d AS (DELETE FROM users WHERE id = 3 RETURNING id) INSERT INTO audit (actor) SELECT id FROM d").map((p) => `${p.verb} ${p.target.name}`)).toEqual([
      "DELETE users",
      "INSERT audit",
    ]);
    expect(planRows("WITH x AS (SELECT 1 AS id) DELETE FROM users WHERE id IN (SELECT id FROM x)")[0]!.match!.sql).toMatch(/^WITH x AS \(SELECT 1 AS id\) SELECT /);
    expect(planRows("DO $$ DECLARE n int := 2; BEGIN UPDATE users SET note = 'y' WHERE id = n; IF n > 1 THEN DELETE FROM t WHERE k = 'a'; END IF; END $$").map((p) => `${p.verb} ${p.target.name}`)).toEqual([
      "UPDATE users",
      "DELETE t",
    ]);
  });

  it("has nothing to plan for other statements and cursors", () => {
    expect(planRows("ALTER TABLE t ADD COLUMN c int")).toEqual([]);
    expect(planRows("SELECT 1")).toEqual([]);
    expect(planRows("DELETE FROM t WHERE CURRENT OF c")).toEqual([]);
  });
});
