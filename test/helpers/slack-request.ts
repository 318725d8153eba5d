import { createHmac } from "node:crypto";

export interface SignOptions {
  /** seconds since the epoch; now by default */
  timestamp?: number;
  /** sign with this secret instead (a forgery) */
  secret?: string;
  retryNum?: number;
}

/** Slack's request headers: v0 HMAC-SHA256 signature over "v0:<ts>:<body>". */
export function signatureHeaders(signingSecret: string, body: string, opts: SignOptions = {}): Record<string, string> {
  const ts = opts.timestamp ?? Math.floor(Date.now() / 1000);
  const sig = createHmac("sha256", opts.secret ?? signingSecret).update(`v0:${ts}:${body}`).digest("hex");
  return {
    "content-type": "application/x-www-form-urlencoded",
    "x-slack-request-timestamp": String(ts),
    "x-slack-signature": `v0=${sig}`,
  };
}

/** POST a body to the bot as Slack would. */
export async function postSigned(url: string, signingSecret: string, body: string, opts: SignOptions = {}): Promise<Response> {
  const headers = signatureHeaders(signingSecret, body, opts);
  if (opts.retryNum !== undefined) {
    headers["x-slack-retry-num"] = String(opts.retryNum);
    headers["x-slack-retry-reason"] = "http_timeout";
  }
  return fetch(url, { method: "POST", headers, body });
}

let trigger = 0;

/** A slash command's form body. */
export function slashCommandBody(opts: { text: string; user: string; channel: string; triggerId?: string }): string {
  return new URLSearchParams({
    token: "legacy",
    team_id: "T1",
    team_domain: "acme",
    channel_id: opts.channel,
    channel_name: "db",
    user_id: opts.user,
    user_name: `user-${opts.user}`,
    command: "/migrate",
    text: opts.text,
    api_app_id: "A1",
    response_url: "http://127.0.0.1:9/response",
    trigger_id: opts.triggerId ?? `trigger.${Date.now()}.${++trigger}`,
  }).toString();
}

/** The fields every interactivity payload carries. */
function payloadBase(user: string) {
  return {
    team: { id: "T1", domain: "acme" },
    user: { id: user, username: `user-${user}`, team_id: "T1" },
    api_app_id: "A1",
    token: "legacy",
    trigger_id: `trigger.${Date.now()}.${++trigger}`,
  };
}

/** An interactivity payload (button click) as Slack posts it: payload=<json>. */
export function buttonClickBody(opts: { actionId: string; value: string; user: string; channel: string; messageTs: string }): string {
  const payload = {
    type: "block_actions",
    ...payloadBase(opts.user),
    container: { type: "message", message_ts: opts.messageTs, channel_id: opts.channel, is_ephemeral: false },
    channel: { id: opts.channel, name: "db" },
    message: { ts: opts.messageTs, type: "message", text: "" },
    response_url: "http://127.0.0.1:9/response",
    actions: [{ action_id: opts.actionId, block_id: "lockstep_actions", value: opts.value, type: "button", action_ts: `${Date.now() / 1000}${++trigger}` }],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/** A modal submission payload. */
/** A modal submission; a new view unless `view` names one (the same modal submitted again). */
export function viewSubmissionBody(opts: {
  callbackId: string;
  user: string;
  privateMetadata: string;
  values: Record<string, Record<string, unknown>>;
  view?: { id: string; hash: string };
}): string {
  ++trigger;
  const payload = {
    type: "view_submission",
    ...payloadBase(opts.user),
    view: {
      id: opts.view?.id ?? `V${trigger}`,
      type: "modal",
      callback_id: opts.callbackId,
      private_metadata: opts.privateMetadata,
      hash: opts.view?.hash ?? `h${trigger}`,
      state: { values: opts.values },
    },
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}
