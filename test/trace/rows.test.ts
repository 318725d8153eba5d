import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { beforeAll, describe, expect, it } from "vitest";
import type { CheckReport, StatementReport } from "../../src/analyze/types.js";
import { runLockstep } from "../helpers/cli.js";
import { adminUrl, createTestDatabase } from "../helpers/db.js";
import { createReadOnlyLogin } from "../helpers/readonly-login.js";

/**
 * `trace --db` puts the rows a DML statement touches, and their foreign-key neighbourhood, into
 * the shadow (read from the source with SELECTs only), so that foreign-key actions and triggers
 * run as they would there; `trace --schema` synthesizes them.
 */
const env = { LOCKSTEP_SHADOW_ADMIN_URL: adminUrl() };
const dir = mkdtempSync(path.join(os.tmpdir(), "lockstep-trace-rows-"));
const source = await createTestDatabase("tracerows");

const SCHEMA = `
CREATE TABLE accounts (id int PRIMARY KEY, name text NOT NULL);
CREATE TABLE users (id serial PRIMARY KEY, account_id int NOT NULL REFERENCES accounts, email text UNIQUE NOT NULL);
CREATE TABLE orders (id serial PRIMARY KEY, user_id int NOT NULL REFERENCES users ON DELETE CASCADE, total numeric NOT NULL CHECK (total >= 0));
CREATE TABLE order_items (order_id int REFERENCES orders ON DELETE CASCADE, line int, qty int NOT NULL CHECK (qty > 0), PRIMARY KEY (order_id, line));
CREATE TABLE audit (id bigserial, what text, at timestamptz DEFAULT now());
CREATE TABLE counters (name text PRIMARY KEY, n int NOT NULL);
CREATE TABLE notes (id int PRIMARY KEY, user_id int REFERENCES users ON DELETE SET NULL, body text);
CREATE TABLE badges (id int PRIMARY KEY, user_id int NOT NULL REFERENCES users DEFERRABLE INITIALLY DEFERRED);
CREATE TABLE events (id bigint GENERATED ALWAYS AS IDENTITY, at date NOT NULL, user_id int REFERENCES users ON DELETE CASCADE, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE FUNCTION audit_delete() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO audit (what) VALUES (TG_TABLE_NAME || ' ' || OLD.id); RETURN OLD; END $$;
CREATE FUNCTION count_items() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN UPDATE counters SET n = n - 1 WHERE name = 'items'; RETURN OLD; END $$;
CREATE TRIGGER orders_audit AFTER DELETE ON orders FOR EACH ROW EXECUTE FUNCTION audit_delete();
CREATE TRIGGER items_count AFTER DELETE ON order_items FOR EACH ROW EXECUTE FUNCTION count_items();
CREATE VIEW big_orders AS SELECT * FROM orders WHERE total > 100;
CREATE TABLE counter_log (name text, n int);
CREATE FUNCTION log_counter() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO counter_log VALUES (NEW.name, NEW.n); RETURN NEW; END $$;
CREATE TRIGGER counters_log AFTER UPDATE ON counters FOR EACH ROW EXECUTE FUNCTION log_counter();
`;

beforeAll(async () => {
  await source.client.query(SCHEMA);
  await source.client.query(`
    INSERT INTO accounts VALUES (1, 'acme'), (2, 'globex');
    INSERT INTO users (account_id, email) SELECT 1 + i % 2, 'u' || i || '@example.com' FROM generate_series(1, 50) i;
    INSERT INTO orders (user_id, total) SELECT 1 + i % 40, i FROM generate_series(1, 200) i;
    INSERT INTO order_items SELECT id, 1, 2 FROM orders;
    INSERT INTO counters VALUES ('items', 200);
    INSERT INTO notes VALUES (1, 7, 'hi');
    INSERT INTO badges VALUES (1, 45);
    INSERT INTO events (at, user_id) VALUES ('2024-05-01', 7), ('2025-05-01', 8);`);
});

async function trace(sql: string, args: string[]): Promise<{ report: CheckReport; statements: StatementReport[]; code: number; stderr: string }> {
  const file = path.join(dir, `m${Math.random().toString(36).slice(2)}.sql`);
  writeFileSync(file, sql);
  const r = await runLockstep(["trace", file, ...args, "--format", "json"], { env });
  const report = JSON.parse(r.stdout || "{}") as CheckReport;
  return { report, statements: report.files?.[0]?.statements ?? [], code: r.code, stderr: r.stderr };
}
const locks = (s: StatementReport | undefined) => s?.locks.map((l) => `${l.relation} ${l.mode}`);

/**
 * Deleting a user: orders and their items cascade (with their audit and counter triggers, and the
 * counter's own trigger), notes are SET NULL, badges checked (deferred), events' partitions cascade.
 */
/** Deleting an order: its items cascade; the audit trigger, the items' counter trigger and the counter's own trigger. */
const ORDER_DELETED = ["public.audit RowExclusiveLock", "public.counter_log RowExclusiveLock", "public.counters RowExclusiveLock", "public.order_items RowExclusiveLock", "public.orders RowExclusiveLock"];

const USER_DELETED = [
  "public.audit RowExclusiveLock",
  "public.badges RowShareLock",
  "public.counter_log RowExclusiveLock",
  "public.counters RowExclusiveLock",
  "public.events RowExclusiveLock",
  "public.events_2024 RowExclusiveLock",
  "public.events_2025 RowExclusiveLock",
  "public.notes RowExclusiveLock",
  "public.order_items RowExclusiveLock",
  "public.orders RowExclusiveLock",
  "public.users RowExclusiveLock",
];

/** Every row of every table, to show the source is left as it was. */
async function contents(client: pg.ClientBase): Promise<string> {
  const { rows } = await client.query(`
    SELECT string_agg(t.relname || ':' || (xpath('/row/c/text()', query_to_xml(format('SELECT md5(coalesce(string_agg(x::text, ''|'' ORDER BY x::text), '''')) AS c FROM %I x', t.relname), false, true, '')))[1]::text, ',' ORDER BY t.relname) AS h
    FROM pg_class t JOIN pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = 'public' AND t.relkind = 'r'`);
  return rows[0].h as string;
}

describe("trace --db copies the rows a statement touches", () => {
  it("shows the locks of cascades, audit and counter triggers, through a read-only login, and leaves the source as it was", async () => {
    const before = await contents(source.client);
    const login = await createReadOnlyLogin(source.client, source.name);
    try {
      const r = await trace("DELETE FROM orders WHERE id = 7;\nDELETE FROM users WHERE id = 3;\nUPDATE users SET account_id = 2 WHERE id = 4;\n", ["--db", login.url]);
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      expect(locks(r.statements[0])).toEqual(ORDER_DELETED);
      expect(locks(r.statements[1])).toEqual(USER_DELETED);
      expect(locks(r.statements[2])).toEqual(["public.accounts RowShareLock", "public.users RowExclusiveLock"]);
      expect(r.report.files[0]!.assumptions!.join("\n")).toMatch(/:1: copied from the source: 1 row of public\.orders, .*1 row of public\.order_items/);
    } finally {
      await login.drop();
    }
    expect(await contents(source.client)).toBe(before);
  });

  it("runs the deferred foreign key check of an insert, and finds the parents an insert points to", async () => {
    const r = await trace("INSERT INTO badges VALUES (2, 9);\nINSERT INTO orders (user_id, total) VALUES (11, 5);\n", ["--db", source.url]);
    expect(r.code).toBe(0);
    expect(locks(r.statements[0])).toEqual(["public.badges RowExclusiveLock", "public.users RowShareLock"]);
    expect(locks(r.statements[1])).toEqual(["public.orders RowExclusiveLock", "public.users RowShareLock"]);
  });

  it("finds on the source the parents of rows written into a table the migration creates", async () => {
    const r = await trace("CREATE TABLE prefs (user_id int NOT NULL REFERENCES users, k text);\nINSERT INTO prefs VALUES (12, 'x');\nINSERT INTO prefs SELECT id, 'y' FROM users WHERE id < 3;\n", ["--db", source.url]);
    expect(r.report.files[0]!.errors).toEqual([]);
    expect(locks(r.statements[1])).toEqual(["public.prefs RowExclusiveLock", "public.users RowShareLock"]);
    // its SELECT reads the users copied for it, and each inserted row's key is checked against them
    expect(locks(r.statements[2])).toEqual(["public.prefs RowExclusiveLock", "public.users RowShareLock"]);
    expect(r.report.files[0]!.assumptions!.join("\n")).toMatch(/:2: copied from the source: 1 row of public\.users, 1 row of public\.accounts/);
  });

  it("does not queue behind a lock on the source: the rows are given up, made up, and said so", async () => {
    const other = new pg.Client({ connectionString: source.url });
    await other.connect();
    try {
      await other.query("BEGIN");
      // (a table the schema copy itself does not lock: pg_get_expr locks tables with defaults or CHECK expressions)
      await other.query("LOCK TABLE counters IN ACCESS EXCLUSIVE MODE");
      const r = await trace("UPDATE counters SET n = 5 WHERE name = 'items';\n", ["--db", source.url]);
      expect(r.code).toBe(0);
      expect(r.report.files[0]!.assumptions).toEqual([
        expect.stringMatching(/:1: the rows it touches in public\.counters could not be looked up on the source: canceling statement due to lock timeout$/),
        expect.stringMatching(/:1: synthesized 1 row of public\.counters so that/),
      ]);
      expect(locks(r.statements[0])).toEqual(["public.counter_log RowExclusiveLock", "public.counters RowExclusiveLock"]);
    } finally {
      await other.query("ROLLBACK");
      await other.end();
    }
  });

  it("fails where the source would: a row still referenced", async () => {
    const r = await trace("DELETE FROM users WHERE id = 45;\n", ["--db", source.url]);
    expect(r.code).toBe(2);
    expect(r.report.files[0]!.errors[0]!.message).toMatch(/violates foreign key constraint "badges_user_id_fkey"/);
  });

  it("synthesizes a row when none matches on the source, and says so", async () => {
    const r = await trace("DELETE FROM accounts WHERE id = 77;\n", ["--db", source.url]);
    expect(r.code).toBe(0);
    expect(locks(r.statements[0])).toEqual(["public.accounts RowExclusiveLock", "public.users RowShareLock"]);
    expect(r.report.files[0]!.assumptions).toEqual([
      expect.stringMatching(/:1: no row of public\.accounts matched on the source$/),
      expect.stringMatching(/:1: synthesized 1 row of public\.accounts so that its row triggers and foreign-key actions run$/),
    ]);
  });

  it("copies the rows beneath a view a statement writes through", async () => {
    const r = await trace("DELETE FROM big_orders WHERE id = 150;\n", ["--db", source.url]);
    expect(r.code).toBe(0);
    expect(locks(r.statements[0])).toEqual([...ORDER_DELETED, "public.big_orders RowExclusiveLock"].sort());
  });

  it("copies the rows the statements of a DO block touch", async () => {
    const r = await trace("DO $$ BEGIN DELETE FROM orders WHERE id = 11; END $$;\n", ["--db", source.url]);
    expect(r.code).toBe(0);
    expect(locks(r.statements[0])).toEqual(ORDER_DELETED);
  });

  it("follows a writable CTE and a MERGE", async () => {
    const r = await trace(
      "WITH gone AS (DELETE FROM orders WHERE id = 9 RETURNING id) INSERT INTO audit (what) SELECT 'order ' || id FROM gone;\n" +
        "MERGE INTO counters c USING (VALUES ('items', 1), ('new', 2)) AS v (name, n) ON c.name = v.name WHEN MATCHED THEN DELETE WHEN NOT MATCHED THEN INSERT VALUES (v.name, v.n);\n",
      ["--db", source.url],
    );
    expect(r.code).toBe(0);
    expect(locks(r.statements[0])).toEqual(ORDER_DELETED);
    expect(locks(r.statements[1])).toEqual(["public.counters RowExclusiveLock"]);
  });
});

describe("trace --schema synthesizes rows", () => {
  it("makes a row with the statement's constants, its parents and the rows its cascades reach", async () => {
    const schema = path.join(dir, "schema.sql");
    writeFileSync(schema, SCHEMA);
    const r = await trace("DELETE FROM users WHERE email = 'a@b.c';\nINSERT INTO events (at, user_id) VALUES ('2025-02-02', 42);\n", ["--schema", schema]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    // no counters row is made up: the items' trigger updates none, and the counter's own trigger does not fire
    expect(locks(r.statements[0])).toEqual(USER_DELETED.filter((l) => !l.startsWith("public.counter_log")));
    expect(locks(r.statements[1])).toEqual(["public.events RowExclusiveLock", "public.events_2025 RowExclusiveLock", "public.users RowShareLock"]);
    const notes = r.report.files[0]!.assumptions!.join("\n");
    expect(notes).toMatch(/:1: synthesized 1 row of public\.accounts, 1 row of public\.users, 1 row of public\.orders, .*1 row of public\.order_items/);
    expect(notes).toMatch(/:2: synthesized 1 row of public\.accounts, 1 row of public\.users so that/);
  });

  it("says when a statement touched no row", async () => {
    const schema = path.join(dir, "schema2.sql");
    writeFileSync(schema, "CREATE TABLE t (id int PRIMARY KEY, v text);");
    const r = await trace("UPDATE t SET v = 'x' WHERE v IS NOT NULL AND id > 3;\n", ["--schema", schema]);
    expect(r.code).toBe(0);
    expect(r.report.files[0]!.assumptions!.join("\n")).toMatch(/:1: it touched no row on the shadow database: the row triggers, foreign-key checks and cascades it would fire were not observed/);
  });
});
