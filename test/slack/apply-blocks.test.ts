import { describe, expect, it } from "vitest";
import type { ApplyOutcome } from "../../src/apply/run.js";
import { ACTION } from "../../src/slack/action-ids.js";
import { applyProgressMessage, applySummaryMessage, blockerQuestionMessage, driftMessage } from "../../src/slack/blocks/apply.js";
import { actionIds, blockText } from "../helpers/slack-bot.js";

const stopped: ApplyOutcome = {
  target: "prod",
  status: "stopped",
  history: "golang-migrate",
  pending: [],
  applied: [{ version: "1", name: "a", path: "1_a.up.sql", downPath: "1_a.down.sql", durationMs: 1500 }],
  failure: { version: "2", name: "b", statement: 0, sql: "CREATE UNIQUE INDEX CONCURRENTLY u ON t (v)", code: "23505", message: "could not create unique index u", words: "a unique constraint was violated" },
  reason: "2_b.up.sql statement 1 failed: a unique constraint was violated <!channel>",
  cleanups: ["dropped the INVALID index public.u left by the failed statement"],
  resolved: [],
  lockWaits: 2,
  rollback: [{ version: "1", downPath: "1_a.down.sql", note: "apply 1_a.down.sql as a new forward migration" }],
  durationMs: 4200,
};

describe("apply blocks", () => {
  it("progress: step, statement, elapsed, lock waits and a Cancel button", () => {
    const m = applyProgressMessage({ jobId: "job-1", target: "prod", requestedBy: "U1", step: 3, steps: 7, current: { path: "2", sql: "ALTER TABLE users ADD COLUMN x int" }, elapsedMs: 12_300, lockWaits: 1, notes: ["lock wait on 2 statement 1: retry 1/5 in 0.2s"] });
    const text = blockText(m);
    expect(text).toContain("step 3/7");
    expect(text).toContain("lock waits 1");
    expect(text).toContain("ALTER TABLE users ADD COLUMN x int");
    expect(actionIds(m)).toEqual([ACTION.applyCancel]);
  });

  it("summary of a stopped apply: the error in plain words, the cleanup, the rollback plan; user text escaped", () => {
    const m = applySummaryMessage(stopped);
    const text = blockText(m);
    expect(text).toContain("Apply stopped");
    expect(text).toContain("1_a.up.sql");
    expect(text).toContain("(23505)");
    expect(text).toContain("dropped the INVALID index public.u");
    expect(text).toContain("apply 1_a.down.sql as a new forward migration");
    expect(text).not.toContain("<!channel>");
    expect(actionIds(m)).toEqual([]);
    expect(m.blocks.length).toBeLessThanOrEqual(50);
  });

  it("blocker question and drift stay inside Slack's limits", () => {
    const blockers = Array.from({ length: 60 }, (_, i) => ({ pid: i, user: "app", application: "web", state: "idle in transaction", relation: "public.users", mode: "AccessShareLock", granted: true, durationMs: 1000 * i, query: "SELECT * FROM users".repeat(20) }));
    const q = blockerQuestionMessage("job-1", "prod", blockers, "ALTER TABLE users ADD COLUMN x int");
    expect(q.blocks.length).toBeLessThanOrEqual(50);
    expect(actionIds(q)).toEqual([ACTION.blockerEnd, ACTION.blockerWait, ACTION.blockerAbort]);
    const d = driftMessage({ target: "prod", checkedAt: "now", editedMigrations: ["1_a.up.sql"], schemaChanges: Array.from({ length: 500 }, (_, i) => `public.t${i}: column x integer appeared`) });
    expect(blockText(d)).toContain("edited deployed migration: write a new migration instead");
    expect(d.blocks.length).toBeLessThanOrEqual(50);
    for (const b of d.blocks) if (b.type === "section") expect((b.text?.text ?? "").length).toBeLessThanOrEqual(3000);
  });
});
