import type PgBoss from "pg-boss";
import type pg from "pg";
import type { LoadedConfig } from "../config.js";
import { log } from "../log.js";
import type { BlockerDecision } from "./executor.js";
import { runApply, targetContext, type ApplyOutcome } from "./run.js";
import { tryLockTarget } from "./target-lock.js";
import { advisoryLockHeld } from "../db/advisory.js";
import { connect } from "../db/connection.js";
import { verifyApproval } from "../approval/verify.js";
import { sleep } from "./retry.js";
import { APPLY_QUEUE, DEFAULT_TAKEOVER_INTERVAL_MS, JOBS_SCHEMA } from "../store/queues.js";
import type { ApplyEvent, Blocker } from "./types.js";

export { APPLY_QUEUE };

/** The durable request: which target, which migrations (by version) with the hash their approval covers. */
export interface ApplyJobData {
  target: string;
  requestedBy: string;
  source: "cli" | "slack";
  versions: string[];
  contentHash: string;
  /** Slack thread to report into */
  thread?: { channel: string; ts: string };
  /** the Slack check whose approval this apply runs under (re-verified right before applying) */
  checkId?: string;
}

export interface OpenApplyJob {
  id: string;
  state: "created" | "retry" | "active";
  data: ApplyJobData;
}

/** Queue an apply. Returns the job, or the one already open for this target (a double click runs once). */
export async function enqueueApply(boss: PgBoss, pool: pg.Pool, data: ApplyJobData): Promise<{ job: OpenApplyJob; created: boolean }> {
  const id = await boss.send(APPLY_QUEUE, data as unknown as object, { singletonKey: data.target, retryLimit: 0, expireInHours: 23 });
  if (id) {
    await pool.query(
      `INSERT INTO lockstep_state.apply_runs (job_id, target, requested_by, source, content_hash, versions, thread, check_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (job_id) DO NOTHING`,
      [id, data.target, data.requestedBy, data.source, data.contentHash, JSON.stringify(data.versions), data.thread ? JSON.stringify(data.thread) : null, data.checkId ?? null],
    );
    return { job: { id, state: "created", data }, created: true };
  }
  const open = await findOpenApplyJobs(pool, data.target);
  const existing = open.find((j) => j.state !== "active") ?? open[0];
  if (!existing) throw new Error(`apply queue refused a job for ${data.target} but none is open`);
  return { job: existing, created: false };
}

export async function findOpenApplyJobs(pool: pg.Pool, target: string): Promise<OpenApplyJob[]> {
  const r = await pool.query<OpenApplyJob>(
    `SELECT id, state::text AS state, data FROM ${JOBS_SCHEMA}.job WHERE name = $1 AND singleton_key = $2 AND state < 'completed' ORDER BY created_on`,
    [APPLY_QUEUE, target],
  );
  return r.rows;
}

/**
 * Take a queued job for this process (the CLI works its own job instead of waiting for a worker).
 * The stately policy's unique index refuses a second active job for the same target.
 */
export async function claimApplyJob(pool: pg.Pool, id: string): Promise<boolean> {
  try {
    const r = await pool.query(
      `UPDATE ${JOBS_SCHEMA}.job SET state = 'active', started_on = now() WHERE name = $1 AND id = $2 AND state < 'active'`,
      [APPLY_QUEUE, id],
    );
    return (r.rowCount ?? 0) === 1;
  } catch (e) {
    if ((e as { code?: string }).code === "23505") return false;
    throw e;
  }
}

/**
 * An active job whose runner died: nobody holds the target's apply lock. (A live runner always does.)
 */
export async function isOrphaned(targetUrl: string): Promise<boolean> {
  const probe = await connect(targetUrl, { applicationName: "lockstep-probe" });
  try {
    const free = await tryLockTarget(probe);
    return free; // session ends right after, releasing the probe's lock
  } finally {
    await probe.end().catch(() => undefined);
  }
}

export interface JobRunnerDeps {
  boss: PgBoss;
  pool: pg.Pool;
  config: LoadedConfig;
  env: NodeJS.ProcessEnv;
  cwd: string;
  onEvent?: (job: OpenApplyJob, e: ApplyEvent) => void;
  ask?: (job: OpenApplyJob, blockers: Blocker[], where: { version: string; statement: number; sql: string }) => Promise<BlockerDecision>;
  signal?: AbortSignal;
}

/**
 * Its runner holds this session lock (state database) on the job until the job is settled, so a
 * free lock on an active job means its runner died; whoever takes the job over takes the lock.
 */
const JOB_LOCK_CLASS = 0x61706c79; // "aply"

/**
 * Run a claimed (active) job to its end and record the outcome; the job completes or fails
 * accordingly. "busy" when another process runs it, or it was settled meanwhile.
 */
export async function runApplyJob(deps: JobRunnerDeps, job: OpenApplyJob): Promise<ApplyOutcome> {
  const client = await deps.pool.connect();
  try {
    const locked = await client.query<{ ok: boolean }>("SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok", [JOB_LOCK_CLASS, job.id]);
    if (!locked.rows[0]!.ok) return busy(job, "another process runs this apply");
    try {
      // its runner may have settled it between someone's look at it and this lock
      const open = await client.query(
        `SELECT 1 FROM ${JOBS_SCHEMA}.job j JOIN lockstep_state.apply_runs r ON r.job_id = j.id
          WHERE j.name = $1 AND j.id = $2 AND j.state = 'active' AND r.finished_at IS NULL`,
        [APPLY_QUEUE, job.id],
      );
      if (open.rowCount === 0) return busy(job, "this apply is over");
      return await runLockedJob(deps, job);
    } finally {
      await client.query("SELECT pg_advisory_unlock($1, hashtext($2))", [JOB_LOCK_CLASS, job.id]).catch(() => undefined);
    }
  } finally {
    client.release();
  }
}

function busy(job: OpenApplyJob, reason: string): ApplyOutcome {
  return { ...emptyOutcome(job.data.target), status: "busy", reason, jobId: job.id };
}

function emptyOutcome(target: string): Omit<ApplyOutcome, "status"> {
  return { target, history: "lockstep", pending: [], applied: [], cleanups: [], resolved: [], lockWaits: 0, rollback: [], durationMs: 0 };
}

async function runLockedJob(deps: JobRunnerDeps, job: OpenApplyJob): Promise<ApplyOutcome> {
  await deps.pool.query(
    `UPDATE lockstep_state.apply_runs SET status = 'running', attempts = attempts + 1, started_at = coalesce(started_at, now()) WHERE job_id = $1`,
    [job.id],
  );
  let lastProgress = 0;
  const onEvent = (e: ApplyEvent) => {
    deps.onEvent?.(job, e);
    const now = Date.now();
    if (e.type === "statement-start" && now - lastProgress < 1000) return;
    lastProgress = now;
    void deps.pool.query(`UPDATE lockstep_state.apply_runs SET progress = $2 WHERE job_id = $1`, [job.id, JSON.stringify(e)]).catch(() => undefined);
  };
  // A Cancel click may land on any replica: it is recorded in apply_runs, and the runner watches for it.
  const cancel = new AbortController();
  const watch = setInterval(() => {
    void cancelRequestedBy(deps.pool, job.id).then((by) => by && !cancel.signal.aborted && cancel.abort(by), () => undefined);
  }, 1000);
  const signal = deps.signal ? AbortSignal.any([deps.signal, cancel.signal]) : cancel.signal;
  let outcome: ApplyOutcome;
  try {
    const tc = targetContext(deps.config, job.data.target, deps.env, deps.cwd);
    const approval = job.data.checkId ? await verifyApproval({ pool: deps.pool, loaded: deps.config, cwd: deps.cwd }, job.data.checkId) : undefined;
    if (approval && !approval.valid) {
      outcome = { ...emptyOutcome(tc.name), status: "refused", jobId: job.id, reason: `the approval is no longer valid: ${approval.reason}` };
    } else {
      outcome = await runApply(tc, {
        appliedBy: job.data.requestedBy,
        versions: job.data.versions,
        contentHash: job.data.contentHash,
        onEvent,
        ask: deps.ask ? (b, w) => deps.ask!(job, b, w) : undefined,
        signal,
        statePool: deps.pool,
        jobId: job.id,
      });
    }
  } catch (e) {
    await finishRun(deps, job, "failed", { error: (e as Error).message });
    await deps.boss.fail(APPLY_QUEUE, job.id, { message: (e as Error).message }).catch(() => undefined);
    throw e;
  } finally {
    clearInterval(watch);
  }
  // Busy: another runner holds the target's apply lock. The stately queue allows one active job per
  // target, so that runner is running this very job (it took it over): leave the job to it.
  if (outcome.status === "busy") return outcome;
  await finishRun(deps, job, outcome.status, outcome);
  const ok = outcome.status === "applied" || outcome.status === "nothing-to-do";
  if (ok) await deps.boss.complete(APPLY_QUEUE, job.id, { status: outcome.status });
  else await deps.boss.fail(APPLY_QUEUE, job.id, { status: outcome.status, reason: outcome.reason ?? null });
  return outcome;
}

async function cancelRequestedBy(pool: pg.Pool, jobId: string): Promise<string | undefined> {
  const r = await pool.query<{ by: string | null }>(`SELECT cancel_requested_by AS by FROM lockstep_state.apply_runs WHERE job_id = $1`, [jobId]);
  return r.rows[0]?.by ?? undefined;
}

/** Ask someone to cancel a running apply (Slack Cancel button, any replica). False when it is not running. */
export async function requestCancel(pool: pg.Pool, jobId: string, by: string): Promise<boolean> {
  const r = await pool.query(`UPDATE lockstep_state.apply_runs SET cancel_requested_by = $2 WHERE job_id = $1 AND finished_at IS NULL AND cancel_requested_by IS NULL`, [jobId, by]);
  return (r.rowCount ?? 0) === 1;
}

/** Record the answer to a blocker question (on_blocker: ask). */
export async function answerBlockerQuestion(pool: pg.Pool, jobId: string, decision: BlockerDecision): Promise<boolean> {
  const r = await pool.query(`UPDATE lockstep_state.apply_runs SET blocker_decision = $2 WHERE job_id = $1 AND finished_at IS NULL AND blocker_decision IS NULL`, [jobId, decision]);
  return (r.rowCount ?? 0) === 1;
}

/** Wait for the answer to a blocker question (polling the run's row); a cancel or the deadline aborts. */
export async function waitForBlockerDecision(pool: pg.Pool, jobId: string, opts: { signal?: AbortSignal; deadlineMs?: number } = {}): Promise<BlockerDecision> {
  await pool.query(`UPDATE lockstep_state.apply_runs SET blocker_decision = NULL WHERE job_id = $1`, [jobId]);
  const end = Date.now() + (opts.deadlineMs ?? 15 * 60_000);
  while (Date.now() < end && !opts.signal?.aborted) {
    const r = await pool.query<{ d: BlockerDecision | null; c: string | null }>(`SELECT blocker_decision AS d, cancel_requested_by AS c FROM lockstep_state.apply_runs WHERE job_id = $1`, [jobId]);
    if (r.rows[0]?.c) return "abort";
    if (r.rows[0]?.d) return r.rows[0].d;
    await sleep(500, opts.signal);
  }
  return "abort";
}

async function finishRun(deps: JobRunnerDeps, job: OpenApplyJob, status: string, outcome: unknown): Promise<void> {
  await deps.pool.query(
    `UPDATE lockstep_state.apply_runs SET status = $2, finished_at = now(), outcome = $3 WHERE job_id = $1`,
    [job.id, status, JSON.stringify(outcome)],
  );
}

/**
 * The bot's worker: runs queued applies, and takes over applies whose runner died (kill -9, lost
 * replica) — at start and then every `takeoverIntervalMs`, in the background; they resume from the
 * target's history and step markers. Returns a function that stops it.
 */
export async function startApplyWorker(deps: JobRunnerDeps & { onOutcome?: (job: OpenApplyJob, o: ApplyOutcome) => void; takeoverIntervalMs?: number }): Promise<() => Promise<void>> {
  const workerId = await deps.boss.work<ApplyJobData>(APPLY_QUEUE, { pollingIntervalSeconds: 1 }, async ([job]) => {
    if (!job) return;
    const open: OpenApplyJob = { id: job.id, state: "active", data: job.data };
    const outcome = await runApplyJob(deps, open);
    deps.onOutcome?.(open, outcome);
  });
  // A CLI or another replica may die mid-apply while this worker lives on.
  let sweeping = false;
  const sweep = () => {
    if (sweeping) return;
    sweeping = true;
    void recoverOrphanedApplies(deps)
      .catch(() => undefined)
      .finally(() => (sweeping = false));
  };
  sweep();
  const timer = setInterval(sweep, deps.takeoverIntervalMs ?? DEFAULT_TAKEOVER_INTERVAL_MS);
  timer.unref();
  deps.boss.once("stopped", () => clearInterval(timer));
  return async () => {
    clearInterval(timer);
    await deps.boss.offWork({ id: workerId });
  };
}

/** Active apply jobs nobody is running any more (their job lock is free): resume them here. */
export async function recoverOrphanedApplies(deps: JobRunnerDeps & { onOutcome?: (job: OpenApplyJob, o: ApplyOutcome) => void }, minAgeSeconds = 5): Promise<ApplyOutcome[]> {
  // A job claimed a moment ago may not hold its lock yet: only look at ones active for a while.
  const r = await deps.pool.query<OpenApplyJob>(
    `SELECT j.id, j.state::text AS state, j.data FROM ${JOBS_SCHEMA}.job j
      WHERE j.name = $1 AND j.state = 'active' AND j.started_on < now() - $2 * interval '1 second'
        AND NOT ${advisoryLockHeld("$3", "j.id::text")}`,
    [APPLY_QUEUE, minAgeSeconds, JOB_LOCK_CLASS],
  );
  const outcomes: ApplyOutcome[] = [];
  for (const job of r.rows) {
    try {
      // a runner of an older Lockstep holds only the target's lock
      const tc = targetContext(deps.config, job.data.target, deps.env, deps.cwd);
      if (!(await isOrphaned(tc.url))) continue;
      const outcome = await runApplyJob(deps, job);
      // busy: another replica took it over first, or it was settled meanwhile; it is reported there
      if (outcome.status === "busy") continue;
      log.warn({ job: job.id, target: job.data.target }, "resumed an interrupted apply");
      deps.onOutcome?.(job, outcome);
      outcomes.push(outcome);
    } catch (e) {
      log.error({ err: e, job: job.id }, "could not resume an interrupted apply");
    }
  }
  return outcomes;
}
