import { writeFileSync, symlinkSync, mkdirSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { postSigned, slashCommandBody } from "../helpers/slack-request.js";
import { SIGNING_SECRET, blockText, startTestBot, type TestBot } from "../helpers/slack-bot.js";

let bot: TestBot;

beforeAll(async () => {
  bot = await startTestBot({
    config: (migrations) => `
targets:
  prod:
    url_env: PROD_URL
    migrations: ${migrations}
    channels: [C1]
    approvals: { approvers: [UAPP] }
`,
  });
  writeFileSync(path.join(bot.migrations, "001_init.sql"), "CREATE TABLE t (id int);\n");
  mkdirSync(path.join(bot.dir, "outside"));
  writeFileSync(path.join(bot.dir, "outside", "secret.sql"), "DROP TABLE t;\n");
  symlinkSync(path.join(bot.dir, "outside", "secret.sql"), path.join(bot.migrations, "link.sql"));
});

const now = () => Math.floor(Date.now() / 1000);
const reports = () => bot.fake.called("chat.postMessage").filter((c) => !c.args.thread_ts);

describe("request verification", () => {
  it("answers /healthz", async () => {
    const res = await fetch(`${bot.baseUrl}/healthz`);
    expect(res.status).toBe(200);
  });

  it("rejects a forged signature, a stale and a future timestamp with 401, executing nothing", async () => {
    const body = (text: string) => slashCommandBody({ text, user: "UREQ", channel: "C1" });
    const forged = await postSigned(bot.eventsUrl, SIGNING_SECRET, body("check prod 001_init.sql"), { secret: "not-the-secret" });
    const stale = await postSigned(bot.eventsUrl, SIGNING_SECRET, body("check prod 001_init.sql"), { timestamp: now() - 6 * 60 });
    const future = await postSigned(bot.eventsUrl, SIGNING_SECRET, body("check prod 001_init.sql"), { timestamp: now() + 6 * 60 });
    expect([forged.status, stale.status, future.status]).toEqual([401, 401, 401]);
    // a slightly skewed clock (within 5 minutes either way) is fine
    const skewed = await postSigned(bot.eventsUrl, SIGNING_SECRET, body("help"), { timestamp: now() + 60 });
    expect(skewed.status).toBe(200);
    expect(await skewed.text()).toContain("/migrate check");
    // work accepted before an ack is queued by then: wait for it, so "nothing ran" is not a race
    await bot.running.deps.work.idle();
    expect(await bot.query("SELECT * FROM lockstep_state.checks")).toEqual([]);
    // a request's key is claimed when its work starts (help has none): none of them got that far
    expect(await bot.query("SELECT key FROM lockstep_state.slack_requests WHERE key LIKE 'command:%'")).toEqual([]);
    expect(bot.fake.called("chat.postMessage")).toEqual([]);
  });

  it("deduplicates a Slack retry of the same request", async () => {
    const body = slashCommandBody({ text: "check prod 001_init.sql", user: "UREQ", channel: "C1" });
    const [first, retry] = await Promise.all([
      postSigned(bot.eventsUrl, SIGNING_SECRET, body),
      postSigned(bot.eventsUrl, SIGNING_SECRET, body, { retryNum: 1 }),
    ]);
    const again = await postSigned(bot.eventsUrl, SIGNING_SECRET, body, { retryNum: 2 });
    expect([first.status, retry.status, again.status]).toEqual([200, 200, 200]);
    // every accepted request has queued its work before its ack was answered
    await bot.running.deps.work.idle();
    expect(reports()).toHaveLength(1);
    expect(await bot.query("SELECT id FROM lockstep_state.checks")).toHaveLength(1);
  });
});

describe("paths and input", () => {
  const ephemeral = (re: RegExp) => bot.fake.waitFor(() => bot.fake.called("chat.postEphemeral").find((c) => re.test(c.args.text)), String(re));

  it("refuses paths resolving outside the migrations dir, symlinks included", async () => {
    await bot.command("check prod ../outside/secret.sql", "UREQ");
    await ephemeral(/\.\.\/outside\/secret\.sql is outside/);
    await bot.command("check prod link.sql", "UREQ");
    await ephemeral(/link\.sql is outside/);
    await bot.command("check prod /etc/passwd", "UREQ");
    await ephemeral(/\/etc\/passwd is outside/);
    expect(await bot.query("SELECT * FROM lockstep_state.checks WHERE paths::text LIKE '%secret%'")).toEqual([]);
  });

  it("answers a target only in its configured channels", async () => {
    await bot.command("check prod 001_init.sql", "UREQ", { channel: "COTHER" });
    await ephemeral(/does not answer in this channel/);
  });

  it("escapes user input in mrkdwn so <!channel> stays inert", async () => {
    writeFileSync(path.join(bot.migrations, "002_ping.sql"), "CREATE TABLE ping (id int);\nCOMMENT ON TABLE ping IS '<!channel> <@U123> & co';\n");
    const before = reports().length;
    await bot.command("check prod 002_ping.sql", "UREQ");
    const report = await bot.fake.waitFor(() => reports()[before], "the report");
    const text = blockText(report.args);
    expect(text).toContain("&lt;!channel&gt;");
    expect(text).not.toContain("<!channel>");
    expect(text).not.toContain("<@U123>");
  });

  it("never shows the connection string or token in Slack", () => {
    // the token travels only as the credential of each call, never inside a message
    const everything = JSON.stringify(bot.fake.calls.map(({ args: { token: _credential, ...args } }) => args));
    expect(everything).not.toContain(bot.targetDb.url);
    expect(everything).not.toContain("xoxb-");
  });
});
