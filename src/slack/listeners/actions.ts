import type { App, BlockButtonAction } from "@slack/bolt";
import { ACTION } from "../action-ids.js";
import { onFirstDelivery } from "../dedupe.js";
import { approve, openReject, requestApply } from "../approval-flow.js";
import type { BotDeps } from "../deps.js";
import { tellError } from "../errors.js";

/** Approve / Reject / Apply buttons on a report: ack, then (first delivery only) the approval flow. */
export function registerActions(app: App, deps: BotDeps): void {
  const clickOf = (body: BlockButtonAction) => ({
    checkId: body.actions[0]?.value ?? "",
    user: body.user.id,
    channel: body.channel?.id ?? body.container?.channel_id ?? "",
  });
  app.action<BlockButtonAction>(ACTION.approve, async ({ ack, body, client }) => {
    await ack();
    const click = clickOf(body);
    deps.work.push(onFirstDelivery(deps.firstDelivery, body, () => approve(deps, client, click).catch((e) => tellError(client, deps.log, click, e))));
  });
  app.action<BlockButtonAction>(ACTION.reject, async ({ ack, body, client }) => {
    await ack();
    if (!(await deps.firstDelivery(body))) return;
    const click = clickOf(body);
    await openReject(deps, client, { ...click, triggerId: body.trigger_id }).catch((e) => tellError(client, deps.log, click, e));
  });
  app.action<BlockButtonAction>(ACTION.apply, async ({ ack, body, client }) => {
    await ack();
    const click = clickOf(body);
    deps.work.push(onFirstDelivery(deps.firstDelivery, body, () => requestApply(deps, client, click).catch((e) => tellError(client, deps.log, click, e))));
  });
}
