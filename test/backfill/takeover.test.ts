import { describe, expect, it } from "vitest";
import { enqueueBackfill, startBackfillWorker } from "../../src/backfill/job.js";
import { acquireRunLock, getRun, requestControl } from "../../src/backfill/runs.js";
import { parseSpec } from "../../src/backfill/spec.js";
import { findOrphanedRuns, takeOverRun } from "../../src/backfill/takeover.js";
import { parseConfigText } from "../../src/config.js";
import { openStore, type Store } from "../../src/store/store.js";
import { createTestDatabase } from "../helpers/db.js";
import { backfill, createUsers, until } from "./helpers.js";

const db = await createTestDatabase("bftake");
const config = parseConfigText("targets:\n  app:\n    url_env: APP_DB\n");

/** A run half done whose runner died: status running, its job active, nobody holding its lock. */
async function deadRun(store: Store, table: string): Promise<{ runId: string; deadJob: string }> {
  await createUsers(db.client, table, 300);
  const spec = parseSpec({ table, set: "normalized_email = lower(email)", batch_size: 50 }, "test");
  const first = await backfill(db, store.pool, spec, {
    targetLabel: "app",
    afterBatch: async (p) => {
      if (p.batches === 2) await requestControl(store.pool, p.run_id, "pause", "test");
    },
  });
  const deadJob = await enqueueBackfill(store.boss, { target: "app", spec, run_id: first.run_id });
  await db.client.query("UPDATE lockstep_jobs.job SET state = 'active', started_on = now() WHERE id = $1", [deadJob]);
  await db.client.query("UPDATE lockstep_state.backfill_runs SET status = 'running', control = 'run', job_id = $2 WHERE id = $1", [first.run_id, deadJob]);
  return { runId: first.run_id, deadJob };
}

const jobsOf = async (runId: string) =>
  (await db.client.query<{ id: string; state: string }>("SELECT id, state::text AS state FROM lockstep_jobs.job WHERE name = 'backfill' AND data->>'run_id' = $1 ORDER BY created_on", [runId])).rows;

describe("taking over a backfill whose runner died", () => {
  it("one query finds it while nobody holds its lock; of many replicas sweeping at once exactly one takes it over", async () => {
    const stores = await Promise.all([openStore(db.url), openStore(db.url), openStore(db.url)]);
    try {
      const { runId, deadJob } = await deadRun(stores[0]!, "tk1");
      expect(await findOrphanedRuns(stores[0]!.pool, ["app"])).toEqual([runId]);
      expect(await findOrphanedRuns(stores[0]!.pool, ["other"])).toEqual([]);

      // a live runner holds the lock: not orphaned
      const holder = await stores[1]!.pool.connect();
      const lease = await acquireRunLock(holder, runId);
      expect(await findOrphanedRuns(stores[0]!.pool, ["app"])).toEqual([]);
      expect(await takeOverRun(stores[0]!, runId, "test")).toBe(false);
      await lease.release();
      holder.release();

      const attempts = await Promise.all(stores.flatMap((s) => [takeOverRun(s, runId, "test"), takeOverRun(s, runId, "test")]));
      expect(attempts.filter(Boolean)).toHaveLength(1);
      const jobs = await jobsOf(runId);
      expect(jobs.find((j) => j.id === deadJob)?.state).toBe("cancelled");
      expect(jobs.filter((j) => j.id !== deadJob).map((j) => j.state)).toEqual(["created"]);
      expect((await getRun(stores[0]!.pool, runId))?.status).toBe("queued");
      // its new job waits in the queue: nothing left to take over
      expect(await findOrphanedRuns(stores[0]!.pool, ["app"])).toEqual([]);

      const stop = await startBackfillWorker(stores[2]!, { config, env: { APP_DB: db.url }, pollingIntervalSeconds: 0.5 });
      await until(async () => (await getRun(stores[0]!.pool, runId))?.status === "done", "the run to finish");
      await stop();
      expect((await getRun(stores[0]!.pool, runId))!.rows_done).toBe(300);
      expect((await db.client.query("SELECT min(touches) AS min, max(touches) AS max FROM tk1")).rows[0]).toEqual({ min: 1, max: 1 });
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  it("a queued run is left to its job: orphaned only when it has none and has waited past the grace period", async () => {
    const store = await openStore(db.url);
    try {
      const { runId } = await deadRun(store, "tk2");
      await db.client.query("UPDATE lockstep_jobs.job SET state = 'cancelled' WHERE data->>'run_id' = $1", [runId]);
      await db.client.query("UPDATE lockstep_state.backfill_runs SET status = 'queued', updated_at = now() WHERE id = $1", [runId]);
      expect(await findOrphanedRuns(store.pool, ["app"])).toEqual([]);
      await enqueueBackfill(store.boss, { target: "app", spec: (await getRun(store.pool, runId))!.spec, run_id: runId });
      await db.client.query("UPDATE lockstep_state.backfill_runs SET updated_at = now() - interval '1 minute' WHERE id = $1", [runId]);
      expect(await findOrphanedRuns(store.pool, ["app"])).toEqual([]);
      await db.client.query("UPDATE lockstep_jobs.job SET state = 'cancelled' WHERE data->>'run_id' = $1", [runId]);
      expect(await findOrphanedRuns(store.pool, ["app"])).toEqual([runId]);
    } finally {
      await store.close();
    }
  });
});
