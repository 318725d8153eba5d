import { writeFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { claimApplyJob, enqueueApply } from "../../src/apply/job.js";
import { pendingHash } from "../../src/apply/run.js";
import { loadMigrations } from "../../src/apply/source.js";
import { openStore } from "../../src/store/store.js";
import { blockText, startTestBot, type TestBot } from "../helpers/slack-bot.js";

const config = (migrations: string) => `
targets:
  prod:
    url_env: PROD_URL
    migrations: ${migrations}
    channels: [C1]
`;
const env = { LOCKSTEP_TAKEOVER_INTERVAL_MS: "300" };
const thread = { channel: "C1", ts: "1700000000.777777" };
const DEAD_RUNNERS_MESSAGE = "1700000000.888888";

let first: TestBot;
let jobId: string;

beforeAll(async () => {
  first = await startTestBot({
    config,
    env,
    // before any replica runs: a replica claimed an apply, posted its progress message and died
    beforeStart: async ({ state, dir, migrations }) => {
      writeFileSync(path.join(migrations, "001_create_t.up.sql"), "CREATE TABLE t (id int);\n");
      const store = await openStore(state.url);
      try {
        const pending = await loadMigrations({ migrations, layout: "auto" }, dir);
        const { job } = await enqueueApply(store.boss, store.pool, {
          target: "prod", requestedBy: "UAPP", source: "slack", versions: ["1"], contentHash: pendingHash(pending, "prod"), thread,
        });
        expect(await claimApplyJob(store.pool, job.id)).toBe(true);
        await store.pool.query("UPDATE lockstep_jobs.job SET started_on = now() - interval '1 minute' WHERE id = $1", [job.id]);
        await store.pool.query("UPDATE lockstep_state.apply_runs SET progress_ts = $2 WHERE job_id = $1", [job.id, DEAD_RUNNERS_MESSAGE]);
        jobId = job.id;
      } finally {
        await store.close();
      }
    },
  });
  await startTestBot({ config, env, replicaOf: first });
});

describe("an apply whose runner died", () => {
  it("is taken over by one of the live replicas, which applies it once and updates the thread's progress message", async () => {
    const summary = await first.fake.waitFor(
      () => first.fake.called("chat.update").find((u) => u.args.ts === DEAD_RUNNERS_MESSAGE && /Applied on `prod`/.test(blockText(u.args))),
      "the summary in the dead runner's progress message",
    );
    expect(blockText(summary.args)).toContain("001_create_t.up.sql");
    expect((await first.targetDb.client.query("SELECT version FROM lockstep.migrations")).rows).toEqual([{ version: "1" }]);
    expect(await first.query("SELECT status FROM lockstep_state.apply_runs WHERE job_id = $1", [jobId])).toEqual([{ status: "applied" }]);
    // no second progress message, and the replica that lost the race says nothing
    expect(first.fake.called("chat.postMessage").filter((c) => c.args.thread_ts === thread.ts)).toEqual([]);
    expect(first.fake.calls.filter((c) => /busy|already running/i.test(blockText(c.args)))).toEqual([]);
    const audits = () => first.query("SELECT decision FROM lockstep_state.audit_log WHERE action = 'apply'");
    await first.fake.waitFor(async () => (await audits()).length > 0, "the audit entry");
    expect(await audits()).toEqual([{ decision: "applied" }]);
  });
});
