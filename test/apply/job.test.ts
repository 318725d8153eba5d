import { describe, expect, it } from "vitest";
import { claimApplyJob, enqueueApply, findOpenApplyJobs, recoverOrphanedApplies, runApplyJob } from "../../src/apply/job.js";
import { pendingHash, planApply } from "../../src/apply/run.js";
import { loadMigrations } from "../../src/apply/source.js";
import { openStore } from "../../src/store/store.js";
import { createTestDatabase } from "../helpers/db.js";
import { testProject } from "./project.js";

const target = await createTestDatabase("job");
const state = await createTestDatabase("job_state");

describe("apply jobs", () => {
  it("a second request for the same target finds the queued job; a job left active by a dead bot is resumed at start", async () => {
    const store = await openStore(state.url);
    try {
      const p = testProject(target.url);
      p.write("1_a.up.sql", "CREATE TABLE a (id int);\n");
      const tc = p.target();
      const plan = await planApply(tc);
      const migrations = await loadMigrations(tc.target, tc.baseDir);
      expect(plan.contentHash).toBe(pendingHash(migrations, "dev"));
      const data = { target: "dev", requestedBy: "U1", source: "slack" as const, versions: ["1"], contentHash: plan.contentHash! };

      const first = await enqueueApply(store.boss, store.pool, data);
      const second = await enqueueApply(store.boss, store.pool, data);
      expect(first.created).toBe(true);
      expect(second).toMatchObject({ created: false, job: { id: first.job.id } });

      // A bot claimed it and died before doing anything: the job is active, nobody holds the target.
      expect(await claimApplyJob(store.pool, first.job.id)).toBe(true);
      expect(await claimApplyJob(store.pool, first.job.id)).toBe(false);
      const deps = { boss: store.boss, pool: store.pool, config: p.loaded(), env: p.env, cwd: p.dir };
      expect(await recoverOrphanedApplies(deps)).toEqual([]); // just claimed: its runner may still be connecting
      await store.pool.query("UPDATE lockstep_jobs.job SET started_on = now() - interval '1 minute' WHERE id = $1", [first.job.id]);
      // two replicas sweeping at once: one resumes it
      const outcomes = (await Promise.all([recoverOrphanedApplies(deps), recoverOrphanedApplies(deps)])).flat();
      expect(outcomes.map((o) => o.status)).toEqual(["applied"]);
      // a runner that looked before it was settled does not run it again
      const late = await runApplyJob(deps, { id: first.job.id, state: "active", data });
      expect(late).toMatchObject({ status: "busy", reason: "this apply is over" });
      expect(await store.pool.query("SELECT status, attempts FROM lockstep_state.apply_runs WHERE job_id = $1", [first.job.id]).then((r) => r.rows)).toEqual([{ status: "applied", attempts: 1 }]);
      expect(await findOpenApplyJobs(store.pool, "dev")).toEqual([]);
      expect((await target.client.query("SELECT version FROM lockstep.migrations")).rows).toEqual([{ version: "1" }]);
      expect((await store.boss.getJobById("apply", first.job.id))?.state).toBe("completed");
    } finally {
      await store.close();
    }
  });
});
