import type pg from "pg";
import type PgBoss from "pg-boss";
import { STORE_SCHEMA } from "../store/migrations.js";
import { BACKFILL_QUEUE, JOBS_SCHEMA } from "../store/queues.js";
import type { Store } from "../store/store.js";
import { RUN_LOCK_CLASS, runLockHeld, type BackfillRun } from "./runs.js";

/**
 * A queued run is between two jobs (a time slice handed on, a takeover): its next job waits in the
 * queue, or was fetched a moment ago and its runner is connecting. Queued longer than this with
 * neither, its job was lost with a process.
 */
const QUEUED_GRACE_S = 30;

const RUNS = `${STORE_SCHEMA}.backfill_runs`;

/** SQL over run `r`: nobody runs it and no job of it waits in the queue. */
const ORPHANED = `
  (r.status = 'running' OR (r.status = 'queued' AND r.updated_at < now() - make_interval(secs => ${QUEUED_GRACE_S})))
  AND NOT EXISTS (SELECT 1 FROM ${JOBS_SCHEMA}.job j WHERE j.name = '${BACKFILL_QUEUE}' AND j.state IN ('created', 'retry') AND j.data->>'run_id' = r.id)`;

/**
 * Runs whose runner died (kill -9, a lost replica, a crash): marked running (or queued with no job)
 * while no session holds their lock. One query; usually it finds nothing.
 */
export async function findOrphanedRuns(db: pg.Pool, targets: string[]): Promise<string[]> {
  const r = await db.query<{ id: string }>(`SELECT r.id FROM ${RUNS} r WHERE r.target = ANY($1::text[]) AND ${ORPHANED} AND NOT ${runLockHeld("r.id")}`, [targets]);
  return r.rows.map((row) => row.id);
}

/**
 * Give an orphaned run a new job that resumes it from its checkpoint, cancelling the dead runner's
 * job (pg-boss would otherwise hand it out again when it expires). Exactly one caller wins, however
 * many replicas sweep at once: it holds the run's lock (so no runner holds it) and the run's row
 * while it re-checks, queues the job and marks the run queued, all in one transaction.
 */
export async function takeOverRun(store: Store, runId: string, actor: string): Promise<boolean> {
  const client = await store.pool.connect();
  const db: PgBoss.Db = { executeSql: (text, values) => client.query(text, values) };
  try {
    await client.query("BEGIN");
    const locked = await client.query<{ ok: boolean }>("SELECT pg_try_advisory_xact_lock($1, hashtext($2)) AS ok", [RUN_LOCK_CLASS, runId]);
    const run = locked.rows[0]!.ok
      ? (await client.query<Pick<BackfillRun, "id" | "target" | "spec" | "job_id">>(`SELECT r.id, r.target, r.spec, r.job_id FROM ${RUNS} r WHERE r.id = $1 AND ${ORPHANED} FOR UPDATE`, [runId])).rows[0]
      : undefined;
    if (!run) {
      await client.query("ROLLBACK");
      return false;
    }
    if (run.job_id) await store.boss.cancel(BACKFILL_QUEUE, run.job_id, { db });
    await store.boss.send(BACKFILL_QUEUE, { target: run.target, spec: run.spec, run_id: run.id, actor }, { db });
    await client.query(`UPDATE ${RUNS} SET status = 'queued', job_id = NULL, updated_at = now() WHERE id = $1`, [runId]);
    await client.query("COMMIT");
    return true;
  } catch (e) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw e;
  } finally {
    client.release();
  }
}
