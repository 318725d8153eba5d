import { describe, expect, it } from "vitest";
import { runBackfill } from "../../src/backfill/engine.js";
import { enqueueBackfill, resumeInBackground, startBackfillWorker } from "../../src/backfill/job.js";
import { getRun, requestControl } from "../../src/backfill/runs.js";
import { parseSpec } from "../../src/backfill/spec.js";
import { parseConfigText } from "../../src/config.js";
import { openStore } from "../../src/store/store.js";
import { createTestDatabase } from "../helpers/db.js";
import { createUsers, until } from "./helpers.js";

const db = await createTestDatabase("bfjob");

describe("backfill as a durable pg-boss job", () => {
  it("a worker runs a queued backfill by target name; pause stops it, resumeInBackground re-queues it", async () => {
    await createUsers(db.client, "jb", 1500);
    const store = await openStore(db.url);
    try {
      const config = parseConfigText("targets:\n  app:\n    url_env: APP_DB\n");
      const env = { APP_DB: db.url };
      const stopWorker = await startBackfillWorker(store, { config, env, pollingIntervalSeconds: 0.5 });
      const spec = parseSpec({ table: "jb", set: "normalized_email = lower(email)", batch_size: 50, sleep_ms: 10 }, "test");
      await enqueueBackfill(store.boss, { target: "app", spec, actor: "U1" });
      const run = await until(async () => {
        const r = await db.client.query("SELECT id FROM lockstep_state.backfill_runs WHERE table_name = 'public.jb' AND rows_done > 0");
        return r.rows[0] as { id: string } | undefined;
      }, "the job to start");
      await requestControl(store.pool, run.id, "pause", "U2");
      await until(async () => (await getRun(store.pool, run.id))?.status === "paused", "the pause");
      const paused = (await getRun(store.pool, run.id))!;
      expect(paused.rows_done).toBeLessThan(1500);
      expect(paused.control_by).toBe("U2");

      await resumeInBackground(store, run.id, "U3");
      await until(async () => (await getRun(store.pool, run.id))?.status === "done", "the resumed job to finish");
      const done = (await getRun(store.pool, run.id))!;
      expect(done).toMatchObject({ rows_done: 1500, remaining: 0 });
      const [{ max }] = (await db.client.query("SELECT max(touches) AS max FROM jb")).rows;
      expect(max).toBe(1);
      await stopWorker();
    } finally {
      await store.close();
    }
  });

  it("a worker started after a crash re-queues runs left running by a dead process", async () => {
    await createUsers(db.client, "jc", 400);
    const store = await openStore(db.url);
    try {
      const spec = parseSpec({ table: "jc", set: "normalized_email = lower(email)", batch_size: 50 }, "test");
      // A run that stopped mid-way (paused here), then marked running as a killed process leaves it.
      const first = await runBackfill({
        spec, targetUrl: db.url, targetLabel: "app", state: store.pool,
        afterBatch: async (p) => { if (p.batches === 2) await requestControl(store.pool, p.run_id, "pause", "test"); },
      });
      await db.client.query("UPDATE lockstep_state.backfill_runs SET status = 'running', control = 'run' WHERE id = $1", [first.run_id]);
      const config = parseConfigText("targets:\n  app:\n    url_env: APP_DB\n");
      await startBackfillWorker(store, { config, env: { APP_DB: db.url }, pollingIntervalSeconds: 0.5 });
      await until(async () => (await getRun(store.pool, first.run_id))?.status === "done", "the recovered run");
      expect((await getRun(store.pool, first.run_id))!.rows_done).toBe(400);
    } finally {
      await store.close();
    }
  });

  it("a refused spec completes the job and is reported, instead of retrying", async () => {
    await createUsers(db.client, "jr", 10);
    const store = await openStore(db.url);
    try {
      const config = parseConfigText("targets:\n  app:\n    url_env: APP_DB\n");
      const refused: string[] = [];
      await startBackfillWorker(store, { config, env: { APP_DB: db.url }, pollingIntervalSeconds: 0.5, onRefused: (e) => void refused.push(e.message) });
      const id = await enqueueBackfill(store.boss, { target: "app", spec: parseSpec({ table: "jr", set: "normalized_email = random()::text" }, "test") });
      await until(async () => refused.length > 0, "the refusal");
      expect(refused[0]).toContain("random() is VOLATILE");
      await until(async () => (await store.boss.getJobById("backfill", id))?.state === "completed", "the job to complete");
    } finally {
      await store.close();
    }
  });
});
