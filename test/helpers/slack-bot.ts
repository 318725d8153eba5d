import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import type { Logger } from "pino";
import { afterAll } from "vitest";
import { loadConfig } from "../../src/config.js";
import { createLogger } from "../../src/log.js";
import { startSlackBot, type RunningBot } from "../../src/slack/serve.js";
import type { Analyzer } from "../../src/slack/run-check.js";
import { createTestDatabase, type TestDatabase } from "./db.js";
import { FakeSlack, type FakeSlackOptions } from "./fake-slack.js";
import { buttonClickBody, postSigned, slashCommandBody, viewSubmissionBody, type SignOptions } from "./slack-request.js";

export const SIGNING_SECRET = "test-signing-secret";
export const BOT_TOKEN = "xoxb-test-token";

export interface TestBot {
  fake: FakeSlack;
  running: RunningBot;
  /** the bot's state database */
  state: TestDatabase;
  /** the target's database */
  targetDb: TestDatabase;
  dir: string;
  migrations: string;
  eventsUrl: string;
  baseUrl: string;
  command(text: string, user: string, opts?: { channel?: string; sign?: SignOptions; triggerId?: string }): Promise<Response>;
  click(actionId: string, value: string, user: string, opts?: { channel?: string; messageTs?: string }): Promise<Response>;
  submitView(callbackId: string, user: string, privateMetadata: string, values: Record<string, Record<string, unknown>>, view?: { id: string; hash: string }): Promise<Response>;
  query<T extends pg.QueryResultRow = any>(sql: string, params?: unknown[]): Promise<T[]>;
}

/**
 * The real bot, in-process, over HTTP: its own state database (DATABASE_URL in the env we pass,
 * never the process env), a target database, a migrations dir, and the fake Slack Web API.
 */
export async function startTestBot(opts: {
  config: (migrationsDir: string) => string;
  fake?: FakeSlackOptions;
  analyze?: Analyzer;
  /** a second replica of this bot: same state and target databases, config, migrations and fake Slack */
  replicaOf?: TestBot;
  /** more environment for the bot (LOCKSTEP_TAKEOVER_INTERVAL_MS, ...) */
  env?: NodeJS.ProcessEnv;
  /** environment overrides computed from the databases (e.g. PROD_URL with a login of the test's own) */
  envFrom?: (made: { state: TestDatabase; targetDb: TestDatabase }) => NodeJS.ProcessEnv;
  /** the bot's logger (default: silent, or LOCKSTEP_TEST_LOG's level on stderr) */
  log?: Logger;
  /** runs once the databases and the migrations dir exist, before the bot starts */
  beforeStart?: (made: Pick<TestBot, "state" | "targetDb" | "dir" | "migrations">) => Promise<void>;
}): Promise<TestBot> {
  const first = opts.replicaOf;
  const targetDb = first?.targetDb ?? (await createTestDatabase("target"));
  const state = first?.state ?? (await createTestDatabase("state"));
  const dir = first?.dir ?? mkdtempSync(path.join(os.tmpdir(), "lockstep-slack-"));
  const migrations = path.join(dir, "migrations");
  if (!first) {
    mkdirSync(migrations);
    writeFileSync(path.join(dir, "lockstep.yml"), opts.config("migrations"));
  }
  await opts.beforeStart?.({ state, targetDb, dir, migrations });
  const fake = first?.fake ?? (await new FakeSlack(opts.fake).start());
  const env: NodeJS.ProcessEnv = {
    DATABASE_URL: state.url,
    PROD_URL: targetDb.url,
    ...opts.envFrom?.({ state, targetDb }),
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: fake.apiUrl,
    PORT: "0",
    ...opts.env,
  };
  const running = await startSlackBot({
    loaded: loadConfig({ path: path.join(dir, "lockstep.yml"), env, cwd: dir }),
    env,
    cwd: dir,
    log: opts.log ?? createLogger({ level: process.env.LOCKSTEP_TEST_LOG || "silent" }),
    analyze: opts.analyze,
  });
  afterAll(async () => {
    await running.stop();
    if (!first) await fake.stop();
  });
  const baseUrl = `http://127.0.0.1:${running.port}`;
  const eventsUrl = `${baseUrl}/slack/events`;
  return {
    fake,
    running,
    state,
    targetDb,
    dir,
    migrations,
    eventsUrl,
    baseUrl,
    command: (text, user, o = {}) =>
      postSigned(eventsUrl, SIGNING_SECRET, slashCommandBody({ text, user, channel: o.channel ?? "C1", triggerId: o.triggerId }), o.sign),
    click: (actionId, value, user, o = {}) =>
      postSigned(eventsUrl, SIGNING_SECRET, buttonClickBody({ actionId, value, user, channel: o.channel ?? "C1", messageTs: o.messageTs ?? "1.0" })),
    submitView: (callbackId, user, privateMetadata, values, view) =>
      postSigned(eventsUrl, SIGNING_SECRET, viewSubmissionBody({ callbackId, user, privateMetadata, values, view })),
    query: async (sql, params) => (await state.client.query(sql, params)).rows,
  };
}

/** Every block's text in a Web API call, joined (to look for words in a message). */
export function blockText(args: Record<string, any>): string {
  const out: string[] = [args.text ?? ""];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === "object") {
      for (const [k, x] of Object.entries(v)) {
        if (k === "text" && typeof x === "string") out.push(x);
        else walk(x);
      }
    }
  };
  walk(args.blocks);
  return out.join("\n");
}

export function actionIds(args: Record<string, any>): string[] {
  return (args.blocks ?? []).filter((b: any) => b.type === "actions").flatMap((b: any) => b.elements.map((e: any) => e.action_id));
}
