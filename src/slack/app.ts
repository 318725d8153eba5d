import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { App, HTTPReceiver, SocketModeReceiver, type CustomRoute } from "@slack/bolt";
import { trackAcks } from "./ack-tracking.js";
import { boltLogger } from "./bolt-logger.js";
import type { BotDeps } from "./deps.js";
import type { Health } from "./health.js";
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
  /** Check the bot token (auth.test). */
  init(): Promise<void>;
  /** Connect (Socket Mode) or listen (HTTP); init() first when it was not called. */
  start(): Promise<{ port: number }>;
  stop(): Promise<void>;
}

/** GET /healthz: 200 while the bot can serve, else 503 with the reason (orchestrators restart on it). */
function healthRoute(health: () => Promise<Health>): CustomRoute {
  return {
    path: HEALTH_PATH,
    method: ["GET"],
    handler: (_req, res) => {
      void health()
        .catch((e: Error): Health => ({ ok: false, reason: e.message }))
        .then((h) => {
          res.writeHead(h.ok ? 200 : 503, { "content-type": "application/json" });
          res.end(JSON.stringify(h));
        });
    },
  };
}

/**
 * The Bolt app: receiver per mode, /healthz, the future-timestamp guard, ack tracking (queued work
 * holds back during bursts), listeners (each deduplicates its work after its ack).
 */
export function createSlackBot(settings: SlackSettings, deps: BotDeps, health: () => Promise<Health>): SlackBot {
  const logger = boltLogger(deps.log);
  const healthz = healthRoute(health);
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

  let initialised = false;
  const init = async () => {
    if (!initialised) await app.init();
    initialised = true;
  };
  return {
    app,
    mode: settings.mode,
    init,
    async start() {
      await init();
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
