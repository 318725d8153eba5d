import {
  blockActionsBody,
  signatureHeaders,
  slashCommandBody as slashCommand,
  viewSubmissionBody as viewSubmission,
  type SignOptions as BaseSignOptions,
  type Workspace,
} from "../../src/sandbox/slack-requests.js";

export { signatureHeaders };

export interface SignOptions extends BaseSignOptions {
  retryNum?: number;
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
const nextTrigger = () => `trigger.${Date.now()}.${++trigger}`;
const workspace = (channel: string): Workspace => ({ teamId: "T1", teamDomain: "acme", appId: "A1", channel: { id: channel, name: "db" }, responseUrl: "http://127.0.0.1:9/response" });
const user = (id: string) => ({ id, name: `user-${id}` });

/** A slash command's form body. */
export function slashCommandBody(opts: { text: string; user: string; channel: string; triggerId?: string }): string {
  return slashCommand(workspace(opts.channel), { command: "/migrate", text: opts.text, user: user(opts.user), triggerId: opts.triggerId ?? nextTrigger() });
}

/** An interactivity payload (button click) as Slack posts it: payload=<json>. */
export function buttonClickBody(opts: { actionId: string; value: string; user: string; channel: string; messageTs: string }): string {
  return blockActionsBody(workspace(opts.channel), {
    user: user(opts.user),
    triggerId: nextTrigger(),
    message: { ts: opts.messageTs },
    action: { actionId: opts.actionId, blockId: "lockstep_actions", value: opts.value },
  });
}

/** A modal submission; a new view unless `view` names one (the same modal submitted again). */
export function viewSubmissionBody(opts: {
  callbackId: string;
  user: string;
  privateMetadata: string;
  values: Record<string, Record<string, unknown>>;
  view?: { id: string; hash: string };
}): string {
  const n = ++trigger;
  return viewSubmission(workspace("C1"), {
    user: user(opts.user),
    triggerId: nextTrigger(),
    view: { id: opts.view?.id ?? `V${n}`, hash: opts.view?.hash ?? `h${n}`, callbackId: opts.callbackId, privateMetadata: opts.privateMetadata },
    values: opts.values,
  });
}
