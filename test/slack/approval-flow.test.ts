import { writeFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ACTION } from "../../src/slack/action-ids.js";
import { contentHash } from "../../src/approval/content-hash.js";
import { findValidApproval, verifyApproval } from "../../src/approval/verify.js";
import { slackClient } from "../../src/slack/client.js";
import { readContent } from "../../src/approval/migration-source.js";
import { postInThread } from "../../src/slack/thread.js";
import { onApplyRequested, type ApplyRequestedEvent } from "../../src/slack/hooks.js";
import { SIGNING_SECRET, actionIds, blockText, startTestBot, type TestBot } from "../helpers/slack-bot.js";
import { buttonClickBody, postSigned } from "../helpers/slack-request.js";

const REQUESTER = "UREQ";
const APPROVER_A = "UAPPA";
const APPROVER_B = "UAPPB";
const DBA = "UDBA";
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
      approvers: [${APPROVER_A}, ${APPROVER_B}, ${REQUESTER}]
      user_groups: [dba]
      required: { low: 2, medium: 2, high: 2, critical: 2 }
  solo:
    url_env: PROD_URL
    migrations: ${migrations}
    channels: [C1]
    approvals:
      approvers: [${APPROVER_A}, ${APPROVER_B}, ${REQUESTER}]
      required: { low: 1, medium: 1, high: 1, critical: 1 }
`,
    fake: { userGroups: [{ id: "S0DBA", handle: "dba", users: [DBA] }] },
  });
  await bot.targetDb.client.query("CREATE TABLE users (id bigint PRIMARY KEY, email text)");
  // a table with data: the risk model weighs locks by the table's size
  await bot.targetDb.client.query("INSERT INTO users SELECT g, 'u' || g || '@example.com' FROM generate_series(1, 200000) g");
  await bot.targetDb.client.query("ANALYZE users");
  writeFileSync(path.join(bot.migrations, "001_add_name.up.sql"), "ALTER TABLE users ADD COLUMN name text NOT NULL;\n");
  writeFileSync(path.join(bot.migrations, "002_index.up.sql"), "CREATE INDEX users_email ON users (email);\n");
});

/** Run a check and wait for its report; returns the check id and the message ts. */
async function reportFor(spec: string, opts: { user?: string; target?: string } = {}): Promise<{ checkId: string; ts: string; text: string; args: Record<string, any> }> {
  const before = bot.fake.called("chat.postMessage").length;
  const res = await bot.command(`check ${opts.target ?? "prod"} ${spec}`, opts.user ?? REQUESTER);
  expect(res.status).toBe(200);
  const call = await bot.fake.waitFor(() => bot.fake.called("chat.postMessage").slice(before).find((c) => !c.args.thread_ts), "the report");
  const ts = call.result.ts as string;
  const row = await bot.fake.waitFor(
    async () => (await bot.query<{ id: string }>("SELECT id FROM lockstep_state.checks WHERE message_ts = $1", [ts]))[0],
    "the check row",
  );
  return { checkId: row.id, ts, text: blockText(call.args), args: call.args };
}

function updatesOf(ts: string) {
  return bot.fake.called("chat.update").filter((c) => c.args.ts === ts);
}

function ephemeralsTo(user: string) {
  return bot.fake.called("chat.postEphemeral").filter((c) => c.args.user === user);
}

describe("slash command -> report -> approvals", () => {
  it("posts the report in the channel (not ephemeral) with risk, locks and findings", async () => {
    const r = await reportFor("001_add_name.up.sql");
    expect(r.args.channel).toBe("C1");
    expect(r.text).toMatch(/Migration check: prod — (low|medium|high|critical) risk/);
    expect(r.text).toContain("adding-required-field");
    expect(r.text).toContain("AccessExclusiveLock on public.users");
    expect(r.text).toContain("001_add_name.up.sql");
    // the target's database is the schema context: public.users is known, nothing is assumed
    expect(r.text).not.toContain("Assumed");
    expect(actionIds(r.args)).toEqual([ACTION.approve, ACTION.reject]);
    const [audit] = await bot.query("SELECT actor, action, decision, content_hash FROM lockstep_state.audit_log WHERE detail->>'check' = $1", [r.checkId]);
    expect(audit).toMatchObject({ actor: REQUESTER, action: "check", decision: "reported" });
    expect(audit.content_hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("counts approvals from approvers, updates the message in place, then offers Apply", async () => {
    const r = await reportFor("001_add_name.up.sql");
    expect((await bot.click(ACTION.approve, r.checkId, APPROVER_A, { messageTs: r.ts })).status).toBe(200);
    const first = await bot.fake.waitFor(() => updatesOf(r.ts)[0], "the first update");
    expect(blockText(first.args)).toContain("Approvals 1/2");
    const approvedNote = await bot.fake.waitFor(
      () => bot.fake.called("chat.postMessage").find((c) => c.args.thread_ts === r.ts && /approved \(1\/2\)/.test(c.args.text)),
      "the thread note",
    );
    expect(approvedNote.args.text).toContain(APPROVER_A);
    expect(actionIds(first.args)).toContain(ACTION.approve);

    await bot.click(ACTION.approve, r.checkId, DBA, { messageTs: r.ts }); // approver through the dba user group
    const second = await bot.fake.waitFor(() => updatesOf(r.ts)[1], "the second update");
    expect(blockText(second.args)).toContain("Approved");
    expect(actionIds(second.args)).toEqual([ACTION.apply, ACTION.reject]);

    const approvals = await bot.query("SELECT approver FROM lockstep_state.approvals WHERE check_id = $1 ORDER BY approver", [r.checkId]);
    expect(approvals.map((a) => a.approver)).toEqual([APPROVER_A, DBA].sort());
    const [check] = await bot.query("SELECT status FROM lockstep_state.checks WHERE id = $1", [r.checkId]);
    expect(check.status).toBe("approved");
    expect((await verifyApproval({ pool: bot.running.store.pool, loaded: bot.running.deps.loaded, cwd: bot.dir }, r.checkId)).valid).toBe(true);

    const seen: ApplyRequestedEvent[] = [];
    const off = onApplyRequested(async (e) => void seen.push(e));
    try {
      await bot.click(ACTION.apply, r.checkId, APPROVER_B, { messageTs: r.ts });
      await bot.fake.waitFor(() => seen[0], "the apply hook");
    } finally {
      off();
    }
    expect(seen[0]!.thread).toEqual({ channel: "C1", threadTs: r.ts });
    expect(seen[0]!.request).toMatchObject({ checkId: r.checkId, target: "prod", requestedBy: APPROVER_B });
    const requests = await bot.query("SELECT check_id, requested_by, status FROM lockstep_state.apply_requests WHERE check_id = $1", [r.checkId]);
    expect(requests).toEqual([{ check_id: r.checkId, requested_by: APPROVER_B, status: "requested" }]);
    const note = await bot.fake.waitFor(() => bot.fake.called("chat.postMessage").find((c) => c.args.thread_ts === r.ts && /Apply requested/.test(c.args.text)), "the thread note");
    expect(note.args.channel).toBe("C1");
  });

  it("refuses self-approval with an ephemeral message and an audit entry", async () => {
    const r = await reportFor("002_index.up.sql");
    await bot.click(ACTION.approve, r.checkId, REQUESTER, { messageTs: r.ts });
    const refusal = await bot.fake.waitFor(() => ephemeralsTo(REQUESTER).find((c) => /someone else/.test(c.args.text)), "the refusal");
    expect(refusal.args.channel).toBe("C1");
    expect(await bot.query("SELECT * FROM lockstep_state.approvals WHERE check_id = $1", [r.checkId])).toEqual([]);
    const audit = await bot.query("SELECT actor, action, decision FROM lockstep_state.audit_log WHERE detail->>'check' = $1 AND decision = 'refused'", [r.checkId]);
    expect(audit).toEqual([{ actor: REQUESTER, action: "approve", decision: "refused" }]);
  });

  it("refuses a non-approver", async () => {
    const r = await reportFor("002_index.up.sql");
    await bot.click(ACTION.approve, r.checkId, OUTSIDER, { messageTs: r.ts });
    await bot.fake.waitFor(() => ephemeralsTo(OUTSIDER).find((c) => /not an approver/.test(c.args.text)), "the refusal");
    expect(await bot.query("SELECT * FROM lockstep_state.approvals WHERE check_id = $1", [r.checkId])).toEqual([]);
    const [audit] = await bot.query("SELECT actor, decision FROM lockstep_state.audit_log WHERE detail->>'check' = $1 AND decision = 'refused'", [r.checkId]);
    expect(audit).toEqual({ actor: OUTSIDER, decision: "refused" });
  });

  it("counts a double click once", async () => {
    const r = await reportFor("001_add_name.up.sql");
    const responses = await Promise.all([
      bot.click(ACTION.approve, r.checkId, APPROVER_A, { messageTs: r.ts }),
      bot.click(ACTION.approve, r.checkId, APPROVER_A, { messageTs: r.ts }),
      bot.click(ACTION.approve, r.checkId, APPROVER_A, { messageTs: r.ts }),
    ]);
    expect(responses.map((x) => x.status)).toEqual([200, 200, 200]);
    await bot.running.deps.work.idle();
    expect(updatesOf(r.ts)).toHaveLength(3);
    const approvals = await bot.query("SELECT approver FROM lockstep_state.approvals WHERE check_id = $1", [r.checkId]);
    expect(approvals).toEqual([{ approver: APPROVER_A }]);
    const [check] = await bot.query("SELECT status FROM lockstep_state.checks WHERE id = $1", [r.checkId]);
    expect(check.status).toBe("pending");
    for (const u of updatesOf(r.ts)) expect(blockText(u.args)).toContain("Approvals 1/2");
  });

  it("voids the approval when the file changes after it was approved", async () => {
    const file = path.join(bot.migrations, "003_change_me.up.sql");
    writeFileSync(file, "CREATE INDEX users_id_email ON users (id, email);\n");
    const r = await reportFor("003_change_me.up.sql", { target: "solo" }); // one approval needed
    await bot.click(ACTION.approve, r.checkId, APPROVER_A, { messageTs: r.ts });
    await bot.fake.waitFor(() => updatesOf(r.ts).find((u) => actionIds(u.args).includes(ACTION.apply)), "approved");
    const opts = { pool: bot.running.store.pool, loaded: bot.running.deps.loaded, cwd: bot.dir };
    expect((await verifyApproval(opts, r.checkId)).valid).toBe(true);

    writeFileSync(file, "CREATE INDEX users_id_email ON users (id, email); DROP TABLE users;\n");
    const validity = await verifyApproval(opts, r.checkId);
    expect(validity).toMatchObject({ valid: false, reason: expect.stringContaining("changed") });

    await bot.click(ACTION.apply, r.checkId, APPROVER_A, { messageTs: r.ts });
    const voided = await bot.fake.waitFor(() => updatesOf(r.ts).find((u) => /Approval void/.test(blockText(u.args))), "the void update");
    expect(actionIds(voided.args)).toEqual([]);
    const [check] = await bot.query("SELECT status FROM lockstep_state.checks WHERE id = $1", [r.checkId]);
    expect(check.status).toBe("void");
    expect(await bot.query("SELECT * FROM lockstep_state.apply_requests WHERE check_id = $1", [r.checkId])).toEqual([]);
    const [audit] = await bot.query("SELECT decision FROM lockstep_state.audit_log WHERE detail->>'check' = $1 AND decision = 'void'", [r.checkId]);
    expect(audit).toEqual({ decision: "void" });
  });

  it("an expired approval cannot be applied, and the message says so", async () => {
    const r = await reportFor("002_index.up.sql", { target: "solo" }); // one approval needed
    await bot.click(ACTION.approve, r.checkId, APPROVER_A, { messageTs: r.ts });
    await bot.fake.waitFor(() => updatesOf(r.ts).find((u) => actionIds(u.args).includes(ACTION.apply)), "approved");
    await bot.query("UPDATE lockstep_state.checks SET expires_at = now() - interval '1 second' WHERE id = $1", [r.checkId]);
    await bot.click(ACTION.apply, r.checkId, APPROVER_A, { messageTs: r.ts });
    await bot.fake.waitFor(() => ephemeralsTo(APPROVER_A).find((c) => /approval expired/.test(c.args.text)), "the refusal");
    const expired = await bot.fake.waitFor(() => updatesOf(r.ts).find((u) => /Expired/.test(blockText(u.args))), "the expired update");
    expect(actionIds(expired.args)).toEqual([]);
    expect(await bot.query("SELECT * FROM lockstep_state.apply_requests WHERE check_id = $1", [r.checkId])).toEqual([]);
  });
});

describe("two bot replicas on one state database", () => {
  it("count an approval once, and run a request delivered to both once", async () => {
    const replica = await startTestBot({ config: () => "", replicaOf: bot });
    const r = await reportFor("001_add_name.up.sql");
    const body = buttonClickBody({ actionId: ACTION.approve, value: r.checkId, user: APPROVER_A, channel: "C1", messageTs: r.ts });
    const responses = await Promise.all([
      postSigned(bot.eventsUrl, SIGNING_SECRET, body),
      postSigned(replica.eventsUrl, SIGNING_SECRET, body, { retryNum: 1 }),
      bot.click(ACTION.approve, r.checkId, APPROVER_A, { messageTs: r.ts }),
      replica.click(ACTION.approve, r.checkId, APPROVER_A, { messageTs: r.ts }),
    ]);
    expect(responses.map((x) => x.status)).toEqual([200, 200, 200, 200]);
    // the same delivery runs once: three clicks run, three updates (the work is queued before the ack is answered)
    await Promise.all([bot.running.deps.work.idle(), replica.running.deps.work.idle()]);
    expect(updatesOf(r.ts)).toHaveLength(3);
    expect(await bot.query("SELECT approver FROM lockstep_state.approvals WHERE check_id = $1", [r.checkId])).toEqual([{ approver: APPROVER_A }]);
    const audits = await bot.query("SELECT count(*)::int AS n FROM lockstep_state.audit_log WHERE detail->>'check' = $1 AND action = 'approve'", [r.checkId]);
    expect(audits).toEqual([{ n: 1 }]);
  });
});

describe("hooks for apply and backfill", () => {
  it("findValidApproval finds the approval for exactly these files", async () => {
    writeFileSync(path.join(bot.migrations, "004_cli.up.sql"), "CREATE INDEX users_email2 ON users (email);\n");
    const r = await reportFor("004_cli.up.sql", { target: "solo" });
    const opts = { pool: bot.running.store.pool, loaded: bot.running.deps.loaded, cwd: bot.dir };
    const hashOf = (target: string, file = "004_cli.up.sql") => contentHash(readContent(bot.migrations, [file]), target);
    expect(await findValidApproval(opts, "solo", hashOf("solo"))).toBeUndefined();
    await bot.click(ACTION.approve, r.checkId, APPROVER_A, { messageTs: r.ts });
    await bot.fake.waitFor(() => updatesOf(r.ts).find((u) => actionIds(u.args).includes(ACTION.apply)), "approved");
    expect(await findValidApproval(opts, "solo", hashOf("solo"))).toMatchObject({ valid: true, check: { id: r.checkId } });
    expect(await findValidApproval(opts, "prod", hashOf("prod"))).toBeUndefined(); // bound to the target too
    expect(await findValidApproval(opts, "solo", hashOf("solo", "002_index.up.sql"))).toBeUndefined();
  });

  it("postInThread posts into the report's thread with a client built from the environment", async () => {
    const client = slackClient({ SLACK_BOT_TOKEN: "xoxb-job", SLACK_API_URL: bot.fake.apiUrl });
    const ts = await postInThread(client, { channel: "C1", threadTs: "1700000000.000001" }, { text: "step 1/2", blocks: [] });
    expect(ts).toMatch(/^\d+\.\d+$/);
    const call = bot.fake.called("chat.postMessage").find((c) => c.args.text === "step 1/2");
    expect(call?.args).toMatchObject({ channel: "C1", thread_ts: "1700000000.000001" });
    expect(call?.token).toBe("xoxb-job");
  });
});
