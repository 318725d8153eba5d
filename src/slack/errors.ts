import { randomBytes } from "node:crypto";
import type { webApi } from "@slack/bolt";
import type { Logger } from "pino";
import { isUnavailable, isUserError } from "../errors.js";
import { redact } from "../redact.js";
import { noteMessage } from "./blocks/lists.js";
import { escapeMrkdwn } from "./mrkdwn.js";

/**
 * The Slack side's only error boundary: a user error is told to the user (ephemeral, redacted,
 * escaped); anything else is logged once with a reference the user can quote.
 */
export async function tellError(client: webApi.WebClient, log: Logger, where: { channel: string; user: string }, e: unknown): Promise<void> {
  let text: string;
  if (!isUserError(e) && isUnavailable(e)) {
    log.warn({ err: e }, "state or target database unavailable");
    text = ":hourglass: Lockstep is temporarily unavailable (a database it needs cannot be reached right now); nothing was recorded. Try again in a minute.";
  } else if (isUserError(e)) {
    text = `:warning: ${escapeMrkdwn(redact(e.message))}${e.hint ? `\n_${escapeMrkdwn(redact(e.hint))}_` : ""}`;
  } else {
    const ref = randomBytes(4).toString("hex");
    log.error({ err: e, ref }, "slack request failed");
    text = `:boom: Lockstep hit an internal error (reference \`${ref}\`); it is in the bot's log.`;
  }
  try {
    await client.chat.postEphemeral({ channel: where.channel, user: where.user, ...noteMessage(text) });
  } catch (postError) {
    log.error({ err: postError }, "could not tell the user about an error");
  }
}
