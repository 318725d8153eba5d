import type PgBoss from "pg-boss";

/** pg-boss's schema in the state database. */
export const JOBS_SCHEMA = "lockstep_jobs";

/**
 * How often each live bot replica looks for apply and backfill jobs whose runner died (their
 * advisory lock is free) to take them over: within a minute (LOCKSTEP_TAKEOVER_INTERVAL_MS).
 */
export const DEFAULT_TAKEOVER_INTERVAL_MS = 15_000;

/** The pg-boss queue of apply jobs: stately, at most one queued and one running apply per target (singleton key). */
export const APPLY_QUEUE = "apply";
/** The pg-boss queue of backfill jobs; a job is a time slice of a run. */
export const BACKFILL_QUEUE = "backfill";

const QUEUES: Array<{ name: string; options: PgBoss.Queue }> = [
  { name: APPLY_QUEUE, options: { name: APPLY_QUEUE, policy: "stately", retryLimit: 0, expireInHours: 23 } },
  // an expired job (its worker died unnoticed) is retried and resumes its run from the checkpoint
  { name: BACKFILL_QUEUE, options: { name: BACKFILL_QUEUE, expireInSeconds: 3600, retryLimit: 20, retryDelay: 30 } },
];

/**
 * Create Lockstep's job queues that do not exist yet. Creating a queue attaches a partition to
 * pg-boss's job table: two processes doing it at once can deadlock, so call this under the
 * store's start-up lock (openStore does).
 */
export async function ensureJobQueues(boss: PgBoss): Promise<void> {
  for (const q of QUEUES) {
    if (!(await boss.getQueue(q.name))) await boss.createQueue(q.name, q.options);
  }
}
