import { writeFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ACTION } from "../../src/slack/action-ids.js";
import { actionIds, blockText, startTestBot, type TestBot } from "../helpers/slack-bot.js";

const REQUESTER = "UREQ";
const APPROVER = "UAPP";
const OUTSIDER = "UOUT";

let bot: TestBot;

beforeAll(async () => {
  bot = await startTestBot({
    config: (migrations) => `
targets:
  prod:
    url_env: PROD_URL
    migrations: ${migrations}
    channels: [C1]
    approvals:
      approvers: [${APPROVER}]
      required: { low: 1, medium: 1, high: 1, critical: 1 }
`,
  });
  await bot.targetDb.client.query(`
    CREATE TABLE items (id int PRIMARY KEY, v int NOT NULL, doubled int, tripled int, quadrupled int);
    INSERT INTO items (id, v) SELECT g, g FROM generate_series(1, 2000) g;
    ANALYZE items;
  `);
  // throttled so that the run lasts long enough to show progress (and to be paused)
  writeFileSync(path.join(bot.migrations, "double.backfill.yml"), "table: items\nset: doubled = v * 2\nwhere: doubled IS NULL\nbatch_size: 100\nmax_rows_per_s: 2000\n");
  // 100 batches of 20 rows at 400 rows/s: the status flips between running and throttled with every batch
  writeFileSync(path.join(bot.migrations, "quadruple.backfill.yml"), "table: items\nset: quadrupled = v * 4\nwhere: quadrupled IS NULL\nbatch_size: 20\nmax_rows_per_s: 400\n");
  writeFileSync(path.join(bot.migrations, "triple.backfill.yml"), "table: items\nset: tripled = v * 3\nwhere: tripled IS NULL\nbatch_size: 50\nmax_rows_per_s: 100\n");
});

/** `/migrate backfill prod <spec>`, approve it, and return the report's ts once Run backfill is offered. */
async function approvedBackfill(spec: string): Promise<{ checkId: string; ts: string; report: string }> {
  const before = bot.fake.called("chat.postMessage").length;
  await bot.command(`backfill prod ${spec}`, REQUESTER);
  const call = await bot.fake.waitFor(() => bot.fake.called("chat.postMessage").slice(before).find((c) => !c.args.thread_ts), "the backfill report");
  const ts = call.result.ts as string;
  const [row] = await bot.fake.waitFor(async () => {
    const rows = await bot.query<{ id: string }>("SELECT id FROM lockstep_state.checks WHERE message_ts = $1", [ts]);
    return rows.length ? rows : undefined;
  }, "the check");
  expect(actionIds(call.args)).toEqual([ACTION.approve, ACTION.reject]);
  await bot.click(ACTION.approve, row!.id, APPROVER, { messageTs: ts });
  await bot.fake.waitFor(() => bot.fake.called("chat.update").find((u) => u.args.ts === ts && actionIds(u.args).includes(ACTION.apply)), "the Run backfill button");
  return { checkId: row!.id, ts, report: blockText(call.args) };
}

const threadPosts = (ts: string) => bot.fake.called("chat.postMessage").filter((c) => c.args.thread_ts === ts);
const updatesOf = (ts: string) => bot.fake.called("chat.update").filter((u) => u.args.ts === ts);

describe("/migrate backfill", () => {
  it("report -> approve -> Run backfill -> progress in the thread updated in place -> done summary", async () => {
    const { checkId, ts, report } = await approvedBackfill("double.backfill.yml");
    expect(report).toContain("Backfill check: prod");
    expect(report).toContain("doubled = v * 2");
    expect(report).toMatch(/Estimated rows\* 2\.0k/);
    expect(report).toContain("batch size 100");
    expect((await bot.query("SELECT source, risk, paths FROM lockstep_state.checks WHERE id = $1", [checkId]))[0]).toEqual({ source: "backfill", risk: "medium", paths: ["double.backfill.yml"] });

    await bot.click(ACTION.apply, checkId, APPROVER, { messageTs: ts });
    const progress = await bot.fake.waitFor(() => threadPosts(ts).find((c) => /Backfilling/.test(blockText(c.args))), "the progress message");
    expect(actionIds(progress.args)).toEqual([ACTION.backfillPause, ACTION.backfillCancel]);
    expect(blockText(progress.args)).toMatch(/rows\/s/);
    // a backfill is started, not applied: the thread and the report say so
    expect(threadPosts(ts).some((c) => /Backfill requested by/.test(c.args.text as string))).toBe(true);
    expect(threadPosts(ts).some((c) => /Apply requested/.test(c.args.text as string))).toBe(false);
    const progressTs = progress.result.ts as string;
    const summary = await bot.fake.waitFor(() => updatesOf(progressTs).find((u) => /Backfill done/.test(blockText(u.args))), "the done summary in place of the progress message");
    expect(blockText(summary.args)).toContain("2,000 rows");
    expect(actionIds(summary.args)).toEqual([]);
    expect((await bot.targetDb.client.query("SELECT count(*)::int AS n FROM items WHERE doubled = v * 2")).rows[0].n).toBe(2000);
    expect(await bot.query("SELECT status, rows_done::int AS rows_done FROM lockstep_state.backfill_runs WHERE table_name LIKE '%items' AND spec->>'set' LIKE '%doubled%'")).toEqual([{ status: "done", rows_done: 2000 }]);

    const before = bot.fake.called("chat.postEphemeral").length;
    await bot.command("backfill status prod", REQUESTER);
    const status = await bot.fake.waitFor(() => bot.fake.called("chat.postEphemeral").slice(before).find((c) => c.args.user === REQUESTER), "the status list");
    expect(blockText(status.args)).toMatch(/items.*done.*2,000/);
  });

  it("Pause is refused for a non-approver (ephemeral + audit); an approver pauses, resumes and cancels", async () => {
    const { checkId, ts } = await approvedBackfill("triple.backfill.yml");
    await bot.click(ACTION.apply, checkId, APPROVER, { messageTs: ts });
    const progress = await bot.fake.waitFor(() => threadPosts(ts).find((c) => /Backfilling/.test(blockText(c.args))), "the progress message");
    const runId = actionIds(progress.args).length ? (progress.args.blocks.at(-1).elements[0].value as string) : "";
    const progressTs = progress.result.ts as string;

    await bot.click(ACTION.backfillPause, runId, OUTSIDER, { messageTs: progressTs });
    await bot.fake.waitFor(() => bot.fake.called("chat.postEphemeral").find((c) => c.args.user === OUTSIDER && /Only approvers of prod/.test(c.args.text)), "the refusal");
    expect(await bot.query("SELECT decision FROM lockstep_state.audit_log WHERE actor = $1 AND action = 'backfill pause'", [OUTSIDER])).toEqual([{ decision: "refused" }]);

    await bot.click(ACTION.backfillPause, runId, APPROVER, { messageTs: progressTs });
    const paused = await bot.fake.waitFor(() => updatesOf(progressTs).find((u) => /Backfill paused/.test(blockText(u.args))), "the paused summary");
    expect(actionIds(paused.args)).toEqual([ACTION.backfillResume, ACTION.backfillCancel]);
    const [{ rows_done: pausedAt }] = await bot.query("SELECT rows_done::int AS rows_done FROM lockstep_state.backfill_runs WHERE id = $1", [runId]);
    expect(pausedAt).toBeLessThan(2000);

    await bot.click(ACTION.backfillResume, runId, APPROVER, { messageTs: progressTs });
    await bot.fake.waitFor(async () => (await bot.query("SELECT 1 FROM lockstep_state.backfill_runs WHERE id = $1 AND status = 'running'", [runId])).length > 0, "the resumed run");
    await bot.click(ACTION.backfillCancel, runId, APPROVER, { messageTs: progressTs });
    // the resumed run goes on in the run's one message, ending in the summary
    await bot.fake.waitFor(() => updatesOf(progressTs).find((u) => /Backfill cancelled/.test(blockText(u.args))), "the cancelled summary in the run's message");
    expect(threadPosts(ts).filter((c) => /Backfilling|Backfill (paused|cancelled|done)/.test(blockText(c.args)))).toHaveLength(1);
    const [run] = await bot.query("SELECT status, control_by FROM lockstep_state.backfill_runs WHERE id = $1", [runId]);
    expect(run).toEqual({ status: "cancelled", control_by: APPROVER });
    expect((await bot.targetDb.client.query("SELECT count(*)::int AS n FROM items WHERE tripled IS NULL")).rows[0].n).toBeGreaterThan(0);
  });

  it("a rate-limited run updates its progress message at most once a second, then the summary at once", async () => {
    const { checkId, ts } = await approvedBackfill("quadruple.backfill.yml");
    await bot.click(ACTION.apply, checkId, APPROVER, { messageTs: ts });
    const progress = await bot.fake.waitFor(() => threadPosts(ts).find((c) => /Backfilling/.test(blockText(c.args))), "the progress message");
    const progressTs = progress.result.ts as string;
    const summary = await bot.fake.waitFor(() => updatesOf(progressTs).find((u) => /Backfill done/.test(blockText(u.args))), "the done summary", 60_000);
    const shown = [progress, ...updatesOf(progressTs).filter((u) => u !== summary)];
    expect(shown.every((c) => /Backfilling/.test(blockText(c.args)))).toBe(true);
    // Sends start at least a second apart and never overlap, so (whatever the delivery delays)
    // any two progress calls but one arrive at least a second apart.
    const at = shown.map((c) => c.at);
    expect(at.slice(2).map((t, i) => t - at[i]!).filter((gap) => gap < 1000)).toEqual([]);
    expect(shown.length).toBeLessThanOrEqual((at.at(-1)! - at[0]!) / 1000 + 2);
    expect(threadPosts(ts).filter((c) => /Backfilling|Backfill done/.test(blockText(c.args)))).toHaveLength(1);
    expect(blockText(summary.args)).toContain("2,000 rows");
  });

  it("a spec path outside the migrations dir is refused like check's", async () => {
    const before = bot.fake.called("chat.postEphemeral").length;
    const posts = bot.fake.called("chat.postMessage").length;
    await bot.command("backfill prod ../lockstep.yml", REQUESTER);
    const refusal = await bot.fake.waitFor(() => bot.fake.called("chat.postEphemeral").slice(before).find((c) => c.args.user === REQUESTER), "the refusal");
    expect(blockText(refusal.args)).toMatch(/outside|escapes|inside/i);
    expect(bot.fake.called("chat.postMessage").length).toBe(posts);
  });
});
