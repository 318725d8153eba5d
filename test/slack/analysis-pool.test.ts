import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isUserError } from "../../src/errors.js";
import { analysisPool } from "../../src/slack/analysis-pool.js";
import { runCheck, type CheckInput } from "../../src/slack/run-check.js";
import { createTestDatabase } from "../helpers/db.js";
import { blockText, startTestBot, type TestBot } from "../helpers/slack-bot.js";

// the real protocol and analyzer, except for files named to make the worker die (see the fixture)
const CRASHING = new URL("./fixtures/crashing-analysis-worker.mjs", import.meta.url);
const SQL = "ALTER TABLE users ADD COLUMN name text NOT NULL;\nCREATE INDEX users_email ON users (email);\n";
const input = (file: string, sql = SQL): CheckInput => ({ files: [{ path: file, bytes: Buffer.from(sql, "utf8"), layout: "plain" }] });

describe("analysis pool (worker threads)", () => {
  it("answers with the report runCheck makes in-process", async () => {
    const pool = analysisPool({ size: 1 });
    try {
      const [inWorker, inProcess] = await Promise.all([pool.analyze(input("001.sql")), runCheck(input("001.sql"))]);
      expect(inWorker).toEqual(inProcess);
      expect(JSON.stringify(inWorker)).toContain("users_email");
      expect(pool.completed).toBe(1);
    } finally {
      await pool.close();
    }
  });

  it("warm (the bot's): with the shadow server and spare shadow databases ready, verifies rollbacks as runCheck does in-process", async () => {
    const target = await createTestDatabase("poolwarm");
    await target.client.query("CREATE TABLE users (id bigint PRIMARY KEY, email text)");
    const pool = analysisPool({ size: 1, warm: true, warmShadows: true });
    try {
      await pool.ready();
      const verified = { ...input("001.sql"), schemaUrl: target.url, verifyRollback: true };
      const first = await pool.analyze(verified);
      const second = await pool.analyze(verified);
      const inProcess = await runCheck(verified);
      expect(first).toEqual(inProcess);
      expect(second).toEqual(inProcess);
      expect(inProcess.files[0]!.rollback?.map((r) => r.verified)).toEqual([true, true]);
    } finally {
      await pool.close();
    }
  });

  it("a user error raised in the worker arrives as a UserError, redacted", async () => {
    const pool = analysisPool({ size: 1 });
    try {
      const unreachable = { ...input("001.sql"), schemaUrl: "postgres://lockstep:hunter2@127.0.0.1:1/nowhere" };
      const error = await pool.analyze(unreachable).then(() => undefined, (e: unknown) => e);
      expect(isUserError(error)).toBe(true);
      expect(error).toMatchObject({ code: "db-unreachable" });
      expect((error as Error).message).not.toContain("hunter2");
    } finally {
      await pool.close();
    }
  });

  it("a worker that dies fails the analyses it held; the next analysis gets a fresh worker", async () => {
    const pool = analysisPool({ size: 1, entry: CRASHING });
    try {
      const [dying, bystander] = await Promise.allSettled([pool.analyze(input("exit-worker.sql")), pool.analyze(input("002.sql"))]);
      expect(dying).toMatchObject({ status: "rejected", reason: { message: expect.stringMatching(/analysis worker stopped \(exit code 70\)/) } });
      expect(bystander).toMatchObject({ status: "rejected" });
      await expect(pool.analyze(input("throw-in-worker.sql"))).rejects.toThrow(/analysis worker stopped .*wasm went away/);
      const report = await pool.analyze(input("003.sql"));
      expect(report.files.map((f) => f.path)).toEqual(["003.sql"]);
    } finally {
      await pool.close();
    }
  });

  it("close rejects what is still running, and later analyses", async () => {
    const pool = analysisPool({ size: 1, entry: CRASHING });
    const hanging = pool.analyze(input("hang.sql"));
    await pool.close();
    await expect(hanging).rejects.toThrow(/shutting down/);
    await expect(pool.analyze(input("001.sql"))).rejects.toThrow(/shutting down/);
  });
});

describe("the bot with analysis workers", () => {
  const config = (migrations: string) => `
targets:
  prod:
    url_env: PROD_URL
    migrations: ${migrations}
    channels: [C1]
    approvals: { approvers: [UAPP] }
`;
  let bot: TestBot;
  let crashBot: TestBot;
  const crashing = analysisPool({ size: 1, entry: CRASHING });
  afterAll(() => crashing.close());

  beforeAll(async () => {
    bot = await startTestBot({ config });
    crashBot = await startTestBot({ config, analyze: crashing.analyze });
    for (const b of [bot, crashBot]) {
      await b.targetDb.client.query("CREATE TABLE users (id bigint PRIMARY KEY, email text)");
      writeFileSync(path.join(b.migrations, "001_users.sql"), SQL);
      writeFileSync(path.join(b.migrations, "002_exit-worker.sql"), SQL);
    }
  });
  const reports = (b: TestBot) => b.fake.called("chat.postMessage").filter((c) => !c.args.thread_ts);

  it("posts the report analysed in a worker thread (the default)", async () => {
    // before it listened, the bot analysed a CREATE TABLE against its target (warm-up): on the shadow only
    const before = bot.running.analysis!.completed;
    expect(before).toBe(1);
    expect((await bot.targetDb.client.query("SELECT to_regclass('lockstep_warm_up') AS t")).rows[0].t).toBeNull();
    expect((await bot.command("check prod 001_users.sql", "UREQ")).status).toBe(200);
    const report = await bot.fake.waitFor(() => reports(bot)[0], "the report");
    expect(blockText(report.args)).toContain("ShareLock on public.users");
    expect(bot.running.analysis?.completed).toBe(before + 1);
  });

  it("tells the requester when the analysis worker dies, and checks the next request", async () => {
    await crashBot.command("check prod 002_exit-worker.sql", "UREQ");
    const told = await crashBot.fake.waitFor(() => crashBot.fake.called("chat.postEphemeral").find((c) => c.args.user === "UREQ"), "the error");
    expect(blockText(told.args)).toMatch(/internal error \(reference `[0-9a-f]+`\)/);
    expect(await crashBot.query("SELECT * FROM lockstep_state.checks")).toEqual([]);
    await crashBot.command("check prod 001_users.sql", "UREQ");
    const report = await crashBot.fake.waitFor(() => reports(crashBot)[0], "the report");
    expect(blockText(report.args)).toContain("001_users.sql");
  });
});
