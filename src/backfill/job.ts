import type PgBoss from "pg-boss";
import { getTarget, type Config } from "../config.js";
import { resolveDatabaseUrl } from "../db/connection.js";
import { isUserError, type UserError } from "../errors.js";
import { log } from "../log.js";
import { BACKFILL_QUEUE, DEFAULT_TAKEOVER_INTERVAL_MS } from "../store/queues.js";
import type { Store } from "../store/store.js";
import { runBackfill, type BackfillProgress, type BackfillResult } from "./engine.js";
import { claimResume, isRunLive, requestControl } from "./runs.js";
import { withTargetDefaults, type BackfillSpec } from "./spec.js";
import { findOrphanedRuns, takeOverRun } from "./takeover.js";
import type { LagSource } from "./throttle.js";

export { BACKFILL_QUEUE };

/** A job names its target by config name only: no connection string ever lands in the job table. */
export interface BackfillJobData {
  target: string;
  spec: BackfillSpec;
  run_id?: string;
  actor?: string;
  restart?: boolean;
  /** where the Slack bot shows this run's progress (a check's thread) */
  thread?: { channel: string; ts: string };
}

export async function enqueueBackfill(boss: PgBoss, data: BackfillJobData, opts: { startAfter?: Date } = {}): Promise<string> {
  const id = await boss.send(BACKFILL_QUEUE, data as unknown as object, opts.startAfter ? { startAfter: opts.startAfter } : {});
  if (!id) throw new Error("the backfill job was not queued");
  return id;
}

export interface BackfillWorkerDeps {
  config: Config;
  env?: NodeJS.ProcessEnv;
  /** Every progress event (pace a message with progressCadence). */
  onProgress?: (p: BackfillProgress, data: BackfillJobData) => void;
  /** Called when a job's run stops (done, paused, cancelled, failed, or handed on). */
  onResult?: (r: BackfillResult, data: BackfillJobData) => void | Promise<void>;
  /** Called when a job is refused before it starts (bad spec, volatile expression, no key, ...). */
  onRefused?: (e: UserError, data: BackfillJobData) => void | Promise<void>;
  lagSource?: LagSource;
  /** How long one job runs before it hands the run on to a fresh job (default 30 min). */
  sliceMs?: number;
  pollingIntervalSeconds?: number;
  /** How often to look for runs whose runner died (default 15 s). */
  takeoverIntervalMs?: number;
}

/**
 * Run backfill jobs from the queue. A paused window re-enqueues itself for the window's opening;
 * a time slice re-enqueues at once. At start and then every `takeoverIntervalMs`, the worker takes
 * over runs whose runner died (their lock is free): they resume from their checkpoint.
 * Returns a function that stops the worker.
 */
export async function startBackfillWorker(store: Store, deps: BackfillWorkerDeps): Promise<() => Promise<void>> {
  const sweep = takeoverSweep(store, deps);
  await sweep();
  const timer = setInterval(() => void sweep(), deps.takeoverIntervalMs ?? DEFAULT_TAKEOVER_INTERVAL_MS);
  timer.unref();
  store.boss.once("stopped", () => clearInterval(timer));
  const workerId = await store.boss.work<BackfillJobData>(BACKFILL_QUEUE, { pollingIntervalSeconds: deps.pollingIntervalSeconds ?? 2 }, async (jobs) => {
    for (const job of jobs) await runJob(store, deps, job.id, job.data);
  });
  return async () => {
    clearInterval(timer);
    await store.boss.offWork({ id: workerId });
  };
}

/** One sweep at a time: orphaned runs of this worker's targets get a new job (see takeOverRun). */
function takeoverSweep(store: Store, deps: BackfillWorkerDeps): () => Promise<void> {
  const targets = Object.keys(deps.config.targets);
  let sweeping = false;
  return async () => {
    if (sweeping) return;
    sweeping = true;
    try {
      for (const id of await findOrphanedRuns(store.pool, targets)) {
        if (await takeOverRun(store, id, "lockstep (taken over)")) log.warn({ run: id }, "took over a backfill whose runner stopped; it resumes from its checkpoint");
      }
    } catch (e) {
      log.warn({ err: e }, "could not look for backfills whose runner stopped");
    } finally {
      sweeping = false;
    }
  };
}

async function runJob(store: Store, deps: BackfillWorkerDeps, jobId: string, data: BackfillJobData): Promise<void> {
  const env = deps.env ?? process.env;
  const target = getTarget(deps.config, data.target);
  const url = resolveDatabaseUrl({ target: data.target }, deps.config, env)!;
  let result: BackfillResult;
  try {
    result = await runBackfill({
      spec: withTargetDefaults(data.spec, target),
      targetUrl: url,
      targetLabel: data.target,
      state: store.pool,
      runId: data.run_id,
      restart: data.restart,
      actor: data.actor,
      jobId,
      windows: target.backfill.windows,
      waitForWindow: false,
      lagSource: deps.lagSource,
      onProgress: deps.onProgress ? (p) => deps.onProgress!(p, data) : undefined,
      sliceMs: deps.sliceMs ?? 30 * 60_000,
    });
  } catch (e) {
    // Another process runs it already: nothing to do. A refused spec would be refused again:
    // report it and complete the job instead of retrying.
    if (isUserError(e) && e.code === "backfill-busy") return;
    if (isUserError(e)) {
      log.warn({ target: data.target, code: e.code }, `backfill job refused: ${e.message}`);
      await deps.onRefused?.(e, data);
      return;
    }
    log.error({ err: e, target: data.target }, "backfill job failed");
    throw e;
  }
  const next = { ...data, run_id: result.run_id, restart: false };
  if (result.status === "paused" && result.resume_at) await enqueueBackfill(store.boss, next, { startAfter: new Date(result.resume_at) });
  else if (result.status === "paused" && result.reason === "time slice over") await enqueueBackfill(store.boss, next);
  // paused on request, and resumed while it was stopping (its lock still held): the resume is this runner's to queue
  else if (result.status === "paused" && (await claimResume(store.pool, result.run_id))) await enqueueBackfill(store.boss, next);
  await deps.onResult?.(result, data);
}

/**
 * Resume a paused (or failed) run in the background: the Resume button and `/migrate backfill`.
 * Pause and cancel need no job: requestControl() is read by the runner before every batch.
 */
export async function resumeInBackground(store: Store, runId: string, actor: string, extra: Pick<BackfillJobData, "thread"> = {}): Promise<string> {
  const run = await requestControl(store.pool, runId, "run", actor);
  // a live runner reads the control before its next batch, or, if it was stopping for a pause, claims the resume once stopped
  if (await isRunLive(store.pool, runId)) return "running";
  if (!(await claimResume(store.pool, runId))) return "running";
  return enqueueBackfill(store.boss, { target: run.target, spec: run.spec, run_id: run.id, actor, ...extra });
}
