import { randomBytes } from "node:crypto";
import type pg from "pg";
import { advisoryLockHeld } from "../db/advisory.js";
import type { QueryRunner } from "../db/serial.js";
import { UserError } from "../errors.js";
import { STORE_SCHEMA } from "../store/migrations.js";
import type { BackfillSpec } from "./spec.js";
import type { KeyValue } from "./statements.js";

export type RunStatus = "queued" | "running" | "paused" | "cancelled" | "done" | "failed";
export type RunControl = "run" | "pause" | "cancel";

/** A backfill run as stored in the state database (lockstep_state.backfill_runs). */
export interface BackfillRun {
  id: string;
  run_key: string;
  target: string;
  table_name: string;
  spec: BackfillSpec;
  status: RunStatus;
  control: RunControl;
  control_by: string | null;
  pass: number;
  shards: Shard[] | null;
  rows_done: number;
  rows_scanned: number;
  batches: number;
  batch_size: number | null;
  last_batch_ms: number | null;
  max_batch_ms: number;
  seconds: number;
  estimated_rows: number | null;
  remaining: number | null;
  throttle: string | null;
  save_old_table: string | null;
  error: string | null;
  nonce: string;
  /** where the Slack bot shows the run: the check's thread, and its progress message there */
  thread: { channel: string; ts: string } | null;
  progress_ts: string | null;
  /** the pg-boss job running it now (none when a CLI runs it) */
  job_id: string | null;
  created_at: Date;
  updated_at: Date;
  finished_at: Date | null;
}

/** One walker's key range and cursor. `from` is exclusive, `to` inclusive; null = table start/end. */
export interface Shard {
  from: KeyValue | null;
  to: KeyValue | null;
  /** The last key done; null = nothing yet (start after `from`). */
  last: KeyValue | null;
}

/** What one committed batch adds to its run's checkpoint. */
export interface BatchCheckpoint {
  shard: number;
  last: KeyValue;
  rows: number;
  scanned: number;
  batch_size: number;
  batch_ms: number;
  seconds: number;
}

const RUNS = `${STORE_SCHEMA}.backfill_runs`;
const COLUMNS = "*, rows_done::float8 AS rows_done, rows_scanned::float8 AS rows_scanned, estimated_rows::float8 AS estimated_rows, remaining::float8 AS remaining";
type Queryable = QueryRunner;

export async function getRun(db: Queryable, id: string): Promise<BackfillRun | undefined> {
  const r = await db.query<BackfillRun>(`SELECT ${COLUMNS} FROM ${RUNS} WHERE id = $1`, [id]);
  return r.rows[0];
}

export async function requireRun(db: Queryable, id: string): Promise<BackfillRun> {
  const run = await getRun(db, id);
  if (!run) throw new UserError("usage", `no backfill run ${id}`, { hint: "lockstep backfill status lists the runs" });
  return run;
}

/** The newest run of this backfill that can still be resumed (not done, not cancelled). */
export async function findResumable(db: Queryable, runKey: string): Promise<BackfillRun | undefined> {
  const r = await db.query<BackfillRun>(
    `SELECT ${COLUMNS} FROM ${RUNS} WHERE run_key = $1 AND status NOT IN ('done', 'cancelled') ORDER BY created_at DESC LIMIT 1`,
    [runKey],
  );
  return r.rows[0];
}

export async function listRuns(db: Queryable, opts: { limit?: number } = {}): Promise<BackfillRun[]> {
  const r = await db.query<BackfillRun>(`SELECT ${COLUMNS} FROM ${RUNS} ORDER BY created_at DESC LIMIT $1`, [opts.limit ?? 20]);
  return r.rows;
}

export async function createRun(
  db: Queryable,
  init: { run_key: string; target: string; table_name: string; spec: BackfillSpec; estimated_rows: number; created_by?: string; save_old: boolean },
): Promise<BackfillRun> {
  const id = `bf_${randomBytes(6).toString("hex")}`;
  const r = await db.query<BackfillRun>(
    `INSERT INTO ${RUNS} (id, run_key, target, table_name, spec, estimated_rows, nonce, created_by, save_old_table)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING ${COLUMNS}`,
    [
      id, init.run_key, init.target, init.table_name, JSON.stringify(init.spec), init.estimated_rows,
      randomBytes(12).toString("hex"), init.created_by ?? null, init.save_old ? `lockstep.backfill_old_${id}` : null,
    ],
  );
  return r.rows[0]!;
}

/** Forget a run's progress (--restart): the run is marked cancelled so a fresh one starts. */
export async function discardRun(db: Queryable, id: string, actor: string): Promise<void> {
  await db.query(`UPDATE ${RUNS} SET status = 'cancelled', control = 'cancel', control_by = $2, control_at = now(), finished_at = now(), updated_at = now(), error = 'discarded by --restart' WHERE id = $1`, [id, actor]);
}

/**
 * A batch's checkpoint: its shard's cursor moves to the batch's last key, the counters grow.
 * Run in the batch's own transaction when the state lives in the target database (exactly once);
 * otherwise right after the commit (a crash in between repeats the batch, which then changes
 * no row, so `rows_done` stays exact). Returns the run's `control`, so a pause or cancel needs
 * no separate read between batches.
 */
export function batchCheckpointQuery(id: string, c: BatchCheckpoint): { text: string; values: unknown[] } {
  return {
    text: `UPDATE ${RUNS} SET shards = jsonb_set(shards, ARRAY[$2::text, 'last'], $3::jsonb), rows_done = rows_done + $4,
             rows_scanned = rows_scanned + $5, batches = batches + 1, batch_size = $6, last_batch_ms = $7,
             max_batch_ms = greatest(max_batch_ms, $7), seconds = greatest(seconds, $8), updated_at = now() WHERE id = $1
             RETURNING control`,
    values: [id, c.shard, JSON.stringify(c.last), c.rows, c.scanned, c.batch_size, c.batch_ms, c.seconds],
  };
}

/** Start a pass (the first, or a sweep): every shard's cursor back to its start. */
export async function startPass(db: Queryable, id: string, pass: number, shards: Shard[]): Promise<void> {
  await db.query(`UPDATE ${RUNS} SET pass = $2, shards = $3, rows_scanned = 0, updated_at = now() WHERE id = $1`, [id, pass, JSON.stringify(shards)]);
}

export async function setRunState(
  db: Queryable,
  id: string,
  fields: Partial<Pick<BackfillRun, "status" | "throttle" | "remaining" | "error" | "estimated_rows" | "spec" | "seconds" | "job_id">> & { finished?: boolean },
): Promise<void> {
  const sets: string[] = ["updated_at = now()"];
  const values: unknown[] = [id];
  for (const [k, v] of Object.entries(fields)) {
    if (k === "finished") {
      sets.push(v ? "finished_at = now()" : "finished_at = NULL");
      continue;
    }
    values.push(k === "spec" ? JSON.stringify(v) : v);
    sets.push(`${k} = $${values.length}`);
  }
  await db.query(`UPDATE ${RUNS} SET ${sets.join(", ")} WHERE id = $1`, values);
}

export async function readControl(db: Queryable, id: string): Promise<RunControl> {
  const r = await db.query<{ control: RunControl }>(`SELECT control FROM ${RUNS} WHERE id = $1`, [id]);
  return r.rows[0]?.control ?? "cancel";
}

/**
 * Ask a run to pause, resume or cancel. Any process may do this (CLI, a bot replica, a Slack
 * button): the runner reads `control` before every batch. A guarded update, so repeated clicks
 * are harmless; finished runs cannot be changed.
 */
export async function requestControl(db: Queryable, id: string, control: RunControl, actor: string): Promise<BackfillRun> {
  const run = await requireRun(db, id);
  if (run.status === "done" || run.status === "cancelled") {
    throw new UserError("usage", `backfill ${id} is already ${run.status}`);
  }
  // A stopped run is settled at once; a running one is settled by its runner before the next batch.
  const status = run.status === "running" || run.status === "queued" ? run.status : control === "cancel" ? "cancelled" : control === "pause" ? "paused" : run.status;
  await db.query(
    `UPDATE ${RUNS} SET control = $2, control_by = $3, control_at = now(), updated_at = now(), status = $4,
            finished_at = CASE WHEN $4 = 'cancelled' THEN now() ELSE finished_at END
      WHERE id = $1 AND status NOT IN ('done', 'cancelled')`,
    [id, control, actor, status],
  );
  return requireRun(db, id);
}

/**
 * A stopped (paused or failed) run that was asked to run again goes back to the queue: true for the
 * one caller whose update did it, who then queues its job. The Resume request and the runner that
 * was stopping as it came both call it, so a resume that meets a run still winding down from a
 * pause is neither lost nor queued twice.
 */
export async function claimResume(db: Queryable, id: string): Promise<boolean> {
  const r = await db.query(`UPDATE ${RUNS} SET status = 'queued', updated_at = now() WHERE id = $1 AND status IN ('paused', 'failed') AND control = 'run'`, [id]);
  return r.rowCount === 1;
}

/** Only one process runs a given backfill; the lock dies with its session (kill -9 included). */
export const RUN_LOCK_CLASS = 0x62666c6c; // "bfll"

export interface RunLease {
  release(): Promise<void>;
}

export async function acquireRunLock(client: pg.Client | pg.PoolClient, id: string, waitMs = 5000): Promise<RunLease> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const r = await client.query<{ ok: boolean }>("SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok", [RUN_LOCK_CLASS, id]);
    if (r.rows[0]!.ok) break;
    // A killed runner's session can linger for a moment after its process died.
    if (Date.now() > deadline) {
      throw new UserError("backfill-busy", `backfill ${id} is being run by another process`, {
        hint: "lockstep backfill status shows it; pause or cancel it first",
      });
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    release: async () => {
      await client.query("SELECT pg_advisory_unlock($1, hashtext($2))", [RUN_LOCK_CLASS, id]).catch(() => undefined);
    },
  };
}

/** SQL: whether a session of this database holds the lock of the run whose id is `idSql`. */
export function runLockHeld(idSql: string): string {
  return advisoryLockHeld(String(RUN_LOCK_CLASS), idSql);
}

/** Whether some process currently runs this backfill (holds its lock). */
export async function isRunLive(db: Queryable, id: string): Promise<boolean> {
  const r = await db.query<{ live: boolean }>(`SELECT ${runLockHeld("$1")} AS live`, [id]);
  return r.rows[0]!.live;
}

/** Where a run is shown in Slack: the thread stored with it, and its progress message there. */
export interface RunThread {
  channel: string;
  ts: string;
  progress_ts: string | null;
}

/**
 * The run's thread: the one stored with it, else `offered` (a job's), stored now so that whoever
 * runs it later shows it there too. Undefined when it has none.
 */
export async function runThread(db: Queryable, id: string, offered?: { channel: string; ts: string }): Promise<RunThread | undefined> {
  const r = await db.query<{ thread: { channel: string; ts: string } | null; progress_ts: string | null }>(
    `UPDATE ${RUNS} SET thread = coalesce(thread, $2::jsonb) WHERE id = $1 RETURNING thread, progress_ts`,
    [id, offered ? JSON.stringify({ channel: offered.channel, ts: offered.ts }) : null],
  );
  const row = r.rows[0];
  return row?.thread ? { channel: row.thread.channel, ts: row.thread.ts, progress_ts: row.progress_ts } : undefined;
}

/** The run's progress message, once posted. */
export async function setRunProgressTs(db: Queryable, id: string, ts: string): Promise<void> {
  await db.query(`UPDATE ${RUNS} SET progress_ts = $2 WHERE id = $1`, [id, ts]);
}
