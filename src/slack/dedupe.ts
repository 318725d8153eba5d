import type { AnyMiddlewareArgs, Middleware } from "@slack/bolt";
import type { Logger } from "pino";
import type pg from "pg";
import { claimRequestKey } from "../store/checks.js";

/**
 * A stable key per Slack request: the same key for a retry (X-Slack-Retry-Num) or a second
 * replica receiving it; different keys for two real clicks.
 */
export function requestKey(body: Record<string, any>): string | undefined {
  if (body.event_id) return `event:${body.event_id}`;
  if (body.command && body.trigger_id) return `command:${body.trigger_id}`;
  if (body.type === "block_actions") return `action:${body.trigger_id}:${body.actions?.[0]?.action_ts ?? ""}`;
  if (body.type === "view_submission") return `view:${body.view?.id}:${body.view?.hash ?? ""}`;
  return undefined;
}

/** Global middleware: a request already seen is acknowledged and dropped. */
export function dedupeRequests(pool: pg.Pool, log: Logger): Middleware<AnyMiddlewareArgs> {
  return async (args) => {
    const key = requestKey(args.body as Record<string, any>);
    if (key && !(await claimRequestKey(pool, key))) {
      log.info({ key, retry: args.context.retryNum }, "duplicate Slack request dropped");
      const ack = (args as { ack?: () => Promise<void> }).ack;
      if (ack) await ack();
      return;
    }
    await args.next();
  };
}
