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
    apply:
      lock_timeout: 500ms
    approvals:
      approvers: [${APPROVER}]
      required: { low: 1, medium: 1, high: 1, critical: 1 }
`,
  });
  await bot.targetDb.client.query("CREATE TABLE gate (closed boolean); INSERT INTO gate VALUES (true)");
  writeFileSync(path.join(bot.migrations, "001_create_t.up.sql"), "CREATE TABLE t (id int);\n");
  writeFileSync(path.join(bot.migrations, "002_slow.up.sql"), "INSERT INTO t VALUES (1);\nSELECT pg_sleep(60) FROM gate WHERE closed;\n");
});

/** Check a file, approve it, and return the report's ts (the thread) once Apply is offered. */
async function approved(spec: string): Promise<{ checkId: string; ts: string }> {
  const before = bot.fake.called("chat.postMessage").length;
  await bot.command(`check prod ${spec}`, REQUESTER);
  const call = await bot.fake.waitFor(() => bot.fake.called("chat.postMessage").slice(before).find((c) => !c.args.thread_ts), "the report");
  const ts = call.result.ts as string;
  const [row] = await bot.fake.waitFor(async () => {
    const rows = await bot.query<{ id: string }>("SELECT id FROM lockstep_state.checks WHERE message_ts = $1", [ts]);
    return rows.length ? rows : undefined;
  }, "the check");
  await bot.click(ACTION.approve, row!.id, APPROVER, { messageTs: ts });
  await bot.fake.waitFor(() => bot.fake.called("chat.update").find((u) => u.args.ts === ts && actionIds(u.args).includes(ACTION.apply)), "the Apply button");
  return { checkId: row!.id, ts };
}

const inThread = (ts: string, method: string) => bot.fake.called(method).filter((c) => c.args.thread_ts === ts || (method === "chat.update" && c.args.channel === "C1"));

describe("Apply button", () => {
  it("a double click applies once, with one progress message updated in place into the summary", async () => {
    const { checkId, ts } = await approved("001_create_t.up.sql");
    await Promise.all([bot.click(ACTION.apply, checkId, APPROVER, { messageTs: ts }), bot.click(ACTION.apply, checkId, APPROVER, { messageTs: ts })]);
    const progress = await bot.fake.waitFor(() => inThread(ts, "chat.postMessage").find((c) => /Applying to prod|Applied on prod/.test(blockText(c.args))), "the progress message");
    const progressTs = progress.result.ts as string;
    const summary = await bot.fake.waitFor(
      () => [progress, ...bot.fake.called("chat.update").filter((u) => u.args.ts === progressTs)].find((c) => /Applied on `prod`/.test(blockText(c.args))),
      "the summary in place of the progress message",
    );
    expect(blockText(summary.args)).toContain("001_create_t.up.sql");
    expect(actionIds(summary.args)).not.toContain(ACTION.applyCancel);
    expect((await bot.targetDb.client.query("SELECT version, applied_by FROM lockstep.migrations")).rows).toEqual([{ version: "1", applied_by: APPROVER }]);
    expect((await bot.targetDb.client.query("SELECT version::int, dirty FROM schema_migrations")).rows).toEqual([{ version: 1, dirty: false }]);
    expect(await bot.query("SELECT status FROM lockstep_state.apply_runs WHERE check_id = $1", [checkId])).toEqual([{ status: "applied" }]);
    const audit = await bot.query("SELECT decision FROM lockstep_state.audit_log WHERE action = 'apply' AND detail->>'check' = $1 AND decision = 'applied'", [checkId]);
    expect(audit).toHaveLength(1);
    const snapshot = await bot.query("SELECT snapshot ? 'public.t' AS has_t FROM lockstep_state.schema_snapshots WHERE target = 'prod'");
    expect(snapshot).toEqual([{ has_t: true }]);
  });

  it("Cancel: refused for non-approvers; an approver's click cancels the running statement and the apply stops cleanly", async () => {
    const { checkId, ts } = await approved("002_slow.up.sql");
    await bot.click(ACTION.apply, checkId, APPROVER, { messageTs: ts });
    await bot.fake.waitFor(async () => {
      const r = await bot.targetDb.client.query("SELECT 1 FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(60)%' AND state = 'active'");
      return (r.rowCount ?? 0) > 0;
    }, "the apply to be inside the slow statement");
    const [run] = await bot.query<{ job_id: string }>("SELECT job_id FROM lockstep_state.apply_runs WHERE check_id = $1", [checkId]);
    const progress = await bot.fake.waitFor(() => inThread(ts, "chat.postMessage").find((c) => actionIds(c.args).includes(ACTION.applyCancel)), "the Cancel button");

    await bot.click(ACTION.applyCancel, run!.job_id, OUTSIDER, { messageTs: progress.result.ts as string });
    await bot.fake.waitFor(() => bot.fake.called("chat.postEphemeral").find((c) => c.args.user === OUTSIDER && /Only approvers/.test(c.args.text)), "the refusal");

    await bot.click(ACTION.applyCancel, run!.job_id, APPROVER, { messageTs: progress.result.ts as string });
    const summary = await bot.fake.waitFor(
      () => bot.fake.called("chat.update").find((u) => u.args.ts === progress.result.ts && /Apply stopped/.test(blockText(u.args))),
      "the stopped summary",
    );
    expect(blockText(summary.args)).toContain(`cancelled by ${APPROVER}`);
    expect((await bot.targetDb.client.query("SELECT count(*)::int AS n FROM t")).rows[0].n).toBe(0);
    expect((await bot.targetDb.client.query("SELECT count(*)::int AS n FROM lockstep.migrations WHERE version = '2'")).rows[0].n).toBe(0);
    expect(await bot.query("SELECT status, cancel_requested_by FROM lockstep_state.apply_runs WHERE check_id = $1", [checkId])).toEqual([{ status: "stopped", cancel_requested_by: APPROVER }]);
  });

  it("`/migrate check prod pending` reads the history as apply does (golang-migrate: one row, every version up to it applied)", async () => {
    writeFileSync(path.join(bot.migrations, "003_more.up.sql"), "CREATE TABLE more (id int);\n");
    await bot.targetDb.client.query("DELETE FROM lockstep.migrations; TRUNCATE schema_migrations; INSERT INTO schema_migrations VALUES (2, false)");
    const before = bot.fake.called("chat.postMessage").length;
    await bot.command("check prod pending", REQUESTER);
    const report = await bot.fake.waitFor(() => bot.fake.called("chat.postMessage").slice(before).find((c) => !c.args.thread_ts), "the report");
    const text = blockText(report.args);
    expect(text).toContain("003_more.up.sql");
    expect(text).not.toContain("001_create_t.up.sql");
    expect(text).not.toContain("002_slow.up.sql");
  });
});
