import type { Logger } from "pino";
import { withoutEmpty } from "../env.js";
import type { LoadedConfig } from "../config.js";
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

/** Start the bot: settings from env (all missing ones at once), state store, Bolt app. */
export async function startSlackBot(given: { loaded: LoadedConfig; env: NodeJS.ProcessEnv; cwd: string; log: Logger; analyze?: Analyzer }): Promise<RunningBot> {
  const opts = { ...given, env: withoutEmpty(given.env) };
  const settings = readSlackSettings(opts.env);
  const state = await openStateDatabase(opts.loaded.config, opts.env);
  let store: Store | undefined;
  const analysis = opts.analyze ? undefined : analysisPool();
  try {
    store = await openStore(state.url);
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
    const bot = createSlackBot(settings, deps);
    deps.groups = slackGroupDirectory(bot.app.client);
    const { port } = await bot.start();
    const stopApply = await startSlackApply(deps, store, bot.app.client);
    const stopBackfill = await startSlackBackfill(deps, store, bot.app);
    const opened = store;
    return {
      bot,
      store: opened,
      deps,
      analysis,
      port,
      async stop() {
        await bot.stop().catch(() => undefined);
        await deps.work.idle();
        await analysis?.close();
        await stopApply().catch(() => undefined);
        await stopBackfill().catch(() => undefined);
        await opened.close();
        await state.close();
      },
    };
  } catch (e) {
    await analysis?.close();
    await store?.close().catch(() => undefined);
    await state.close().catch(() => undefined);
    throw e;
  }
}
