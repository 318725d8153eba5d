import { readFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ACTION, INPUT, VIEW } from "../../src/slack/action-ids.js";
import { REPO_ROOT } from "../helpers/cli.js";
import { blockText, startTestBot, type TestBot } from "../helpers/slack-bot.js";

/**
 * Django's migrations are Python: the SQL `python manage.py sqlmigrate APP NNNN` prints is pasted in
 * the /migrate check modal; the check, the approval and the audit trail work as for any migration.
 */
const SQLMIGRATE = readFileSync(path.join(REPO_ROOT, "test", "fixtures", "django-sqlmigrate.sql"), "utf8").trim();

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
  await bot.targetDb.client.query("CREATE TABLE accounts_user (id bigint PRIMARY KEY, email text NOT NULL)");
});

describe("Django: sqlmigrate output pasted in the check modal", () => {
  it("is checked against the target's schema, approved, and audited", async () => {
    const before = bot.fake.called("chat.postMessage").filter((c) => !c.args.thread_ts).length;
    const res = await bot.submitView(VIEW.checkModal, "UREQ", JSON.stringify({ channel: "C1" }), {
      [INPUT.target.block]: { [INPUT.target.action]: { type: "static_select", selected_option: { value: "prod" } } },
      [INPUT.sql.block]: { [INPUT.sql.action]: { type: "plain_text_input", value: SQLMIGRATE } },
      [INPUT.file.block]: { [INPUT.file.action]: { type: "file_input", files: [] } },
    });
    expect(res.status).toBe(200);
    const report = await bot.fake.waitFor(() => bot.fake.called("chat.postMessage").filter((c) => !c.args.thread_ts)[before], "the report");
    const text = blockText(report.args);
    expect(text).toContain("require-concurrent-index-creation");
    expect(text).toContain("public.accounts_user");
    expect(text).not.toContain("Assumed");

    const [check] = await bot.fake.waitFor(async () => {
      const rows = await bot.query("SELECT id, source, adhoc_sql FROM lockstep_state.checks WHERE message_ts = $1", [report.result.ts]);
      return rows.length ? rows : undefined;
    }, "the check row");
    expect(check).toMatchObject({ source: "adhoc", adhoc_sql: SQLMIGRATE });
    await bot.click(ACTION.approve, check.id, "UAPP", { messageTs: report.result.ts });
    await bot.fake.waitFor(() => bot.fake.called("chat.update").find((u) => u.args.ts === report.result.ts && /Approved/.test(blockText(u.args))), "approved");
    const audit = await bot.query("SELECT actor, action FROM lockstep_state.audit_log WHERE detail->>'check' = $1 ORDER BY at", [check.id]);
    expect(audit.map((a: { actor: string; action: string }) => [a.actor, a.action])).toEqual([["UREQ", "check"], ["UAPP", "approve"]]);
  });
});
