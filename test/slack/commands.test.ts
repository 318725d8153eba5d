import { writeFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ACTION, INPUT, VIEW } from "../../src/slack/action-ids.js";
import { actionIds, blockText, startTestBot, type TestBot } from "../helpers/slack-bot.js";

let bot: TestBot;
const longSql = Array.from({ length: 80 }, (_, i) => `ALTER TABLE users ADD COLUMN c${i} text;`).join("\n");

beforeAll(async () => {
  bot = await startTestBot({
    config: (migrations) => `
targets:
  prod:
    url_env: PROD_URL
    migrations: ${migrations}
    channels: [C1]
    approvals: { approvers: [UAPP], required: { low: 1, medium: 1, high: 1, critical: 1 } }
  staging:
    url_env: PROD_URL
    migrations: ${migrations}
    channels: [C2]
    approvals: { approvers: [UAPP], allow_adhoc_sql: true, required: { high: 1 } }
  nodb:
    url_env: NOT_SET_ANYWHERE_URL
    channels: [C1]
    migrations: ${migrations}
`,
    fake: {
      files: {
        F1SQL: { name: "big.sql", content: longSql },
        F2TXT: { name: "notes.txt", content: "hi" },
        F3LINKED: { name: "linked.sql", content: "ALTER TABLE users ADD COLUMN linked text;", channels: ["C2"] },
        F4ELSEWHERE: { name: "elsewhere.sql", content: "SELECT 1;", channels: ["C1"] },
      },
    },
  });
  await bot.targetDb.client.query("CREATE TABLE users (id bigint PRIMARY KEY)");
  await bot.targetDb.client.query("CREATE TABLE schema_migrations (version bigint PRIMARY KEY, dirty boolean NOT NULL)");
  await bot.targetDb.client.query("INSERT INTO schema_migrations VALUES (1, false)");
  writeFileSync(path.join(bot.migrations, "1_users.up.sql"), "CREATE TABLE accounts (id bigint PRIMARY KEY);\n");
  writeFileSync(path.join(bot.migrations, "2_email.up.sql"), "ALTER TABLE users ADD COLUMN email text;\n");
  writeFileSync(path.join(bot.migrations, "10_index.up.sql"), "CREATE INDEX users_email ON users (email);\n");
});

const reports = () => bot.fake.called("chat.postMessage").filter((c) => !c.args.thread_ts);
async function nextReport(send: () => Promise<Response>) {
  const before = reports().length;
  expect((await send()).status).toBe(200);
  return bot.fake.waitFor(() => reports()[before], "a report");
}
/** The check row of a report (its message ts is stored just after the report is posted). */
const checkOf = (ts: string) =>
  bot.fake.waitFor(async () => (await bot.query("SELECT id, source, adhoc_sql FROM lockstep_state.checks WHERE message_ts = $1", [ts]))[0], "the check row");
const ephemeral = (re: RegExp) => bot.fake.waitFor(() => bot.fake.called("chat.postEphemeral").find((c) => re.test(blockText(c.args))), String(re));

describe("/migrate check <target> latest | pending", () => {
  it("latest is the last migration in layout order (10 after 2)", async () => {
    const r = await nextReport(() => bot.command("check prod latest", "UREQ"));
    const text = blockText(r.args);
    expect(text).toContain("10_index.up.sql");
    expect(text).toContain("ShareLock on public.users");
    expect(text).not.toContain("2_email.up.sql");
  });

  it("pending is what the target's history does not record", async () => {
    const r = await nextReport(() => bot.command("check prod pending", "UREQ"));
    const text = blockText(r.args);
    expect(text).toContain("2_email.up.sql");
    expect(text).toContain("10_index.up.sql");
    expect(text).not.toContain("1_users.up.sql");
  });

  it("without the target's database: analysed on the statements alone, and says so", async () => {
    const r = await nextReport(() => bot.command("check nodb 2_email.up.sql", "UREQ"));
    const text = blockText(r.args);
    expect(text).toContain("analysed without schema context");
    expect(text).toContain("Assumed: public.users");
    await bot.command("check nodb pending", "UREQ");
    await ephemeral(/its database is not configured on the bot/);
  });

  it("usage for a half command", async () => {
    await bot.command("check prod", "UREQ");
    await ephemeral(/usage: `\/migrate check &lt;target&gt;/);
  });
});

describe("/migrate check without arguments: the modal", () => {
  it("opens a modal listing the channel's targets", async () => {
    await bot.command("check", "UREQ", { channel: "C2" });
    const open = await bot.fake.waitFor(() => bot.fake.called("views.open")[0], "views.open");
    expect(open.args.view.callback_id).toBe(VIEW.checkModal);
    expect(open.args.view.blocks[0].element.options.map((o: { value: string }) => o.value)).toEqual(["staging"]);
  });

  it("checks pasted SQL as ad-hoc; no Apply where the target did not opt in", async () => {
    const r = await nextReport(() =>
      bot.submitView(VIEW.checkModal, "UREQ", JSON.stringify({ channel: "C1" }), {
        [INPUT.target.block]: { [INPUT.target.action]: { type: "static_select", selected_option: { value: "prod" } } },
        [INPUT.sql.block]: { [INPUT.sql.action]: { type: "plain_text_input", value: "ALTER TABLE users ADD COLUMN nick text;" } },
        [INPUT.file.block]: { [INPUT.file.action]: { type: "file_input", files: [] } },
      }),
    );
    expect(blockText(r.args)).toContain("ad-hoc SQL");
    const check = await checkOf(r.result.ts);
    expect(check).toMatchObject({ source: "adhoc", adhoc_sql: "ALTER TABLE users ADD COLUMN nick text;" });
    await bot.fake.waitFor(() => bot.fake.called("chat.postMessage").find((c) => c.args.thread_ts === r.result.ts && /not applied/.test(c.args.text)), "the ad-hoc note");
    await bot.click(ACTION.approve, check.id, "UAPP", { messageTs: r.result.ts });
    const approved = await bot.fake.waitFor(() => bot.fake.called("chat.update").find((u) => u.args.ts === r.result.ts && /Approved/.test(blockText(u.args))), "approved");
    expect(actionIds(approved.args)).toEqual([ACTION.reject]);
    // a hand-made Apply click is refused too
    await bot.click(ACTION.apply, check.id, "UAPP", { messageTs: r.result.ts });
    await ephemeral(/cannot apply: ad-hoc SQL/);
    expect(await bot.query("SELECT * FROM lockstep_state.apply_requests WHERE check_id = $1", [check.id])).toEqual([]);
  });

  it("downloads a shared .sql file with the bot token; a long report is summarised and uploaded in full", async () => {
    const r = await nextReport(() =>
      bot.submitView(VIEW.checkModal, "UREQ", JSON.stringify({ channel: "C2" }), {
        [INPUT.target.block]: { [INPUT.target.action]: { type: "static_select", selected_option: { value: "staging" } } },
        [INPUT.sql.block]: { [INPUT.sql.action]: { type: "plain_text_input", value: null } },
        [INPUT.file.block]: { [INPUT.file.action]: { type: "file_input", files: [{ id: "F1SQL" }] } },
      }),
    );
    expect(bot.fake.called("files.info").map((c) => c.args.file)).toContain("F1SQL");
    const text = blockText(r.args);
    expect(text).toContain("big.sql");
    expect(text).toContain("80 statements");
    expect(text).toContain("full report is attached");
    expect(r.args.blocks.length).toBeLessThanOrEqual(50);
    const complete = await bot.fake.waitFor(() => bot.fake.called("files.completeUploadExternal")[0], "the upload");
    expect(complete.args).toMatchObject({ channel_id: "C2", thread_ts: r.result.ts });
    const upload = bot.fake.uploads.find((u) => u.fileId === complete.args.files[0].id);
    expect(upload?.body).toContain("ALTER TABLE users ADD COLUMN c79 text");
  });

  it("takes the link of a .sql file shared in the channel, and only in that channel", async () => {
    const submit = (link: string) =>
      bot.submitView(VIEW.checkModal, "UREQ", JSON.stringify({ channel: "C2" }), {
        [INPUT.target.block]: { [INPUT.target.action]: { selected_option: { value: "staging" } } },
        [INPUT.sql.block]: { [INPUT.sql.action]: { value: link } },
        [INPUT.file.block]: { [INPUT.file.action]: { files: [] } },
      });
    const r = await nextReport(() => submit("https://acme.slack.com/files/U0REQ/F3LINKED/linked.sql"));
    expect(blockText(r.args)).toContain("linked.sql");
    expect(blockText(r.args)).toContain("ADD COLUMN linked");
    await submit("https://acme.slack.com/files/U0REQ/F4ELSEWHERE/elsewhere.sql");
    await ephemeral(/elsewhere\.sql was not shared in this channel/);
  });

  it("refuses a file that is not .sql, and an empty form", async () => {
    await bot.submitView(VIEW.checkModal, "UREQ", JSON.stringify({ channel: "C2" }), {
      [INPUT.target.block]: { [INPUT.target.action]: { selected_option: { value: "staging" } } },
      [INPUT.sql.block]: { [INPUT.sql.action]: { value: null } },
      [INPUT.file.block]: { [INPUT.file.action]: { files: [{ id: "F2TXT" }] } },
    });
    await ephemeral(/must be a \.sql file/);
    const empty = await bot.submitView(VIEW.checkModal, "UREQ", JSON.stringify({ channel: "C2" }), {
      [INPUT.target.block]: { [INPUT.target.action]: { selected_option: { value: "staging" } } },
      [INPUT.sql.block]: { [INPUT.sql.action]: { value: "  " } },
      [INPUT.file.block]: { [INPUT.file.action]: { files: [] } },
    });
    expect(await empty.json()).toMatchObject({ response_action: "errors" });
  });

  it("checks the same modal submitted again after its validation errors are fixed", async () => {
    // Slack keeps the view's id and hash while the user edits the form: the first (refused)
    // submission must not claim the request key the corrected one will carry
    const view = { id: "VRETRYFORM", hash: "hRETRYFORM" };
    const submit = (sql: string) =>
      bot.submitView(VIEW.checkModal, "UREQ", JSON.stringify({ channel: "C2" }), {
        [INPUT.target.block]: { [INPUT.target.action]: { selected_option: { value: "staging" } } },
        [INPUT.sql.block]: { [INPUT.sql.action]: { value: sql } },
        [INPUT.file.block]: { [INPUT.file.action]: { files: [] } },
      }, view);
    expect(await (await submit("")).json()).toMatchObject({ response_action: "errors" });
    const r = await nextReport(() => submit("ALTER TABLE users ADD COLUMN fixed_form text;"));
    expect(blockText(r.args)).toContain("fixed_form");
  });
});

describe("reject, status, audit", () => {
  it("reject asks for a reason and records it", async () => {
    const r = await nextReport(() => bot.command("check prod 2_email.up.sql", "UREQ"));
    const check = await checkOf(r.result.ts);
    await bot.click(ACTION.reject, check.id, "UAPP", { messageTs: r.result.ts });
    const open = await bot.fake.waitFor(() => bot.fake.called("views.open").find((c) => c.args.view.callback_id === VIEW.rejectModal), "the reason modal");
    expect(open.args.view.private_metadata).toBe(check.id);
    await bot.submitView(VIEW.rejectModal, "UAPP", check.id, { [INPUT.reason.block]: { [INPUT.reason.action]: { value: "backfill first <!here>" } } });
    const update = await bot.fake.waitFor(() => bot.fake.called("chat.update").find((u) => u.args.ts === r.result.ts && /Rejected/.test(blockText(u.args))), "the rejection");
    expect(blockText(update.args)).toContain("backfill first &lt;!here&gt;");
    const [row] = await bot.query("SELECT status, decided_by, status_reason FROM lockstep_state.checks WHERE id = $1", [check.id]);
    expect(row).toEqual({ status: "rejected", decided_by: "UAPP", status_reason: "backfill first <!here>" });
  });

  it("/migrate status and /migrate audit answer ephemerally", async () => {
    await bot.command("status prod", "UREQ");
    const status = await ephemeral(/Recent checks for/);
    expect(blockText(status.args)).toContain("rejected");
    await bot.command("audit prod", "UREQ");
    const audit = await ephemeral(/Audit log for/);
    expect(blockText(audit.args)).toMatch(/reject → \*rejected\*/);
  });

  it("without a target, status shows only the targets answering in this channel", async () => {
    const before = bot.fake.called("chat.postEphemeral").length;
    await bot.command("status", "UREQ", { channel: "C2" });
    const status = await bot.fake.waitFor(() => bot.fake.called("chat.postEphemeral").slice(before).find((c) => /Recent checks/.test(c.args.text)), "status");
    const text = blockText(status.args);
    expect(text).toContain("`staging`");
    expect(text).not.toContain("`prod`");
  });
});
