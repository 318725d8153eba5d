import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { App, HTTPReceiver, SocketModeReceiver, type CustomRoute } from "@slack/bolt";
import { trackAcks } from "./ack-tracking.js";
import { boltLogger } from "./bolt-logger.js";
import type { BotDeps } from "./deps.js";
import { rejectFutureTimestamps } from "./http-guard.js";
import { registerActions } from "./listeners/actions.js";
import { registerApplyActions } from "./listeners/apply.js";
import { registerCommand } from "./listeners/command.js";
import { registerViews } from "./listeners/views.js";
import type { SlackSettings } from "./settings.js";

export const EVENTS_PATH = "/slack/events";
export const HEALTH_PATH = "/healthz";

export interface SlackBot {
  app: App;
  mode: SlackSettings["mode"];
  /** Connect (Socket Mode) or listen (HTTP); checks the bot token with auth.test first. */
  start(): Promise<{ port: number }>;
  stop(): Promise<void>;
}

const healthz: CustomRoute = {
  path: HEALTH_PATH,
  method: ["GET"],
  handler: (_req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end('{"ok":true}');
  },
};

/**
 * The Bolt app: receiver per mode, /healthz, the future-timestamp guard, ack tracking (queued work
 * holds back during bursts), listeners (each deduplicates its work after its ack).
 */
export function createSlackBot(settings: SlackSettings, deps: BotDeps): SlackBot {
  const logger = boltLogger(deps.log);
  let httpReceiver: HTTPReceiver | undefined;
  let receiver: HTTPReceiver | SocketModeReceiver;
  if (settings.mode === "socket") {
    receiver = new SocketModeReceiver({
      appToken: settings.appToken!,
      customRoutes: [healthz],
      // apps.connections.open goes to SLACK_API_URL too
      installerOptions: { port: settings.port, clientOptions: settings.apiUrl ? { slackApiUrl: settings.apiUrl } : {} },
      logger,
    });
  } else {
    httpReceiver = new HTTPReceiver({ signingSecret: settings.signingSecret!, endpoints: EVENTS_PATH, customRoutes: [healthz], logger });
    httpReceiver.requestListener = trackAcks(rejectFutureTimestamps(httpReceiver.requestListener), deps.work);
    receiver = httpReceiver;
  }
  const app = new App({
    token: settings.botToken,
    receiver,
    logger,
    deferInitialization: true,
    // no listener reads conversation state: skip the store lookup on every request
    convoStore: false,
    clientOptions: { ...(settings.apiUrl ? { slackApiUrl: settings.apiUrl } : {}), retryConfig: { retries: 2, maxTimeout: 2000 } },
  });
  registerCommand(app, deps);
  registerActions(app, deps);
  registerApplyActions(app, deps);
  registerViews(app, deps);
  app.error(async (e) => {
    deps.log.error({ err: e }, "unhandled Slack listener error");
  });

  return {
    app,
    mode: settings.mode,
    async start() {
      await app.init();
      const started = (await app.start(settings.bindAddress && settings.mode === "http" ? { port: settings.port, host: settings.bindAddress } : settings.port)) as unknown;
      const server = settings.mode === "http" ? (started as Server) : undefined;
      const port = server ? (server.address() as AddressInfo).port : settings.port;
      return { port };
    },
    async stop() {
      await app.stop();
    },
  };
}
