import { writeFileSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { beforeAll, describe, expect, it } from "vitest";
import { ACTION } from "../../src/slack/action-ids.js";
import { runLockstep } from "../helpers/cli.js";
import { adminUrl } from "../helpers/db.js";
import { blockText, startTestBot, type TestBot } from "../helpers/slack-bot.js";
import { until } from "../helpers/until.js";
import { LIMIT, Tally } from "./harness.js";

/**
 * Faults around the bot: its state database out of reach for a while (commands answer
 * "temporarily unavailable", ephemerally; the CLI exits 3; nothing half-written; work resumes),
 * and Slack's Web API answering 429 with Retry-After, 500s and dropped connections (retried,
 * the thread catches up, no message twice).
 */
let bot: TestBot;

beforeAll(async () => {
  bot = await startTestBot({
    config: (migrations) => `
targets:
  prod:
    url_env: PROD_URL
    migrations: ${migrations}
    channels: [C1]
    approvals: { approvers: [UAPP], required: { low: 1, medium: 1, high: 1, critical: 1 } }
`,
  });
  await bot.targetDb.client.query("CREATE TABLE users (id bigint PRIMARY KEY, email text)");
  writeFileSync(path.join(bot.migrations, "001_add.sql"), "ALTER TABLE users ADD COLUMN nick text;\n");
});

async function asAdmin(sql: string, params: unknown[] = []): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  try {
    await admin.query(sql, params);
  } finally {
    await admin.end();
  }
}

const reports = () => bot.fake.called("chat.postMessage").filter((c) => !c.args.thread_ts);

describe("the state database out of reach for a while", () => {
  it("Slack commands and clicks answer 'temporarily unavailable' ephemerally, the CLI exits 3; nothing half-written; work resumes", async () => {
    const tally = new Tally("faults: state database unreachable");
    const before = await bot.fake.waitFor(async () => {
      const n = reports().length;
      await bot.command("check prod 001_add.sql", "UREQ");
      return bot.fake.waitFor(() => reports()[n], "a report before the outage");
    }, "a report");
    const checksBefore = (await bot.query("SELECT id FROM lockstep_state.checks")).length;
    const own = (await bot.state.client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]!.pid;
    await asAdmin(`ALTER DATABASE ${bot.state.name} ALLOW_CONNECTIONS false`);
    try {
      await asAdmin("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> $2", [bot.state.name, own]);
      const unavailable = (from: number) => bot.fake.calls.slice(from).find((c) => c.method === "chat.postEphemeral" && /temporarily unavailable/.test(blockText(c.args)));
      const boom = (from: number) => bot.fake.calls.slice(from).some((c) => /internal error|:boom:/.test(blockText(c.args)));
      for (const [name, send] of [
        ["slash command check", () => bot.command("check prod 001_add.sql", "UREQ")],
        ["slash command status", () => bot.command("status prod", "UREQ")],
        ["Approve click", () => bot.click(ACTION.approve, "1", "UAPP", { messageTs: before.result.ts })],
      ] as const) {
        await tally.run(name, async () => {
          const from = bot.fake.calls.length;
          const res = await send();
          if (res.status !== 200) return `HTTP ${res.status} (the ack must not wait for the database)`;
          await bot.running.deps.work.idle();
          const said = await bot.fake.waitFor(() => unavailable(from), "the unavailable note", 30_000).catch(() => undefined);
          if (!said) return `no 'temporarily unavailable' note; calls: ${bot.fake.calls.slice(from).map((c) => `${c.method}: ${blockText(c.args).slice(0, 80)}`).join(" | ")}`;
          return boom(from) ? "an internal error too" : undefined;
        });
      }
      await tally.run("CLI audit exits 3", async () => {
        const r = await runLockstep(["audit"], { env: { DATABASE_URL: bot.state.url } });
        if (r.code !== 3) return `exit ${r.code}: ${r.stderr}`;
        return /temporarily unavailable/.test(r.stderr) ? undefined : `message: ${r.stderr}`;
      });
    } finally {
      await asAdmin(`ALTER DATABASE ${bot.state.name} ALLOW_CONNECTIONS true`);
    }
    await tally.run("nothing half-written during the outage", async () => {
      const n = (await bot.query("SELECT id FROM lockstep_state.checks")).length;
      return n === checksBefore ? undefined : `${n - checksBefore} checks recorded during the outage`;
    });
    await tally.run("work resumes once it is back", async () => {
      await until(async () => (await fetch(`${bot.baseUrl}/healthz`)).status === 200, "healthy again");
      const n = reports().length;
      await bot.command("check prod 001_add.sql", "UREQ");
      await bot.fake.waitFor(() => reports()[n], "a report after the outage");
      return undefined;
    });
    expect(tally.done()).toEqual([]);
  }, LIMIT);
});

describe("Slack's Web API failing for a while", () => {
  it("429 with Retry-After, 500s and dropped connections: retried, the thread catches up, nothing posted twice", async () => {
    const tally = new Tally("faults: Slack 429 / 5xx / resets");
    const rounds: Array<[string, Parameters<TestBot["fake"]["inject"]>[1][]]> = [
      ["429 Retry-After: 1", [{ status: 429, retryAfter: 1 }]],
      ["500 then 503", [{ status: 500 }, { status: 503 }]],
      ["connection reset", [{ reset: true }]],
    ];
    for (const [name, faults] of rounds) {
      await tally.run(`report: ${name}`, async () => {
        const n = reports().length;
        const faultedBefore = bot.fake.faulted.length;
        bot.fake.inject("chat.postMessage", ...faults);
        await bot.command("check prod 001_add.sql", "UREQ");
        const report = await bot.fake.waitFor(() => reports()[n], "the report despite the faults", 30_000);
        await bot.running.deps.work.idle();
        if (bot.fake.faulted.length - faultedBefore !== faults.length) return `${bot.fake.faulted.length - faultedBefore} faults served, expected ${faults.length}`;
        if (reports().length !== n + 1) return `${reports().length - n} reports`;
        // the report's message is updated in place after an approval, even with chat.update failing first
        const [check] = await bot.query("SELECT id FROM lockstep_state.checks WHERE message_ts = $1", [report.result.ts]);
        const updates = () => bot.fake.called("chat.update").filter((u) => u.args.ts === report.result.ts);
        bot.fake.inject("chat.update", ...faults);
        await bot.click(ACTION.approve, check.id, "UAPP", { messageTs: report.result.ts });
        await bot.fake.waitFor(() => updates().find((u) => /Approved|approved/.test(blockText(u.args))), "the approved update", 30_000);
        const notes = () => bot.fake.called("chat.postMessage").filter((c) => c.args.thread_ts === report.result.ts && /approved/.test(c.args.text ?? ""));
        await bot.fake.waitFor(() => notes().length > 0, "the approval note in the thread", 30_000);
        await bot.running.deps.work.idle();
        return notes().length === 1 ? undefined : `${notes().length} approval notes in the thread`;
      });
    }
    expect(tally.done()).toEqual([]);
  }, LIMIT);
});
