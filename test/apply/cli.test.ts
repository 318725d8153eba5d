import pg from "pg";
import { describe, expect, it } from "vitest";
import { contentHash } from "../../src/approval/content-hash.js";
import { insertCheck } from "../../src/store/checks.js";
import { openStore } from "../../src/store/store.js";
import { runLockstep } from "../helpers/cli.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { testProject } from "./project.js";
import { jsonLines, startLockstep, waitFor } from "./spawn.js";

const dbs: TestDatabase[] = await Promise.all(Array.from({ length: 8 }, () => createTestDatabase("cli")));
const state = dbs[0]!;
let next = 1;
const freshDb = () => dbs[next++]!;

describe("lockstep apply (CLI)", () => {
  it("applies, then exits 4 on a failed statement with the error in plain words and JSON-line progress", async () => {
    const db = freshDb();
    const p = testProject(db.url, { stateUrl: state.url });
    p.write("1_a.up.sql", "CREATE TABLE a (id int);\n");
    p.write("2_b.up.sql", "CREATE TABLE b (id int);\nSELECT 1/0;\n");
    const r = await runLockstep(["apply", "--target", "dev", "--yes", "--format", "json"], { env: p.env, cwd: p.dir });
    expect(r.code).toBe(4);
    const out = JSON.parse(r.stdout);
    expect(out.status).toBe("stopped");
    expect(out.applied.map((m: { version: string }) => m.version)).toEqual(["1"]);
    expect(out.failure).toMatchObject({ version: "2", statement: 1, code: "22012", words: "division by zero" });
    expect(out.rollback).toEqual([{ version: "1", note: expect.any(String) }]);
    const events = jsonLines(r.stderr).map((e) => e.type);
    expect(events).toEqual(expect.arrayContaining(["start", "statement-start", "migration-done", "stopped"]));
    expect((await db.client.query("SELECT to_regclass('b') AS r")).rows[0].r).toBeNull();

    const history = await runLockstep(["history", "--target", "dev", "--format", "json"], { env: p.env, cwd: p.dir });
    expect(history.code).toBe(0);
    const h = JSON.parse(history.stdout);
    expect(h.applied.map((a: { version: string }) => a.version)).toEqual(["1"]);
    expect(h.pending.map((a: { path: string }) => a.path)).toEqual(["2_b.up.sql"]);
  });

  it("refuses without a valid approval for the exact content (exit 1), applies with one", async () => {
    const db = freshDb();
    const p = testProject(db.url, { stateUrl: state.url, approvals: { allow_unapproved_cli: false } });
    p.write("1_a.up.sql", "CREATE TABLE a (id int);\n");
    const refused = await runLockstep(["apply", "--target", "dev", "--yes"], { env: p.env, cwd: p.dir });
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain("no valid approval for these exact migration files");
    expect((await db.client.query("SELECT to_regclass('a') AS r")).rows[0].r).toBeNull();

    const store = await openStore(state.url, { startQueue: false });
    try {
      await insertCheck(store.pool, {
        target: "dev", channel: "C1", requestedBy: "U1", source: "files", paths: ["1_a.up.sql"], adhocSql: null,
        contentHash: contentHash([{ path: "1_a.up.sql", bytes: Buffer.from("CREATE TABLE a (id int);\n") }], "dev"),
        lockstepVersion: "x", risk: "low", required: 0, requireGroup: null, report: { version: 1, files: [] }, expiryMs: 3_600_000,
      });
    } finally {
      await store.close();
    }
    const applied = await runLockstep(["apply", "--target", "dev", "--yes"], { env: p.env, cwd: p.dir });
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain("applied 1 migration(s) to dev");
  });

  it("needs --yes when there is no terminal to confirm on (exit 2); --dry-run changes nothing", async () => {
    const db = freshDb();
    const p = testProject(db.url, { stateUrl: state.url });
    p.write("1_a.up.sql", "CREATE TABLE a (id int);\n");
    const dry = await runLockstep(["apply", "--target", "dev", "--dry-run", "--format", "json"], { env: p.env, cwd: p.dir });
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ status: "dry-run", pending: [{ path: "1_a.up.sql", transactional: true }] });
    const r = await runLockstep(["apply", "--target", "dev"], { env: p.env, cwd: p.dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--yes");
    expect((await db.client.query("SELECT to_regclass('a') AS r")).rows[0].r).toBeNull();
    expect((await db.client.query("SELECT to_regclass('lockstep.migrations') AS r")).rows[0].r).toBeNull();
  });

  it("refuses two migrations with one version (exit 2, naming both) and applies nothing", async () => {
    const db = freshDb();
    const p = testProject(db.url, { stateUrl: state.url });
    p.write("1_a.up.sql", "CREATE TABLE a (id int);\n");
    p.write("000002_b.up.sql", "CREATE TABLE b (id int);\n");
    p.write("2_c.up.sql", "CREATE TABLE c (id int);\n");
    const r = await runLockstep(["apply", "--target", "dev", "--yes"], { env: p.env, cwd: p.dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("000002_b.up.sql and 2_c.up.sql have the same version (2)");
    expect(r.stderr).not.toContain("internal error");
    expect((await db.client.query("SELECT to_regclass('a') AS r")).rows[0].r).toBeNull();
  });

  it("runs one apply per target: a second apply while the first waits on a lock is refused, the migration runs once", async () => {
    const db = freshDb();
    await db.client.query("CREATE TABLE accounts (id int)");
    const blocker = new pg.Client({ connectionString: db.url });
    await blocker.connect();
    await blocker.query("BEGIN");
    await blocker.query("SELECT * FROM accounts");
    const p = testProject(db.url, { stateUrl: state.url, apply: { lock_timeout: "100ms", retries: 20 } });
    p.write("1_a.up.sql", "ALTER TABLE accounts ADD COLUMN email text;\n");
    const first = startLockstep(["apply", "--target", "dev", "--yes"], p.env, p.dir);
    await waitFor("the first apply to retry", () => jsonLines(first.stderr()).some((e) => e.type === "retry"));
    const second = await runLockstep(["apply", "--target", "dev", "--yes"], { env: p.env, cwd: p.dir });
    await blocker.query("COMMIT");
    await blocker.end();
    const firstResult = await first.done;
    expect(second.code).toBe(1);
    expect(second.stdout).toContain("another apply is running on target dev");
    expect(firstResult.code).toBe(0);
    expect((await db.client.query("SELECT count(*)::int AS n FROM lockstep.migrations")).rows[0].n).toBe(1);
    const third = await runLockstep(["apply", "--target", "dev", "--yes"], { env: p.env, cwd: p.dir });
    expect(third.code).toBe(0);
    expect(third.stdout).toContain("nothing to apply");
  });

  it("kill -9 inside a transactional migration, then restart: resumes, nothing applied twice", async () => {
    const db = freshDb();
    await db.client.query("CREATE TABLE gate (closed boolean); INSERT INTO gate VALUES (true); CREATE TABLE t (v int)");
    const p = testProject(db.url, { stateUrl: state.url });
    p.write("1_a.up.sql", "INSERT INTO t VALUES (1);\n");
    p.write("2_b.up.sql", "INSERT INTO t VALUES (2);\nSELECT pg_sleep(60) FROM gate WHERE closed;\nINSERT INTO t VALUES (3);\n");
    const run = startLockstep(["apply", "--target", "dev", "--yes"], p.env, p.dir);
    await waitFor("the apply to sleep inside migration 2", async () => {
      const r = await db.client.query("SELECT 1 FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(60)%' AND state = 'active'");
      return (r.rowCount ?? 0) > 0;
    });
    run.child.kill("SIGKILL");
    await run.done;
    await db.client.query("UPDATE gate SET closed = false");

    const again = await runLockstep(["apply", "--target", "dev", "--yes"], { env: p.env, cwd: p.dir });
    expect(again.code).toBe(0);
    expect(again.stderr).toContain("resuming the interrupted apply job");
    expect((await db.client.query("SELECT v FROM t ORDER BY v")).rows.map((r) => r.v)).toEqual([1, 2, 3]);
    expect((await db.client.query("SELECT version FROM lockstep.migrations ORDER BY version")).rows.map((r) => r.version)).toEqual(["1", "2"]);
    expect((await db.client.query("SELECT version::int, dirty FROM schema_migrations")).rows).toEqual([{ version: 2, dirty: false }]);
    const runs = await state.client.query("SELECT status, attempts FROM lockstep_state.apply_runs r JOIN lockstep_jobs.job j ON j.id = r.job_id WHERE r.target = 'dev' AND r.versions ? '2' AND j.state = 'completed'");
    expect(runs.rows).toContainEqual({ status: "applied", attempts: 2 });
  });

  it("kill -9 while CREATE INDEX CONCURRENTLY waits, then restart: the INVALID index is dropped and rebuilt", async () => {
    const db = freshDb();
    await db.client.query("CREATE TABLE t (v int); INSERT INTO t VALUES (1)");
    const writer = new pg.Client({ connectionString: db.url });
    await writer.connect();
    await writer.query("BEGIN");
    await writer.query("INSERT INTO t VALUES (2)");
    const p = testProject(db.url, { stateUrl: state.url, apply: { lock_timeout: "60s" } });
    p.write("1_idx.up.sql", "CREATE INDEX CONCURRENTLY t_v ON t (v);\n");
    const run = startLockstep(["apply", "--target", "dev", "--yes"], p.env, p.dir);
    const killedPid = await waitFor("CREATE INDEX CONCURRENTLY to wait for the writer", async () => {
      const r = await db.client.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE query LIKE 'CREATE INDEX CONCURRENTLY%' AND wait_event_type = 'Lock'");
      return r.rows[0]?.pid;
    });
    run.child.kill("SIGKILL");
    await run.done;

    // Restart while the writer still blocks: the killed run's CIC session is ended, its INVALID index
    // dropped, and the index built again once the writer commits.
    const again = startLockstep(["apply", "--target", "dev", "--yes", "--format", "json"], p.env, p.dir);
    await waitFor("the restarted apply to wait for the writer (dropping or rebuilding the index)", async () => {
      const r = await db.client.query("SELECT 1 FROM pg_stat_activity WHERE application_name LIKE 'lockstep-apply:dev%' AND wait_event_type = 'Lock' AND pid <> $1", [killedPid]);
      return (r.rowCount ?? 0) > 0;
    });
    await writer.query("COMMIT");
    await writer.end();
    const result = await again.done;
    expect(result.code).toBe(0);
    const out = JSON.parse(result.stdout);
    expect(out.status).toBe("applied");
    expect(out.resolved.join("\n")).toContain("dropped the INVALID index public.t_v");
    expect((await db.client.query("SELECT indisvalid FROM pg_index WHERE indexrelid = 't_v'::regclass")).rows).toEqual([{ indisvalid: true }]);
    expect((await db.client.query("SELECT count(*)::int AS n FROM lockstep.migrations")).rows[0].n).toBe(1);
  });
});
