import { writeFileSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { beforeAll, describe, expect, it } from "vitest";
import { ACTION } from "../../src/slack/action-ids.js";
import { createTestDatabase } from "../helpers/db.js";
import { blockText, startTestBot, type TestBot } from "../helpers/slack-bot.js";
import { backfill, createUsers } from "../backfill/helpers.js";
import { openStore } from "../../src/store/store.js";
import { LIMIT, Tally, scale } from "./harness.js";

/**
 * Load on 127.0.0.1: concurrent signed slash commands (each acked and analysed), approvals
 * racing on one check (each counted once, "fully approved" once), backfills at once on a
 * bounded state pool (every row changed exactly once). Outcomes are asserted; latencies are
 * printed as JSON figures, never asserted.
 */
let bot: TestBot;
const APPROVERS = Array.from({ length: 10 }, (_, i) => `UAPP${i}`);

beforeAll(async () => {
  bot = await startTestBot({
    config: (migrations) => `
targets:
  prod:
    url_env: PROD_URL
    migrations: ${migrations}
    channels: [C1]
    approvals: { approvers: [${APPROVERS.join(", ")}], required: { low: 3, medium: 3, high: 3, critical: 3 } }
`,
  });
  await bot.targetDb.client.query("CREATE TABLE users (id bigint PRIMARY KEY, email text)");
  writeFileSync(path.join(bot.migrations, "001_add.sql"), "ALTER TABLE users ADD COLUMN nick text;\n");
});

function figures(xs: number[]) {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return { n: s.length, min: s[0], median: at(0.5), p95: at(0.95), max: s[s.length - 1] };
}

const reports = () => bot.fake.called("chat.postMessage").filter((c) => !c.args.thread_ts);

describe("load", () => {
  it("concurrent signed slash commands: every one acked and analysed, one report each", async () => {
    const n = scale(20, 200);
    const tally = new Tally("load: concurrent slash commands");
    const before = reports().length;
    const checksBefore = (await bot.query("SELECT id FROM lockstep_state.checks")).length;
    const started = Date.now();
    const acks = await Promise.all(
      Array.from({ length: n }, async (_, i) => {
        const t0 = Date.now();
        const res = await bot.command("check prod 001_add.sql", `UREQ${i}`);
        return { status: res.status, ms: Date.now() - t0, at: t0 };
      }),
    );
    for (const [i, a] of acks.entries()) tally.add(`ack ${i}`, a.status === 200 ? undefined : `HTTP ${a.status}`);
    await bot.fake.waitFor(() => reports().length >= before + n, `${n} reports`, 600_000);
    await bot.running.deps.work.idle();
    const posted = reports().slice(before);
    const requesters = new Set(posted.map((r) => blockText(r.args).match(/UREQ\d+/)?.[0] ?? r.args.text));
    tally.add("one report per command", posted.length === n ? undefined : `${posted.length} reports for ${n} commands`);
    const checks = (await bot.query("SELECT requested_by FROM lockstep_state.checks")).length - checksBefore;
    tally.add("one check per command", checks === n ? undefined : `${checks} checks`);
    tally.lost = Math.max(0, n - posted.length);
    tally.doubled = Math.max(0, posted.length - n);
    console.log(JSON.stringify({
      load: "slash commands",
      commands: n,
      ack_ms: figures(acks.map((a) => a.ms)),
      report_after_ms: figures(posted.map((r) => r.at - started)),
      distinct_requesters_seen: requesters.size,
    }));
    expect(tally.done()).toEqual([]);
  }, LIMIT);

  it("approvals racing on one check: each approver counted once, 'fully approved' once", async () => {
    const tally = new Tally("load: racing approvals");
    const n = reports().length;
    await bot.command("check prod 001_add.sql", "UREQ");
    const report = await bot.fake.waitFor(() => reports()[n], "the report");
    const [check] = await bot.fake.waitFor(async () => {
      const rows = await bot.query("SELECT id FROM lockstep_state.checks WHERE message_ts = $1", [report.result.ts]);
      return rows.length ? rows : undefined;
    }, "the check");
    const t0 = Date.now();
    // ten approvers at once, and one of them clicking ten times
    const clicks = await Promise.all([
      ...APPROVERS.map((u) => bot.click(ACTION.approve, check.id, u, { messageTs: report.result.ts })),
      ...Array.from({ length: 10 }, () => bot.click(ACTION.approve, check.id, APPROVERS[0]!, { messageTs: report.result.ts })),
    ]);
    const ackMs = Date.now() - t0;
    tally.add("every click acked", clicks.every((c) => c.status === 200) ? undefined : "a click was not acked");
    await bot.running.deps.work.idle();
    const approvals = await bot.query("SELECT approver FROM lockstep_state.approvals WHERE check_id = $1", [check.id]);
    const distinct = new Set(approvals.map((a) => a.approver));
    tally.add("each approver counted once", approvals.length === distinct.size ? undefined : `${approvals.length} rows for ${distinct.size} approvers`);
    tally.add("status approved", (await bot.query("SELECT status FROM lockstep_state.checks WHERE id = $1", [check.id]))[0].status === "approved" ? undefined : "not approved");
    const fully = await bot.query("SELECT count(*)::int AS n FROM lockstep_state.audit_log WHERE detail->>'check' = $1 AND decision = 'approved (fully)'", [check.id]);
    tally.add("'fully approved' audited once", fully[0].n === 1 ? undefined : `${fully[0].n} times`);
    const notes = bot.fake.called("chat.postMessage").filter((c) => c.args.thread_ts === report.result.ts && /fully approved/.test(c.args.text ?? ""));
    tally.add("'fully approved' said once in the thread", notes.length === 1 ? undefined : `${notes.length} notes`);
    console.log(JSON.stringify({ load: "racing approvals", clicks: clicks.length, all_acked_ms: ackMs, approvals_counted: approvals.length }));
    expect(tally.done()).toEqual([]);
  }, LIMIT);
});

describe("backfills at once on a bounded state pool", () => {
  it("4 backfills on different tables, state pool of 2 connections: all finish, every row changed exactly once", async () => {
    const tally = new Tally("load: concurrent backfills");
    const db = await createTestDatabase("loadbf");
    const stateDb = await createTestDatabase("loadstate");
    const store = await openStore(stateDb.url, { startQueue: false });
    // the bound under test: fewer state connections than backfills running
    const state = new pg.Pool({ connectionString: stateDb.url, max: 2 });
    let peak = 0;
    state.on("acquire", () => (peak = Math.max(peak, state.totalCount)));
    const rows = scale(1500, 20000);
    const tables = ["lb1", "lb2", "lb3", "lb4"];
    for (const t of tables) await createUsers(db.client, t, rows);
    const t0 = Date.now();
    try {
      const results = await Promise.all(tables.map((t) => backfill(db, state, { table: t, set: "normalized_email = lower(email)", batch_size: 100 }).then((r) => ({ ...r, ms: Date.now() - t0 }))));
      for (const [i, r] of results.entries()) tally.add(`${tables[i]} done`, r.status === "done" && r.remaining === 0 ? undefined : `status ${r.status}, remaining ${r.remaining}`);
      for (const t of tables) {
        const [c] = (await db.client.query<{ lost: number; doubled: number }>(`SELECT count(*) FILTER (WHERE touches = 0)::int AS lost, count(*) FILTER (WHERE touches > 1)::int AS doubled FROM ${t}`)).rows;
        tally.lost += c!.lost;
        tally.doubled += c!.doubled;
        tally.add(`${t}: every row exactly once`, c!.lost === 0 && c!.doubled === 0 ? undefined : `${c!.lost} lost, ${c!.doubled} doubled`);
      }
      tally.add("state pool stayed bounded", peak <= 2 ? undefined : `${peak} connections`);
      console.log(JSON.stringify({ load: "concurrent backfills", backfills: tables.length, rows_each: rows, state_pool_max: 2, state_pool_peak: peak, finished_ms: results.map((r) => r.ms) }));
    } finally {
      await state.end();
      await store.close();
    }
    expect(tally.done()).toEqual([]);
  }, LIMIT);
});
