import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FileReport } from "../../src/analyze/types.js";
import { createShadow, type Shadow } from "../../src/db/shadow.js";
import { traceSql } from "../../src/trace/trace.js";
import { runLockstep } from "../helpers/cli.js";
import { adminUrl, createTestDatabase } from "../helpers/db.js";
import { FIXTURE_SCHEMA, loadFixtureSchema } from "../helpers/fixture.js";

process.env.LOCKSTEP_SHADOW_ADMIN_URL = adminUrl();
let shadow: Shadow;

beforeAll(async () => {
  shadow = await createShadow();
  await loadFixtureSchema(shadow.client);
});
afterAll(async () => shadow?.drop());

const trace = (sql: string) => traceSql("m.sql", sql, shadow);
const summary = (r: FileReport) =>
  r.statements.map((s) => ({ locks: s.locks.map((l) => `${l.relation} ${l.mode}`), rewrites: s.rewrites, transactional: s.transactional }));

describe("trace", () => {
  it("observes CREATE INDEX taking a ShareLock inside a transaction", async () => {
    const r = await trace("CREATE INDEX users_bio_idx ON users (bio);");
    expect(summary(r)).toEqual([{ locks: ["public.users ShareLock"], rewrites: [], transactional: true }]);
    expect(r.statements[0]).toMatchObject({ kind: "create-index", line: 1, column: 1, risk: "medium" });
  });

  it("observes CREATE INDEX CONCURRENTLY through the lock it waits for", async () => {
    const r = await trace("CREATE INDEX CONCURRENTLY users_note_idx ON users (note);");
    expect(summary(r)).toEqual([{ locks: ["public.users ShareUpdateExclusiveLock"], rewrites: [], transactional: false }]);
    const { rows } = await shadow.client.query("SELECT indisvalid FROM pg_index WHERE indexrelid = 'users_note_idx'::regclass");
    expect(rows).toEqual([{ indisvalid: true }]); // it really ran, once
  });

  it("sees a statement that upgrades its lock after a weaker first request", async () => {
    // VACUUM first opens the table with AccessShareLock, then takes ShareUpdateExclusiveLock; VACUUM FULL goes on to AccessExclusiveLock.
    const r = await trace("VACUUM products;\nVACUUM FULL products;");
    expect(summary(r)).toEqual([
      { locks: ["public.products ShareUpdateExclusiveLock"], rewrites: [], transactional: false },
      { locks: ["public.products AccessExclusiveLock"], rewrites: ["public.products"], transactional: false },
    ]);
  });

  it("observes a rewrite when a column type changes from int to bigint, and none from varchar(200) to text", async () => {
    const r = await trace("ALTER TABLE users ALTER COLUMN flags TYPE bigint;\nALTER TABLE users ALTER COLUMN bio TYPE text;");
    expect(r.errors).toEqual([]);
    expect(summary(r)).toEqual([
      { locks: ["public.users AccessExclusiveLock"], rewrites: ["public.users"], transactional: true },
      { locks: ["public.users AccessExclusiveLock"], rewrites: [], transactional: true },
    ]);
  });

  it("observes a foreign key locking both tables", async () => {
    const r = await trace("ALTER TABLE order_items ADD CONSTRAINT order_items_order_fk2 FOREIGN KEY (order_id) REFERENCES orders (id);");
    expect(summary(r)[0]!.locks).toEqual(["public.order_items ShareRowExclusiveLock", "public.orders ShareRowExclusiveLock"]);
  });

  it("applies each statement so the next sees it, and reports relations under the names the statement used", async () => {
    const r = await trace(
      "BEGIN;\nCREATE TABLE widgets (id int);\nCREATE INDEX widgets_id ON widgets (id);\nALTER TABLE widgets RENAME TO gadgets;\nDROP TABLE gadgets;\nCOMMIT;",
    );
    expect(r.errors).toEqual([]);
    expect(r.statements.map((s) => s.kind)).toEqual(["begin", "create-table", "create-index", "alter-table", "drop-table", "commit"]);
    expect(summary(r).map((s) => s.locks)).toEqual([
      [],
      ["public.widgets AccessExclusiveLock"],
      ["public.widgets ShareLock"],
      ["public.widgets AccessExclusiveLock"],
      ["public.gadgets AccessExclusiveLock"],
      [],
    ]);
  });

  it("observes TRUNCATE as a rewrite, and DETACH PARTITION CONCURRENTLY up to its second transaction's ACCESS EXCLUSIVE on the partition", async () => {
    const r = await trace("TRUNCATE audit_log;\nALTER TABLE events DETACH PARTITION events_2024 CONCURRENTLY;");
    expect(summary(r)).toEqual([
      { locks: ["public.audit_log AccessExclusiveLock"], rewrites: ["public.audit_log"], transactional: true },
      { locks: ["public.events ShareUpdateExclusiveLock", "public.events_2024 AccessExclusiveLock"], rewrites: [], transactional: false },
    ]);
  });

  it("runs deferred foreign key checks and constraint triggers before reading the locks", async () => {
    await shadow.client.query(`
      CREATE TABLE d_parents (id int PRIMARY KEY);
      CREATE TABLE d_kids (id int, parent_id int REFERENCES d_parents DEFERRABLE INITIALLY DEFERRED);
      CREATE TABLE d_audit (at timestamptz DEFAULT now());
      CREATE FUNCTION d_audit_row() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO d_audit DEFAULT VALUES; RETURN NULL; END $$;
      CREATE CONSTRAINT TRIGGER d_kids_audit AFTER UPDATE ON d_kids DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION d_audit_row();
      INSERT INTO d_parents VALUES (1);`);
    const r = await trace("INSERT INTO d_kids VALUES (1, 1);\nUPDATE d_kids SET id = 2;");
    expect(r.errors).toEqual([]);
    expect(summary(r).map((s) => s.locks)).toEqual([
      ["public.d_kids RowExclusiveLock", "public.d_parents RowShareLock"],
      ["public.d_audit RowExclusiveLock", "public.d_kids RowExclusiveLock"],
    ]);
  });

  it("follows statements that run several internal transactions through every phase", async () => {
    await shadow.client.query("CREATE TABLE events_rest PARTITION OF events DEFAULT");
    const r = await trace("REINDEX TABLE events;\nVACUUM users, products;\nREINDEX TABLE CONCURRENTLY orders;");
    expect(r.errors).toEqual([]);
    expect(summary(r)).toEqual([
      {
        // (events_2024 was detached above)
        locks: ["public.events ShareLock", "public.events_2025 ShareLock", "public.events_rest ShareLock"],
        rewrites: [],
        transactional: false,
      },
      { locks: ["public.products ShareUpdateExclusiveLock", "public.users ShareUpdateExclusiveLock"], rewrites: [], transactional: false },
      { locks: ["public.orders ShareUpdateExclusiveLock"], rewrites: [], transactional: false },
    ]);
    // every holder let go: nothing of ours is left holding a lock on the shadow
    const { rows } = await shadow.client.query(
      "SELECT count(*)::int AS n FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE a.application_name = 'lockstep-trace-holder' AND l.locktype = 'relation'",
    );
    expect(rows[0].n).toBe(0);
  });

  it("reports a failing statement with its position and goes on", async () => {
    const r = await trace("SELECT 1;\n  ALTER TABLE users ADD COLUMN x int REFERENCES nowhere (id);\nCREATE INDEX ON products (name);");
    expect(r.errors).toEqual([
      { code: "statement-failed", message: 'statement 1 failed on the shadow database: relation "nowhere" does not exist', line: 2, column: 3 },
    ]);
    expect(summary(r)[2]!.locks).toEqual(["public.products ShareLock"]);
  });

  it("reports a syntax error with line and column", async () => {
    const r = await trace("SELECT 1;\nALTER TABL users ADD COLUMN x int;");
    expect(r.errors).toEqual([{ code: "syntax-error", message: 'syntax error at or near "TABL"', line: 2, column: 7 }]);
    expect(r.statements).toEqual([]);
  });
});

describe("lockstep trace (CLI)", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "lockstep-trace-cli-"));
  const env = { LOCKSTEP_SHADOW_ADMIN_URL: adminUrl() };

  it("traces against --schema and prints the check JSON shape", async () => {
    const file = path.join(dir, "0001_role.up.sql");
    writeFileSync(file, "-- add a role\nALTER TABLE users ADD COLUMN role text NOT NULL DEFAULT 'member';\n");
    const r = await runLockstep(["trace", file, "--schema", FIXTURE_SCHEMA, "--format", "json"], { env });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      version: 1,
      files: [
        {
          path: file,
          risk: "high",
          statements: [
            {
              index: 0,
              line: 2,
              column: 1,
              sql: "ALTER TABLE users ADD COLUMN role text NOT NULL DEFAULT 'member'",
              kind: "alter-table",
              transactional: true,
              risk: "high",
              locks: [{ relation: "public.users", mode: "AccessExclusiveLock" }],
              rewrites: [],
              findings: [],
            },
          ],
          errors: [],
        },
      ],
    });
  });

  it("traces against --db without touching it, and exits 2 when a statement fails", async () => {
    const target = await createTestDatabase("tracecli");
    await target.client.query("CREATE TABLE t (id int)");
    const file = path.join(dir, "two.sql");
    writeFileSync(file, "ALTER TABLE t ADD COLUMN v int;\nALTER TABLE missing ADD COLUMN v int;\n");
    const r = await runLockstep(["trace", file, "--db", target.url], { env });
    expect(r.code).toBe(2);
    expect(r.stdout).toContain("lock    AccessExclusiveLock on public.t");
    expect(r.stdout).toMatch(/two\.sql:2:1: statement 1 failed on the shadow database: relation "missing" does not exist/);
    expect(r.stdout + r.stderr).not.toContain(new URL(target.url).password);
    const { rows } = await target.client.query("SELECT count(*)::int AS n FROM pg_attribute WHERE attrelid = 't'::regclass AND attname = 'v'");
    expect(rows[0].n).toBe(0);
  });

  it("names a missing file with exit code 2", async () => {
    const r = await runLockstep(["trace", path.join(dir, "nope.sql"), "--schema", FIXTURE_SCHEMA], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/nope\.sql does not exist/);
  });
});
