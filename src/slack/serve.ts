import type { Logger } from "pino";
import { withoutEmpty } from "../env.js";
import type { LoadedConfig } from "../config.js";
import { ExitCode, isUserError, pgErrorWords, UserError } from "../errors.js";
import { openStateDatabase } from "../store/state-db.js";
import { openStore, type Store } from "../store/store.js";
import { STORE_SCHEMA } from "../store/migrations.js";
import { analysisPool, type AnalysisPool } from "./analysis-pool.js";
import { createSlackBot, type SlackBot } from "./app.js";
import { startSlackApply } from "./apply-flow.js";
import { startSlackBackfill } from "./backfill-flow.js";
import { firstDeliveryIn } from "./dedupe.js";
import type { BotDeps } from "./deps.js";
import { slackGroupDirectory } from "./group-directory.js";
import { botHealth } from "./health.js";
import type { Analyzer } from "./run-check.js";
import { readSlackSettings } from "./settings.js";
import { workQueue } from "./work-queue.js";

/** analyses and clicks handled at once after their acks; the rest wait their turn */
const WORK_CONCURRENCY = 4;

export interface RunningBot {
  bot: SlackBot;
  store: Store;
  deps: BotDeps;
  /** the worker threads analysing reports (absent when an analyzer was given) */
  analysis?: AnalysisPool;
  port: number;
  stop(): Promise<void>;
}

/**
 * Start the bot: settings from env (all missing ones at once), state store and job queues, the
 * Slack token check, the apply and backfill workers, and only then the listener, so a replica
 * never accepts requests it cannot serve. A start-up failure stops everything started so far and
 * throws (exit 3).
 */
export async function startSlackBot(given: {
  loaded: LoadedConfig;
  env: NodeJS.ProcessEnv;
  cwd: string;
  log: Logger;
  analyze?: Analyzer;
  /** start the analysis workers and the shadow server with the bot (default), not on first use */
  warm?: boolean;
}): Promise<RunningBot> {
  const opts = { ...given, env: withoutEmpty(given.env) };
  const settings = readSlackSettings(opts.env);
  // what is running, stopped in reverse order
  const started: Array<() => Promise<unknown>> = [];
  const stopAll = async () => {
    for (let stop = started.pop(); stop; stop = started.pop()) await stop().catch((e) => opts.log.warn({ err: e }, "stopping the bot"));
  };
  try {
    const state = await openStateDatabase(opts.loaded.config, opts.env);
    started.push(() => state.close());
    // started with the bot, so that its first report waits for none of it: the analysis workers and,
    // when a target's database is configured (its reports verify rollbacks), the shadow server
    const analysis = opts.analyze ? undefined : analysisPool({ warm: opts.warm ?? true, warmShadows: (opts.warm ?? true) && verifiesRollbacks(opts.loaded, opts.env) });
    if (analysis) started.push(() => analysis.close());
    const store = await openStore(state.url);
    started.push(() => store.close());
    const health = botHealth(state.url, store.boss);
    started.push(() => health.close());
    // retry keys only matter for minutes; keep the table small
    await store.pool.query(`DELETE FROM ${STORE_SCHEMA}.slack_requests WHERE at < now() - interval '1 day'`);
    const deps: BotDeps = {
      loaded: opts.loaded,
      env: opts.env,
      cwd: opts.cwd,
      pool: store.pool,
      analyze: opts.analyze ?? analysis!.analyze,
      log: opts.log,
      botToken: settings.botToken,
      groups: { members: async () => [] },
      work: workQueue(WORK_CONCURRENCY, (e) => opts.log.error({ err: e }, "slack job failed")),
      firstDelivery: firstDeliveryIn(store.pool, opts.log),
    };
    const bot = createSlackBot(settings, deps, () => health.check());
    deps.groups = slackGroupDirectory(bot.app.client);
    await bot.init();
    started.push(await startSlackApply(deps, store, bot.app.client, settings));
    started.push(await startSlackBackfill(deps, store, bot.app, settings));
    // its first report waits for no start-up
    if (analysis) await warmUp(analysis, opts.loaded, opts.env);
    const { port } = await bot.start();
    started.push(async () => {
      await bot.stop();
      await deps.work.idle();
    });
    health.serving();
    return {
      bot,
      store,
      deps,
      analysis,
      port,
      async stop() {
        health.stopping();
        await stopAll();
      },
    };
  } catch (e) {
    await stopAll();
    throw startupFailure(e);
  }
}

/** The longest the bot waits, before it listens, for its warm-up analyses. */
const WARM_UP_MS = 5_000;

/**
 * Before the bot listens: the shadow server, and one throwaway analysis per target whose database
 * is configured (read-only catalog read, schema copy, rollback verification of a CREATE TABLE on the
 * shadow; the target itself is only read), so that the first report finds connections, server
 * caches and compiled code warm. Failures are left to the first report to meet and tell; a target
 * that does not answer delays the start by at most WARM_UP_MS.
 */
async function warmUp(analysis: AnalysisPool, loaded: LoadedConfig, env: NodeJS.ProcessEnv): Promise<void> {
  await analysis.ready();
  const urls = targetDatabaseUrls(loaded, env);
  const bytes = Buffer.from("CREATE TABLE lockstep_warm_up (id bigint PRIMARY KEY);\n", "utf8");
  const analyses = [...new Set(urls)].map((schemaUrl) =>
    analysis.analyze({ files: [{ path: "warm-up.sql", bytes, layout: "plain" }], schemaUrl, verifyRollback: true }).catch(() => undefined),
  );
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([Promise.all(analyses), new Promise((resolve) => (timer = setTimeout(resolve, WARM_UP_MS)))]);
  clearTimeout(timer);
}

/** Whether some target's database is configured: its reports verify rollbacks on a shadow server. */
function verifiesRollbacks(loaded: LoadedConfig, env: NodeJS.ProcessEnv): boolean {
  return targetDatabaseUrls(loaded, env).length > 0;
}

/** The (read-only, where configured) database URLs of the targets whose variable is set. */
function targetDatabaseUrls(loaded: LoadedConfig, env: NodeJS.ProcessEnv): string[] {
  return Object.values(loaded.config.targets)
    .map((t) => env[t.readonly_url_env ?? t.url_env])
    .filter((u): u is string => Boolean(u));
}

/** Why the bot could not start, for the user: its own words when it has them, exit 3 either way. */
function startupFailure(e: unknown): UserError {
  if (isUserError(e)) return new UserError(e.code, `cannot start the Slack bot: ${e.message}`, { hint: e.hint, exitCode: ExitCode.internal, cause: e });
  const err = e as { code?: string; message?: string };
  const words = pgErrorWords(err.code);
  const message = err.message ?? String(e);
  return new UserError("serve-start", `cannot start the Slack bot: ${words && !message.includes(words) ? `${words}: ${message}` : message}`, {
    exitCode: ExitCode.internal,
    cause: e,
  });
}
