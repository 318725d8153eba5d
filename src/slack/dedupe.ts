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

/**
 * Asked by a listener after its ack, before its work: true for the first delivery of a request,
 * false for a retry or a copy another replica took first (dropped, logged). The ack never waits
 * for this database round trip (a retry is acked like the original; only its work is skipped),
 * and a request whose work never starts (help, a modal answered with validation errors) claims nothing.
 */
export type FirstDelivery = (body: object) => Promise<boolean>;

export function firstDeliveryIn(pool: pg.Pool, log: Logger): FirstDelivery {
  return async (body) => {
    const key = requestKey(body as Record<string, any>);
    if (!key) return true;
    let first: boolean;
    try {
      first = await claimRequestKey(pool, key);
    } catch (e) {
      // the state database is out of reach: the work goes ahead, meets the same outage and tells
      // the user it is temporarily unavailable (a retry could only fail the same way)
      log.warn({ err: e, key }, "could not record a Slack request key");
      return true;
    }
    if (first) return true;
    log.info({ key }, "duplicate Slack request dropped");
    return false;
  };
}

/** `job`, run only for the first delivery of `body` (for the work queue). */
export function onFirstDelivery(firstDelivery: FirstDelivery, body: object, job: () => Promise<void>): () => Promise<void> {
  return async () => {
    if (await firstDelivery(body)) await job();
  };
}
