import { UserError } from "../errors.js";

export interface SlackSettings {
  mode: "socket" | "http";
  botToken: string;
  /** required in HTTP mode; optional in Socket Mode */
  signingSecret?: string;
  appToken?: string;
  port: number;
  /** the address the HTTP server listens on (BIND_ADDRESS); all interfaces when unset */
  bindAddress?: string;
  /** Web API base URL (GovSlack, proxies, tests) */
  apiUrl?: string;
  /** how often this replica looks for apply and backfill jobs whose runner died (default 15 s) */
  takeoverIntervalMs?: number;
}

/** Read the bot's Slack settings from the environment; every missing one is listed at once. */
export function readSlackSettings(env: NodeJS.ProcessEnv): SlackSettings {
  const mode = env.SLACK_APP_TOKEN ? "socket" : "http";
  const missing: string[] = [];
  if (!env.SLACK_BOT_TOKEN) missing.push("SLACK_BOT_TOKEN (the bot token, xoxb-...)");
  if (mode === "http" && !env.SLACK_SIGNING_SECRET) {
    missing.push("SLACK_SIGNING_SECRET (Basic Information -> Signing Secret; or set SLACK_APP_TOKEN for Socket Mode)");
  }
  const port = env.PORT === undefined || env.PORT === "" ? 3000 : Number(env.PORT);
  const problems = [...missing.map((m) => `missing ${m}`)];
  if (!Number.isInteger(port) || port < 0 || port > 65535) problems.push(`PORT must be a port number (got ${JSON.stringify(env.PORT)})`);
  const takeover = env.LOCKSTEP_TAKEOVER_INTERVAL_MS ? Number(env.LOCKSTEP_TAKEOVER_INTERVAL_MS) : undefined;
  if (takeover !== undefined && !(Number.isInteger(takeover) && takeover >= 100)) {
    problems.push(`LOCKSTEP_TAKEOVER_INTERVAL_MS must be a whole number of milliseconds, at least 100 (got ${JSON.stringify(env.LOCKSTEP_TAKEOVER_INTERVAL_MS)})`);
  }
  if (problems.length > 0) {
    throw new UserError("serve-settings", `cannot start the Slack bot:\n  - ${problems.join("\n  - ")}`, {
      hint: "see docs/slack.md",
    });
  }
  return {
    mode,
    botToken: env.SLACK_BOT_TOKEN!,
    signingSecret: env.SLACK_SIGNING_SECRET || undefined,
    appToken: env.SLACK_APP_TOKEN || undefined,
    port,
    bindAddress: env.BIND_ADDRESS || undefined,
    apiUrl: env.SLACK_API_URL || undefined,
    takeoverIntervalMs: takeover,
  };
}
