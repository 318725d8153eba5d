import pg from "pg";
import { describe, expect, it } from "vitest";
import { runApply, type ApplyOutcome } from "../../src/apply/run.js";
import type { ApplyEvent } from "../../src/apply/types.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { testProject, type TestProject } from "./project.js";

const dbs: TestDatabase[] = await Promise.all(Array.from({ length: 7 }, () => createTestDatabase("apply")));
let next = 0;
const freshDb = () => dbs[next++]!;

async function apply(p: TestProject, onEvent: (e: ApplyEvent) => void = () => undefined): Promise<ApplyOutcome> {
  return runApply(p.target(), { appliedBy: "U_TEST", onEvent });
}

describe("apply executor", () => {
  it("retries a statement blocked by another transaction and succeeds once it ends; preflight names the blocker", async () => {
    const db = freshDb();
    await db.client.query("CREATE TABLE accounts (id int PRIMARY KEY)");
    const blocker = new pg.Client({ connectionString: db.url, application_name: "report-job" });
    await blocker.connect();
    const blockerPid = (await blocker.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]!.pid;
    await blocker.query("BEGIN");
    await blocker.query("SELECT count(*) FROM accounts");

    const p = testProject(db.url);
    p.write("1_add_email.up.sql", "ALTER TABLE accounts ADD COLUMN email text;\n");
    const events: ApplyEvent[] = [];
    let released = false;
    const outcome = await apply(p, (e) => {
      events.push(e);
      if (e.type === "retry" && !released) {
        released = true;
        void blocker.query("COMMIT");
      }
    });
    await blocker.end();

    expect(outcome.status).toBe("applied");
    expect(outcome.lockWaits).toBeGreaterThanOrEqual(1);
    const preflight = events.find((e) => e.type === "preflight");
    expect(preflight).toMatchObject({ type: "preflight", action: "wait" });
    expect(preflight?.type === "preflight" && preflight.blockers.map((b) => [b.pid, b.application, b.state, b.relation])).toContainEqual([
      blockerPid, "report-job", "idle in transaction", "public.accounts",
    ]);
    const retry = events.find((e) => e.type === "retry");
    expect(retry).toMatchObject({ attempt: 1, of: 5, reason: expect.stringContaining("lock") });
    const cols = await db.client.query("SELECT 1 FROM information_schema.columns WHERE table_name = 'accounts' AND column_name = 'email'");
    expect(cols.rowCount).toBe(1);
  });

  it("stops when the blocker policy is abort, naming the blocking session, and applies nothing", async () => {
    const db = freshDb();
    await db.client.query("CREATE TABLE orders (id int)");
    const blocker = new pg.Client({ connectionString: db.url, application_name: "long-report" });
    await blocker.connect();
    await blocker.query("BEGIN");
    await blocker.query("SELECT * FROM orders");
    const p = testProject(db.url, { apply: { on_blocker: "abort" } });
    p.write("1_x.up.sql", "ALTER TABLE orders ADD COLUMN note text;");
    const outcome = await apply(p);
    await blocker.query("ROLLBACK");
    await blocker.end();
    expect(outcome.status).toBe("stopped");
    expect(outcome.reason).toContain("long-report");
    expect(outcome.reason).toContain("idle in transaction");
    expect(outcome.applied).toEqual([]);
  });

  it("runs CREATE INDEX CONCURRENTLY outside a transaction, the rest of the file in one", async () => {
    const db = freshDb();
    const p = testProject(db.url);
    p.write("1_users.up.sql", "CREATE TABLE users (id int PRIMARY KEY, email text);\nINSERT INTO users VALUES (1, 'a');\n");
    p.write("2_users_email.up.sql", "ALTER TABLE users ADD COLUMN created_at timestamptz;\nCREATE INDEX CONCURRENTLY users_email ON users (email);\n");
    const outcome = await apply(p);
    expect(outcome.status).toBe("applied");
    expect(outcome.applied.map((m) => m.version)).toEqual(["1", "2"]);
    const idx = await db.client.query("SELECT indisvalid FROM pg_index WHERE indexrelid = 'users_email'::regclass");
    expect(idx.rows).toEqual([{ indisvalid: true }]);
    // golang-migrate's own history shows version 2, clean; Lockstep's table has both with checksums
    expect((await db.client.query("SELECT version::int, dirty FROM schema_migrations")).rows).toEqual([{ version: 2, dirty: false }]);
    expect((await db.client.query("SELECT version, applied_by FROM lockstep.migrations ORDER BY version")).rows).toEqual([
      { version: "1", applied_by: "U_TEST" },
      { version: "2", applied_by: "U_TEST" },
    ]);
    expect((await db.client.query("SELECT count(*)::int AS n FROM lockstep.migrations_steps")).rows[0].n).toBe(0);
  });

  it("drops the INVALID index a failed CREATE UNIQUE INDEX CONCURRENTLY leaves, and reports the error in plain words", async () => {
    const db = freshDb();
    await db.client.query("CREATE TABLE emails (v text); INSERT INTO emails VALUES ('a'), ('a')");
    const p = testProject(db.url);
    p.write("1_seed.up.sql", "CREATE TABLE audit (id int);\n");
    p.write("2_unique.up.sql", "CREATE UNIQUE INDEX CONCURRENTLY emails_v ON emails (v);\n");
    const events: ApplyEvent[] = [];
    const outcome = await apply(p, (e) => events.push(e));
    expect(outcome.status).toBe("stopped");
    expect(outcome.applied.map((m) => m.version)).toEqual(["1"]);
    expect(outcome.failure).toMatchObject({ version: "2", statement: 0, code: "23505", words: "a unique constraint was violated" });
    expect(outcome.cleanups.join()).toContain("public.emails_v");
    expect(events.some((e) => e.type === "cleanup")).toBe(true);
    expect((await db.client.query("SELECT to_regclass('emails_v') AS r")).rows[0].r).toBeNull();
    expect(outcome.rollback).toEqual([{ version: "1", downPath: undefined, note: expect.stringContaining("no down file") }]);
    // golang-migrate is left exactly as it would leave itself: version 2 dirty
    expect((await db.client.query("SELECT version::int, dirty FROM schema_migrations")).rows).toEqual([{ version: 2, dirty: true }]);
  });

  it("refuses to apply when a deployed migration was edited", async () => {
    const db = freshDb();
    const p = testProject(db.url);
    p.write("1_a.up.sql", "CREATE TABLE a (id int);\n");
    expect((await apply(p)).status).toBe("applied");
    p.write("1_a.up.sql", "CREATE TABLE a (id bigint);\n");
    p.write("2_b.up.sql", "CREATE TABLE b (id int);\n");
    const outcome = await apply(p);
    expect(outcome.status).toBe("refused");
    expect(outcome.reason).toContain("edited deployed migration: write a new migration instead");
    expect(outcome.reason).toContain("1_a.up.sql");
    expect((await db.client.query("SELECT to_regclass('b') AS r")).rows[0].r).toBeNull();
  });

  it("resumes a half-applied non-transactional migration from its markers without re-running finished steps", async () => {
    const db = freshDb();
    const p = testProject(db.url);
    p.write("1_t.up.sql", "CREATE TABLE t (id int, v int);\n");
    expect((await apply(p)).status).toBe("applied");
    // Simulate a runner killed inside statement 2 of migration 2: statement 1 done, the CIC started and left an INVALID index.
    p.write("2_idx.up.sql", "INSERT INTO t VALUES (1, 1);\nCREATE INDEX CONCURRENTLY t_v ON t (v);\n");
    await db.client.query("INSERT INTO t VALUES (1, 1)");
    await db.client.query("INSERT INTO lockstep.migrations_steps (version, statement, status) VALUES ('2', -1, 'started'), ('2', 0, 'done'), ('2', 1, 'started')");
    await db.client.query("TRUNCATE schema_migrations; INSERT INTO schema_migrations VALUES (2, true)");
    await db.client.query("CREATE INDEX t_v ON t (v)");
    await db.client.query("UPDATE pg_index SET indisvalid = false WHERE indexrelid = 't_v'::regclass");
    const outcome = await apply(p);
    expect(outcome.status).toBe("applied");
    expect(outcome.resolved.join()).toContain("dropped the INVALID index public.t_v");
    expect((await db.client.query("SELECT count(*)::int AS n FROM t")).rows[0].n).toBe(1);
    expect((await db.client.query("SELECT indisvalid FROM pg_index WHERE indexrelid = 't_v'::regclass")).rows).toEqual([{ indisvalid: true }]);
    expect((await db.client.query("SELECT version::int, dirty FROM schema_migrations")).rows).toEqual([{ version: 2, dirty: false }]);
  });

  it("on_blocker ask: the answer 'end them' terminates the blocking session and the statement runs without waiting", async () => {
    const db = freshDb();
    await db.client.query("CREATE TABLE invoices (id int)");
    const blocker = new pg.Client({ connectionString: db.url, application_name: "forgotten-psql" });
    blocker.on("error", () => undefined);
    await blocker.connect();
    await blocker.query("BEGIN");
    await blocker.query("SELECT * FROM invoices");
    const p = testProject(db.url, { apply: { on_blocker: "ask" } });
    p.write("1_x.up.sql", "ALTER TABLE invoices ADD COLUMN total numeric;");
    const asked: string[] = [];
    const outcome = await runApply(p.target(), {
      appliedBy: "U_TEST",
      onEvent: () => undefined,
      ask: async (blockers) => {
        asked.push(...blockers.map((b) => b.application ?? ""));
        return "cancel-blockers";
      },
    });
    expect(asked).toEqual(["forgotten-psql"]);
    expect(outcome.status).toBe("applied");
    expect(outcome.lockWaits).toBe(0);
    await expect(blocker.query("SELECT 1")).rejects.toThrow();
  });
});
