import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { INPUT, VIEW } from "../../src/slack/action-ids.js";
import type { SlackCall } from "../helpers/fake-slack.js";
import { BOT_TOKEN, SIGNING_SECRET, blockText, startTestBot, type TestBot } from "../helpers/slack-bot.js";
import { generatedCases, handWrittenCases } from "./cases.js";
import { canaryFingerprint, installCanary } from "./canary.js";
import { FULL, LIMIT, Tally, scale } from "./harness.js";

/**
 * Bad input through Slack: signed slash command text, modal submissions (pasted SQL) and shared
 * files. Each case is answered (a report, an ephemeral note or a form error), never with an
 * internal error; mentions and mrkdwn from the input stay inert; nothing runs on the target
 * (a canary database) and no apply or backfill is started.
 */
let bot: TestBot;
const binary = Buffer.from([0, 1, 2, 0xff, 0xfe, 0, 0x80]).toString("latin1");
const FILES: Record<string, { name: string; content: string; channels?: string[] }> = {
  FBIN: { name: "binary.sql", content: binary },
  FMENTION: { name: "<!channel>.sql", content: "COMMENT ON TABLE users IS '<!channel> <@U123> *bold*';\n" },
  FEMPTY: { name: "empty.sql", content: "" },
  FTRUNC: { name: "cut.sql", content: "ALTER TABLE users ADD COLUMN email2 text NOT NU" },
  FNOTSQL: { name: "passwd", content: "root:x:0:0:root:/root:/bin/bash\n" },
  FDEEP: { name: "deep.sql", content: `SELECT ${"ARRAY[".repeat(4000)}1${"]".repeat(4000)};\n` },
  FBIG: { name: "big.sql", content: "SELECT 1;\n".repeat(200_000) },
  FTRAVERSAL: { name: "../../etc/passwd.sql", content: "SELECT 1;\n" },
};
const MENTIONS = /<!channel>|<!here>|<!everyone>|<@U123>|<#C999>|<!subteam\^S1>/;

beforeAll(async () => {
  bot = await startTestBot({
    config: (migrations) => `
targets:
  prod:
    url_env: PROD_URL
    migrations: ${migrations}
    channels: [C1]
    approvals: { approvers: [UAPP], allow_adhoc_sql: true }
`,
    fake: { files: Object.fromEntries(Object.entries(FILES).map(([id, f]) => [id, { ...f, channels: f.channels ?? ["C1"] }])) },
  });
  await installCanary(bot.targetDb.client);
  writeFileSync(path.join(bot.migrations, "001_init.sql"), "ALTER TABLE users ADD COLUMN nick text;\n");
  writeFileSync(path.join(bot.migrations, "002_<!channel>.sql"), "COMMENT ON TABLE users IS '<!channel> <@U123>';\n");
  mkdirSync(path.join(bot.dir, "outside"));
  writeFileSync(path.join(bot.dir, "outside", "secret.sql"), "DROP TABLE users;\n");
  symlinkSync(path.join(bot.dir, "outside", "secret.sql"), path.join(bot.migrations, "link.sql"));
  symlinkSync("/etc/passwd", path.join(bot.migrations, "passwd.sql"));
});

/** Send one request and judge everything the bot did about it. */
async function judged(send: () => Promise<Response>): Promise<string | undefined> {
  const before = bot.fake.calls.length;
  const res = await send();
  const body = await res.text();
  if (res.status !== 200) return `HTTP ${res.status}: ${body.slice(0, 200)}`;
  await bot.running.deps.work.idle();
  const answers = () => bot.fake.calls.slice(before).filter((c) => c.method.startsWith("chat.") || c.method === "views.open");
  // a modal opens outside the work queue (its trigger expires in 3 s): wait for it, with a hang guard
  if (!body.trim()) await bot.fake.waitFor(() => answers().length > 0, "an answer", 15_000).catch(() => undefined);
  const calls: SlackCall[] = answers();
  const said = [body, ...calls.map((c) => blockText(c.args))].join("\n");
  if (!body.trim() && calls.length === 0) return "no answer at all";
  if (/internal error|:boom:/i.test(said)) return `internal error: ${said.slice(0, 300)}`;
  if (MENTIONS.test(said)) return `a mention from the input went out live: ${said.match(MENTIONS)![0]}`;
  if (said.includes(bot.targetDb.url) || said.includes(BOT_TOKEN) || said.includes(SIGNING_SECRET)) return "a secret went out";
  for (const c of calls) {
    const blocks: unknown[] = c.args.blocks ?? [];
    if (blocks.length > 50) return `${blocks.length} blocks (limit 50)`;
    for (const b of blocks as Array<{ text?: { text?: string } }>) if ((b.text?.text?.length ?? 0) > 3000) return "a section over 3000 characters";
  }
  return undefined;
}

const modal = (sql: string | null, files: Array<{ id: string }> = [], privateMetadata = JSON.stringify({ channel: "C1" })) =>
  bot.submitView(VIEW.checkModal, "UREQ", privateMetadata, {
    [INPUT.target.block]: { [INPUT.target.action]: { type: "static_select", selected_option: { value: "prod" } } },
    [INPUT.sql.block]: { [INPUT.sql.action]: { type: "plain_text_input", value: sql } },
    [INPUT.file.block]: { [INPUT.file.action]: { type: "file_input", files } },
  });

describe("bad input through Slack", () => {
  it("slash command text: unknown commands and targets, paths escaping the migrations dir, odd bytes and mentions", async () => {
    const tally = new Tally("bad input: Slack slash commands");
    const before = await canaryFingerprint(bot.targetDb.client);
    const texts = [
      "",
      "   ",
      "frobnicate",
      "check",
      "check nope 001_init.sql",
      "check prod",
      "check prod no-such-file.sql",
      "check prod ../../etc/passwd",
      "check prod ../outside/secret.sql",
      "check prod /etc/passwd",
      "check prod link.sql",
      "check prod passwd.sql",
      "check prod 001_init.sql\u0000DROP TABLE users",
      "check prod 002_<!channel>.sql",
      "check <!channel> <@U123>",
      "<!channel> <@U123> *bold* `code`",
      "status <!here>",
      "audit '; DROP TABLE users; --",
      "apply prod",
      "apply prod 999999",
      "backfill prod nope.yml",
      "reject",
      "check prod " + "a/".repeat(2000) + "x.sql",
      "check prod 001_init.sql ".repeat(200),
      "\u202echeck prod 001_init.sql",
      "check prod %2e%2e/%2e%2e/etc/passwd",
      "check prod ~/.ssh/id_rsa",
      "check prod C:\\Windows\\win.ini",
      ...generatedCases(scale(8, 300), 4242).map((c) => `check prod ${c.bytes.toString("utf8").slice(0, 500)}`),
    ];
    for (const [i, text] of texts.entries()) await tally.run(`#${i} ${JSON.stringify(text.slice(0, 40))}`, () => judged(() => bot.command(text, "UREQ")));
    const after = await canaryFingerprint(bot.targetDb.client);
    tally.add("target canary unchanged", JSON.stringify(after) === JSON.stringify(before) ? undefined : JSON.stringify({ before, after }));
    const started = await bot.query("SELECT (SELECT count(*) FROM lockstep_state.apply_requests)::int AS applies");
    tally.add("no apply requested", started[0].applies === 0 ? undefined : `${started[0].applies} apply requests`);
    expect(tally.done()).toEqual([]);
  }, LIMIT);

  it("modal submissions: pasted bad SQL (fixed-seed cases), oversized input, tampered private_metadata", async () => {
    const tally = new Tally("bad input: Slack modal submissions");
    const before = await canaryFingerprint(bot.targetDb.client);
    // an ad-hoc check reads the target's catalog each time: a few cases under npm test, hundreds in full
    const hand = handWrittenCases(false);
    const cases = [...generatedCases(scale(8, 500), 777), ...(FULL ? hand : hand.filter((_, i) => i % 4 === 0))];
    for (const c of cases) {
      // Slack carries text as JSON strings: invalid UTF-8 arrives as U+FFFD, NUL as \u0000
      const sql = c.bytes.toString("utf8");
      await tally.run(c.name, async () => {
        const res = await modal(sql);
        if (res.status !== 200) return `HTTP ${res.status}`;
        return judged(async () => new Response((await res.text()) || " ", { status: 200 }));
      });
    }
    const odd: Array<[string, () => Promise<Response>]> = [
      // thousands of statements: analysed, the first of them verified on the shadow, the rest said unverified
      [`${FULL ? "1 MB" : "100 kB"} of SQL (over Slack's 3000-character input)`, () => modal("SELECT 1;\n".repeat(FULL ? 100_000 : 10_000))],
      ["over 1 MiB of SQL", () => modal("-- padding\n".repeat(110_000))],
      ["null SQL and no file", () => modal(null)],
      ["private_metadata not JSON", () => modal("SELECT 1;", [], "{not json")],
      ["private_metadata of another channel", () => modal("SELECT 1;", [], JSON.stringify({ channel: "COTHER" }))],
      ["private_metadata with extra keys", () => modal("SELECT 1;", [], JSON.stringify({ channel: "C1", checkId: "1", approved: true, user: "UAPP" }))],
      ["private_metadata huge", () => modal("SELECT 1;", [], JSON.stringify({ channel: "C1", pad: "x".repeat(200_000) }))],
    ];
    for (const [name, send] of odd) await tally.run(name, () => judged(send));
    const after = await canaryFingerprint(bot.targetDb.client);
    tally.add("target canary unchanged", JSON.stringify(after) === JSON.stringify(before) ? undefined : JSON.stringify({ before, after }));
    expect(tally.done()).toEqual([]);
  }, LIMIT);

  it("shared files: binary, empty, truncated, not .sql, deeply nested, 200k statements, names with mentions and ../", async () => {
    const tally = new Tally("bad input: Slack shared files");
    const before = await canaryFingerprint(bot.targetDb.client);
    for (const id of Object.keys(FILES)) await tally.run(`file ${FILES[id]!.name}`, () => judged(() => modal(null, [{ id }])));
    await tally.run("file that does not exist", () => judged(() => modal(null, [{ id: "FNOPE" }])));
    await tally.run("two files", () => judged(() => modal(null, [{ id: "FTRUNC" }, { id: "FEMPTY" }])));
    await tally.run("a link to a file elsewhere", () => judged(() => modal("https://evil.example.com/files/U1/FBIN/x.sql")));
    const after = await canaryFingerprint(bot.targetDb.client);
    tally.add("target canary unchanged", JSON.stringify(after) === JSON.stringify(before) ? undefined : JSON.stringify({ before, after }));
    // still serving
    tally.add("healthz after the bad input", (await fetch(`${bot.baseUrl}/healthz`)).status === 200 ? undefined : "not healthy");
    expect(tally.done()).toEqual([]);
  }, LIMIT);
});
