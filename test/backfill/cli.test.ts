import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { CLI, runLockstep } from "../helpers/cli.js";
import { createTestDatabase } from "../helpers/db.js";
import { createUsers, until } from "./helpers.js";

const db = await createTestDatabase("bfcli");
const stateDb = await createTestDatabase("bfstate");
const tmp = mkdtempSync(path.join(os.tmpdir(), "lockstep-bf-"));
/** State in the target database: checkpoints share each batch's transaction. */
const sameDb = { DATABASE_URL: db.url, TARGET_URL: db.url };
const q = async <T = Record<string, unknown>>(sql: string) => (await db.client.query(sql)).rows as T[];
const jsonLines = (stdout: string) => stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);

/** A statement-level trigger logs every committed UPDATE: a redone batch would show up as an extra entry. */
async function logBatches(table: string) {
  await db.client.query(`
    CREATE TABLE IF NOT EXISTS batch_log (tbl text, n int);
    CREATE OR REPLACE FUNCTION log_batch() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN INSERT INTO batch_log SELECT TG_TABLE_NAME, count(*) FROM new_rows; RETURN NULL; END $$;
    CREATE TRIGGER ${table}_log AFTER UPDATE ON ${table} REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION log_batch();`);
}

describe("lockstep backfill (CLI)", () => {
  it("streams JSON lines and ends with the summary line; --db env:VAR; state in another database", async () => {
    await createUsers(db.client, "c1", 3000);
    const r = await runLockstep(
      ["backfill", "--db", "env:TARGET_URL", "--table", "c1", "--set", "normalized_email = lower(email)", "--batch-size", "500", "--format", "json"],
      { env: { DATABASE_URL: stateDb.url, TARGET_URL: db.url } },
    );
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const lines = jsonLines(r.stdout);
    const last = lines.at(-1)!;
    expect(Object.keys(last).slice(0, 7)).toEqual(["status", "rows", "remaining", "batches", "seconds", "rows_per_s", "max_batch_ms"]);
    expect(last).toMatchObject({ status: "done", rows: 3000, remaining: 0, batches: 6 });
    expect(lines.slice(0, -1).every((l) => l.status === "running" || l.status === "throttled")).toBe(true);
    const [{ wrong }] = await q<{ wrong: number }>("SELECT count(*)::int AS wrong FROM c1 WHERE normalized_email IS DISTINCT FROM lower(email)");
    expect(wrong).toBe(0);
    expect(r.stdout).not.toContain(db.url);
  });

  it("a rate-limited run writes at most one progress line a second, the latest, and the result last", async () => {
    await createUsers(db.client, "c2", 1200);
    const r = await runLockstep(
      ["backfill", "--db", "env:TARGET_URL", "--table", "c2", "--set", "normalized_email = lower(email)", "--batch-size", "20", "--max-rows-per-s", "400", "--format", "json"],
      { env: { DATABASE_URL: stateDb.url, TARGET_URL: db.url } },
    );
    expect(r.code).toBe(0);
    const lines = jsonLines(r.stdout);
    expect(lines.at(-1)).toMatchObject({ status: "done", rows: 1200, batches: 60 });
    const progress = lines.slice(0, -1);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.every((l) => l.status === "running" || l.status === "throttled")).toBe(true);
    // Each line carries a state newer than the previous send, so any two lines but one are at
    // least a second of the run apart (60 batches flipping between running and throttled).
    const seconds = progress.map((l) => l.seconds as number);
    expect(seconds.slice(2).map((s, i) => s - seconds[i]!).filter((gap) => gap < 0.999)).toEqual([]);
    expect(progress.length).toBeLessThanOrEqual((lines.at(-1)!.seconds as number) + 2);
  });

  it("kill -9 mid-run (2 parallel walkers), then the same command resumes: every row changed exactly once, no committed batch redone", async () => {
    await createUsers(db.client, "k1", 20_000);
    await logBatches("k1");
    const argv = [CLI, "backfill", "--db", "env:TARGET_URL", "--table", "k1", "--set", "normalized_email = lower(email)", "--batch-size", "100", "--sleep-ms", "5", "--workers", "2", "--format", "json"];
    const child = spawn(process.execPath, argv, { env: { ...process.env, LOCKSTEP_CONFIG: "", ...sameDb }, stdio: "ignore" });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on("exit", (_code, signal) => resolve(signal)));
    await until(async () => (await q<{ n: number }>("SELECT coalesce(max(rows_done), 0)::int AS n FROM lockstep_state.backfill_runs WHERE table_name = 'public.k1'").catch(() => [{ n: 0 }]))[0]!.n >= 1000, "checkpoint progress");
    child.kill("SIGKILL");
    expect(await exited).toBe("SIGKILL");
    const [mid] = await q<{ rows: number; batches: number; status: string }>("SELECT rows_done::int AS rows, batches, status FROM lockstep_state.backfill_runs WHERE table_name = 'public.k1'");
    expect(mid!.status).toBe("running");
    expect(mid!.rows).toBeLessThan(20_000);

    const resumed = await runLockstep(argv.slice(1).map((a) => (a === "5" ? "0" : a)).map((a) => (a === "100" ? "2000" : a)), { env: sameDb });
    expect(resumed.code).toBe(0);
    const last = jsonLines(resumed.stdout).at(-1)!;
    expect(last).toMatchObject({ status: "done", rows: 20_000, remaining: 0, resumed: true });
    const [rows] = await q<{ once: number; max: number }>("SELECT count(*) FILTER (WHERE touches = 1)::int AS once, max(touches) AS max FROM k1");
    expect(rows).toEqual({ once: 20_000, max: 1 });
    const [log] = await q<{ statements: number; rows: number }>("SELECT count(*)::int AS statements, sum(n)::int AS rows FROM batch_log WHERE tbl = 'k1'");
    expect(log).toEqual({ statements: last.batches, rows: 20_000 });
  });

  it("pause and cancel from another process; status lists the run; a stopped run exits 4", async () => {
    await createUsers(db.client, "p1", 20_000);
    const args = ["backfill", "--db", "env:TARGET_URL", "--table", "p1", "--set", "normalized_email = lower(email)", "--batch-size", "100", "--sleep-ms", "5", "--format", "json"];
    const running = runLockstep(args, { env: sameDb });
    const [{ id }] = await until(async () => {
      const rows = await q<{ id: string }>("SELECT id FROM lockstep_state.backfill_runs WHERE table_name = 'public.p1' AND rows_done > 0").catch(() => []);
      return rows.length ? rows : null;
    }, "the run to start");
    const paused = await runLockstep(["backfill", "pause", "--run", id!], { env: sameDb });
    expect(paused.code).toBe(0);
    const first = await running;
    expect(first.code).toBe(4);
    const stopped = jsonLines(first.stdout).at(-1)!;
    expect(stopped).toMatchObject({ status: "paused", run_id: id });
    expect(stopped.rows as number).toBeLessThan(20_000);

    const status = await runLockstep(["backfill", "status", "--format", "json"], { env: sameDb });
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout).runs.find((r: { id: string }) => r.id === id)).toMatchObject({ status: "paused", live: false });

    const cancelled = await runLockstep(["backfill", "cancel", "--run", id!], { env: sameDb });
    expect(cancelled.code).toBe(0);
    const [row] = await q<{ status: string }>(`SELECT status FROM lockstep_state.backfill_runs WHERE id = '${id}'`);
    expect(row!.status).toBe("cancelled");
    const again = await runLockstep(["backfill", "resume", "--run", id!], { env: sameDb });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain("already cancelled");
  });

  it("Ctrl-C (SIGINT) stops after the current batch: status paused, exit 4, resumable", async () => {
    await createUsers(db.client, "i1", 20_000);
    const args = [CLI, "backfill", "--db", "env:TARGET_URL", "--table", "i1", "--set", "normalized_email = lower(email)", "--batch-size", "100", "--sleep-ms", "5", "--format", "json"];
    const child = spawn(process.execPath, args, { env: { ...process.env, LOCKSTEP_CONFIG: "", ...sameDb }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    await until(async () => (await q<{ n: number }>("SELECT coalesce(max(rows_done), 0)::int AS n FROM lockstep_state.backfill_runs WHERE table_name = 'public.i1'").catch(() => [{ n: 0 }]))[0]!.n > 0, "progress");
    child.kill("SIGINT");
    expect(await exited).toBe(4);
    expect(jsonLines(out).at(-1)).toMatchObject({ status: "paused", reason: "interrupted" });
    const resumed = await runLockstep(args.slice(1).map((a) => (a === "5" ? "0" : a === "100" ? "5000" : a)), { env: sameDb });
    expect(resumed.code).toBe(0);
    expect(jsonLines(resumed.stdout).at(-1)).toMatchObject({ status: "done", rows: 20_000, remaining: 0, resumed: true });
  });

  it("refuses bad input with exit 2: syntax (line and column), volatile, no key", async () => {
    await db.client.query("CREATE TABLE nokey (a int, b int)");
    const base = ["backfill", "--db", "env:TARGET_URL"];
    const syntax = await runLockstep([...base, "--table", "c1", "--set", "normalized_email = lower(email"], { env: sameDb });
    expect(syntax.code).toBe(2);
    expect(syntax.stderr).toMatch(/--set .*line 1, column \d+/);
    const volatile = await runLockstep([...base, "--table", "c1", "--set", "normalized_email = clock_timestamp()::text"], { env: sameDb });
    expect(volatile.code).toBe(2);
    expect(volatile.stderr).toContain("clock_timestamp() is VOLATILE");
    const nokey = await runLockstep([...base, "--table", "nokey", "--set", "b = a"], { env: sameDb });
    expect(nokey.code).toBe(2);
    expect(nokey.stderr).toContain("no primary key");
  });

  it("never stores or prints a literal connection string (status shows the run without it)", async () => {
    await createUsers(db.client, "sec", 50);
    const password = new URL(db.url).password;
    expect(password.length).toBeGreaterThan(3);
    const r = await runLockstep(["backfill", "--db", db.url, "--table", "sec", "--set", "normalized_email = lower(email)", "--format", "json"], { env: sameDb });
    expect(r.code).toBe(0);
    expect(r.stdout + r.stderr).not.toContain(password);
    const status = await runLockstep(["backfill", "status", "--format", "json"], { env: sameDb });
    expect(status.stdout).not.toContain(password);
    const [row] = await q<{ spec: Record<string, unknown> }>("SELECT spec FROM lockstep_state.backfill_runs WHERE table_name = 'public.sec'");
    expect(row!.spec.db).toBeUndefined();
  });

  it("--dry-run validates and counts but changes nothing", async () => {
    await createUsers(db.client, "d1", 500);
    const r = await runLockstep(["backfill", "--db", "env:TARGET_URL", "--table", "d1", "--set", "normalized_email = lower(email)", "--where", "id % 2 = 0", "--dry-run", "--format", "json"], { env: sameDb });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: "dry-run", remaining: 250, key: ["id"] });
    const [{ n }] = await q<{ n: number }>("SELECT count(*)::int AS n FROM d1 WHERE normalized_email IS NOT NULL");
    expect(n).toBe(0);
  });

  it("--spec FILE with --save-old, then restore --run puts the old values back", async () => {
    await createUsers(db.client, "s1", 400);
    await db.client.query("UPDATE s1 SET normalized_email = 'old-' || id WHERE id <= 100");
    const spec = path.join(tmp, "s1.yml");
    writeFileSync(spec, "table: public.s1\nset:\n  - normalized_email = lower(email)\nwhere: id <= 300\nbatch_size: 64\nsave_old: true\ndb: env:TARGET_URL\n");
    const r = await runLockstep(["backfill", "--spec", spec, "--format", "json"], { env: sameDb });
    expect(r.code).toBe(0);
    const done = jsonLines(r.stdout).at(-1)!;
    expect(done).toMatchObject({ status: "done", rows: 300, remaining: 0 });
    const [saved] = await q<{ n: number }>(`SELECT count(*)::int AS n FROM lockstep.backfill_old_${done.run_id}`);
    expect(saved!.n).toBe(300);

    const restored = await runLockstep(["backfill", "restore", "--run", String(done.run_id), "--db", "env:TARGET_URL", "--format", "json"], { env: sameDb });
    expect(restored.code).toBe(0);
    expect(jsonLines(restored.stdout).at(-1)).toMatchObject({ status: "done", rows: 300, remaining: 0 });
    const [after] = await q<{ old: number; nulls: number; other: number }>(
      "SELECT count(*) FILTER (WHERE normalized_email = 'old-' || id)::int AS old, count(*) FILTER (WHERE normalized_email IS NULL)::int AS nulls, count(*)::int AS other FROM s1",
    );
    expect(after).toEqual({ old: 100, nulls: 300, other: 400 });
  });
});
