import { createHmac, randomBytes } from "node:crypto";

/**
 * What Slack sends to a bot's request URL, built and signed the way Slack does: slash commands
 * (a form), interactivity payloads (payload=<json>) and their v0 HMAC-SHA256 signature over
 * "v0:<timestamp>:<body>" with the app's signing secret. The sandbox page talks to the real bot
 * through these; the tests use them too.
 */

export interface SignOptions {
  /** seconds since the epoch; now by default */
  timestamp?: number;
  /** sign with this secret instead (a forgery, in tests) */
  secret?: string;
}

export function signatureHeaders(signingSecret: string, body: string, opts: SignOptions = {}): Record<string, string> {
  const ts = opts.timestamp ?? Math.floor(Date.now() / 1000);
  const sig = createHmac("sha256", opts.secret ?? signingSecret).update(`v0:${ts}:${body}`).digest("hex");
  return {
    "content-type": "application/x-www-form-urlencoded",
    "x-slack-request-timestamp": String(ts),
    "x-slack-signature": `v0=${sig}`,
  };
}

let sequence = 0;

/** A trigger id in Slack's shape (a modal may be opened with it). */
export function newTriggerId(): string {
  return `${Date.now()}.${++sequence}.${randomBytes(8).toString("hex")}`;
}

export interface Workspace {
  teamId: string;
  teamDomain: string;
  appId: string;
  channel: { id: string; name: string };
  /** response_url in payloads (the bot answers in its acks instead) */
  responseUrl: string;
}

export function slashCommandBody(w: Workspace, opts: { command: string; text: string; user: { id: string; name: string }; triggerId: string }): string {
  return new URLSearchParams({
    token: "legacy",
    team_id: w.teamId,
    team_domain: w.teamDomain,
    channel_id: w.channel.id,
    channel_name: w.channel.name,
    user_id: opts.user.id,
    user_name: opts.user.name,
    command: opts.command,
    text: opts.text,
    api_app_id: w.appId,
    response_url: w.responseUrl,
    trigger_id: opts.triggerId,
  }).toString();
}

function payloadBase(w: Workspace, user: { id: string; name: string }, triggerId: string) {
  return {
    team: { id: w.teamId, domain: w.teamDomain },
    user: { id: user.id, username: user.name, name: user.name, team_id: w.teamId },
    api_app_id: w.appId,
    token: "legacy",
    trigger_id: triggerId,
  };
}

/** A button click on a message (in the channel or in a thread). */
export function blockActionsBody(
  w: Workspace,
  opts: {
    user: { id: string; name: string };
    triggerId: string;
    message: { ts: string; threadTs?: string; text?: string; blocks?: unknown[]; ephemeral?: boolean };
    action: { actionId: string; blockId: string; value: string; text?: string };
  },
): string {
  const m = opts.message;
  const payload = {
    type: "block_actions",
    ...payloadBase(w, opts.user, opts.triggerId),
    container: { type: "message", message_ts: m.ts, channel_id: w.channel.id, is_ephemeral: Boolean(m.ephemeral), ...(m.threadTs ? { thread_ts: m.threadTs } : {}) },
    channel: { id: w.channel.id, name: w.channel.name },
    message: { ts: m.ts, type: "message", text: m.text ?? "", ...(m.threadTs ? { thread_ts: m.threadTs } : {}), ...(m.blocks ? { blocks: m.blocks } : {}) },
    response_url: w.responseUrl,
    actions: [
      {
        action_id: opts.action.actionId,
        block_id: opts.action.blockId,
        value: opts.action.value,
        type: "button",
        ...(opts.action.text !== undefined ? { text: { type: "plain_text", text: opts.action.text } } : {}),
        action_ts: `${(Date.now() / 1000).toFixed(6)}`,
      },
    ],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/** A modal submitted: its view (id, hash, callback id, private metadata) and the inputs' values. */
export function viewSubmissionBody(
  w: Workspace,
  opts: {
    user: { id: string; name: string };
    triggerId: string;
    view: { id: string; hash: string; callbackId: string; privateMetadata: string };
    values: Record<string, Record<string, unknown>>;
  },
): string {
  const payload = {
    type: "view_submission",
    ...payloadBase(w, opts.user, opts.triggerId),
    view: {
      id: opts.view.id,
      type: "modal",
      callback_id: opts.view.callbackId,
      private_metadata: opts.view.privateMetadata,
      hash: opts.view.hash,
      state: { values: opts.values },
    },
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/** Web API request bodies: form-encoded with JSON-string fields (how @slack/web-api sends blocks), or JSON. */
export function decodeWebApiBody(raw: Buffer, contentType: string): Record<string, any> {
  const text = raw.toString("utf8");
  if (contentType.includes("application/json")) return text ? JSON.parse(text) : {};
  const out: Record<string, any> = {};
  for (const [k, v] of new URLSearchParams(text)) out[k] = /^[[{]/.test(v) ? jsonOr(v) : v;
  return out;
}

function jsonOr(v: string): unknown {
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}
