import { cpSync, writeFileSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../helpers/cli.js";
import { blockText, startTestBot, type TestBot } from "../helpers/slack-bot.js";

/**
 * The bot's report for a drop: code references (the target's `code` setting: the sample
 * application) and the statements pg_stat_statements recorded on the target, through the real
 * Bolt app and analysis workers against the fake Slack.
 */
let bot: TestBot;
let app: pg.Client;

beforeAll(async () => {
  bot = await startTestBot({
    config: (migrations) => `
targets:
  prod:
    url_env: PROD_URL
    migrations: ${migrations}
    code: [app, not_checked_out]
    channels: [C1]
    approvals: { approvers: [UAPP], required: { high: 1, critical: 1 } }
`,
  });
  cpSync(path.join(REPO_ROOT, "test/fixtures/sample-app"), path.join(bot.dir, "app"), { recursive: true });
  // more references than the message shows
  writeFileSync(path.join(bot.dir, "app/src/users/search.ts"), ["export const byUsername = (username: string) => ({ where: { username } });", "export const sortKey = 'username';", "export type Row = { username: string };"].join("\n"));
  const db = bot.targetDb.client;
  await db.query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
  await db.query("CREATE TABLE users (id int PRIMARY KEY, username text NOT NULL, display_name text, nickname text)");
  await db.query("INSERT INTO users VALUES (1, 'alice', 'Alice', 'al')");
  await db.query("SELECT pg_stat_statements_reset(0, (SELECT oid FROM pg_database WHERE datname = current_database()), 0)");
  app = new pg.Client({ connectionString: bot.targetDb.url });
  app.on("error", () => undefined);
  await app.connect();
  for (let i = 0; i < 2; i++) await app.query("SELECT username FROM users WHERE id = 1 AND nickname <> 'secret-literal'");
  return () => app.end();
});

const reports = () => bot.fake.called("chat.postMessage").filter((c) => !c.args.thread_ts);

async function report(command: string) {
  const before = reports().length;
  expect((await bot.command(command, "UREQ")).status).toBe(200);
  return bot.fake.waitFor(() => reports()[before], "a report");
}

describe("the report of a drop shows both kinds of evidence", () => {
  it("code references (the first few, all of them uploaded) and live statements (normalised, no literals)", async () => {
    writeFileSync(path.join(bot.migrations, "2_drop_username.up.sql"), "ALTER TABLE users DROP COLUMN username;\n");
    const r = await report("check prod 2_drop_username.up.sql");
    const text = blockText(r.args);
    // paths relative to lockstep.yml's directory
    expect(text).toContain("*code-references*: code still references users.username: app/prisma/schema.prisma:9 `username String @unique` (5 references in 3 files)");
    expect(text).toContain("• app/prisma/schema.prisma:9  username String @unique");
    expect(text).toContain("… 2 more in the full report (attached in the thread)");
    expect(text).toMatch(/\*live-queries\*: the application still runs 1 statement \(2 calls since [^)]+\) that use users\.username, e\.g\. `SELECT username FROM users WHERE id = \$1 AND nickname &lt;&gt; \$2`/);
    expect(text).not.toContain("secret-literal");
    expect(text).toContain("code searched: app — 5 source files");
    expect(text).toContain("code directories not found (not searched): not_checked_out");
    expect(text).toContain("recorded statements searched: pg_stat_statements");
    // the rollback plan: the save line for just that column, naming the target
    expect(text).toContain("lockstep save --target prod --table public.users --columns id,username --out users.username.csv");

    const complete = await bot.fake.waitFor(() => bot.fake.called("files.completeUploadExternal").find((c) => c.args.thread_ts === r.result.ts), "the full report");
    const upload = bot.fake.uploads.find((u) => u.fileId === complete.args.files[0].id)!;
    for (const at of ["app/prisma/schema.prisma:9", "app/src/users/search.ts:1", "app/src/users/search.ts:2", "app/src/users/search.ts:3", "app/worker/report.py:14"]) expect(upload.body).toContain(`  - ${at}  `);
    expect(upload.body).not.toContain("secret-literal");
  });

  it("a column the code no longer names: no references (and nothing uploaded), yet a running query still names it", async () => {
    writeFileSync(path.join(bot.migrations, "3_drop_nickname.up.sql"), "ALTER TABLE users DROP COLUMN nickname;\n");
    const uploadsBefore = bot.fake.called("files.completeUploadExternal").length;
    const r = await report("check prod 3_drop_nickname.up.sql");
    const text = blockText(r.args);
    expect(text).toContain("*code-references*: no references to users.nickname in 5 files");
    // the app's query above names nickname too: it is still in use
    expect(text).toContain("*live-queries*: the application still runs 1 statement");
    await bot.fake.waitFor(async () => (await bot.query("SELECT 1 FROM lockstep_state.checks WHERE message_ts = $1", [r.result.ts]))[0], "the check row");
    expect(bot.fake.called("files.completeUploadExternal").length).toBe(uploadsBefore);
  });
});
