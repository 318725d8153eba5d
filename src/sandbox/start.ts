import { randomBytes } from "node:crypto";
import path from "node:path";
import type { Logger } from "pino";
import { loadConfig } from "../config.js";
import { ExitCode, UserError } from "../errors.js";
import { startSimulatedApp, type SimulatedApp } from "../demo/app.js";
import { waitForTraffic } from "../demo/db.js";
import { buildDemoTarget, DEMO_DATABASE } from "../demo/target.js";
import { DEMO_URL_ENV } from "../demo/workspace.js";
import { startEmbedded, stopFirstOnSignal, tempDataDir, type EmbeddedServer } from "../db/embedded.js";
import { startSlackBot, type RunningBot } from "../slack/serve.js";
import { ensureDatabase, STATE_DATABASE_NAME } from "../store/state-db.js";
import { startSandboxServer, type SandboxServer } from "./server.js";
import { prepareSandboxWorkspace, SANDBOX_TARGET } from "./workspace.js";

export interface SandboxOptions {
  port: number;
  users: number;
  cwd: string;
  log: Logger;
  /** told before each phase of the start */
  onPhase?: (what: string) => void;
}

export interface RunningSandbox {
  url: string;
  /** stops everything (again: the same promise) */
  stop(): Promise<void>;
}

/**
 * `lockstep sandbox`: a throwaway embedded PostgreSQL (state and a demo target like the demo's,
 * kept busy by the simulated application), the page on 127.0.0.1, and the real bot started by
 * `lockstep serve`'s own function in HTTP mode, its SLACK_API_URL pointing at the page's Web API.
 */
export async function startSandbox(opts: SandboxOptions): Promise<RunningSandbox> {
  const phase = opts.onPhase ?? (() => undefined);
  const stack: Array<() => Promise<void>> = [];
  let stopping: Promise<void> | undefined;
  let interrupted = false;
  const stop = () =>
    (stopping ??= (async () => {
      for (const undo of stack.reverse().splice(0)) await undo().catch(() => undefined);
    })());
  try {
    // the page first: a port in use is said before a minute of building
    const signingSecret = randomBytes(24).toString("hex");
    const botToken = `xoxb-sandbox-${randomBytes(12).toString("hex")}`;
    const page: SandboxServer = await startSandboxServer({
      port: opts.port,
      signingSecret,
      botToken,
      target: SANDBOX_TARGET,
      suggestions: [
        { command: "/migrate check demo pending", what: "check the pending migrations" },
        { command: "/migrate backfill demo backfills/normalized_email.yml", what: "check a backfill" },
        { command: "/migrate status", what: "recent checks" },
        { command: "/migrate", what: "paste SQL in a dialog" },
        { command: "/migrate help", what: "everything else" },
      ],
    });
    stack.push(() => page.close());
    phase("starting a throwaway embedded PostgreSQL 18");
    const server: EmbeddedServer = await startEmbedded({ dataDir: tempDataDir("lockstep-sandbox-"), ephemeral: true });
    stack.push(() => server.stop());
    // Ctrl-C: the bot and the application stop before the server goes
    const unregister = stopFirstOnSignal(() => {
      interrupted = true;
      return stop();
    });
    stack.push(async () => {
      unregister();
    });
    await ensureDatabase(server.url(), STATE_DATABASE_NAME);
    const target = await buildDemoTarget(server.url(), server.url(DEMO_DATABASE), { users: opts.users, onPhase: phase });
    const app: SimulatedApp = await startSimulatedApp(target.url, { users: target.users });
    stack.push(() => app.stop());
    await waitForTraffic(target.url, app);


    const dir = path.join(opts.cwd, ".lockstep/sandbox");
    const ws = prepareSandboxWorkspace(dir, { channel: page.channel.id, users: target.users });
    phase("starting the bot (lockstep serve, HTTP mode)");
    // rollback verification of each report runs on this server, not on one more embedded one
    process.env.LOCKSTEP_SHADOW_ADMIN_URL ??= server.url();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: server.url(STATE_DATABASE_NAME),
      [DEMO_URL_ENV]: target.url,
      SLACK_BOT_TOKEN: botToken,
      SLACK_SIGNING_SECRET: signingSecret,
      SLACK_API_URL: page.apiUrl,
      SLACK_APP_TOKEN: "",
      PORT: "0",
      BIND_ADDRESS: "127.0.0.1",
    };
    const bot: RunningBot = await startSlackBot({ loaded: loadConfig({ path: ws.config, env, cwd: dir }), env, cwd: dir, log: opts.log });
    stack.push(() => bot.stop());
    page.setBotEventsUrl(`http://127.0.0.1:${bot.port}/slack/events`);
    return { url: `${page.url}/`, stop };
  } catch (e) {
    await stop();
    throw interrupted ? new UserError("interrupted", "interrupted while starting; everything it started is stopped", { exitCode: ExitCode.stopped }) : e;
  }
}
