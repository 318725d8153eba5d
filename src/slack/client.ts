import { webApi } from "@slack/bolt";
import { UserError } from "../errors.js";

/**
 * A Web API client outside a Slack request (apply and backfill jobs posting progress into a
 * check's thread): SLACK_BOT_TOKEN and SLACK_API_URL from the environment, as `lockstep serve` uses.
 */
export function slackClient(env: NodeJS.ProcessEnv = process.env): webApi.WebClient {
  if (!env.SLACK_BOT_TOKEN) throw new UserError("serve-settings", "missing SLACK_BOT_TOKEN (needed to post into Slack)");
  return new webApi.WebClient(env.SLACK_BOT_TOKEN, {
    ...(env.SLACK_API_URL ? { slackApiUrl: env.SLACK_API_URL } : {}),
    retryConfig: { retries: 2, maxTimeout: 2000 },
  });
}
