import type { App, webApi } from "@slack/bolt";
import { listAudit } from "../../store/audit.js";
import { recentChecks } from "../../store/checks.js";
import { listRuns } from "../../backfill/index.js";
import { backfillRunsMessage } from "../blocks/backfill.js";
import { helpMessage } from "../blocks/help.js";
import { auditMessage, noteMessage, statusMessage } from "../blocks/lists.js";
import { checkModal } from "../blocks/modals.js";
import { allowedTarget, backfillFromSpec, checkFromSpec, targetsInChannel, type Requester } from "../check-flow.js";
import { onFirstDelivery } from "../dedupe.js";
import type { BotDeps } from "../deps.js";
import { tellError } from "../errors.js";

export const SLASH_COMMAND = "/migrate";

const USAGE = "usage: `/migrate check &lt;target&gt; &lt;path | latest | pending&gt;` (or `/migrate help`)";
const BACKFILL_USAGE = "usage: `/migrate backfill &lt;target&gt; &lt;spec file&gt;` or `/migrate backfill status [target]`";

/**
 * `/migrate ...`: ack at once (nothing before it waits for the database); the modal opens right away
 * (its trigger expires in 3 s), the rest is queued. Retries are acked too; their work is dropped.
 */
export function registerCommand(app: App, deps: BotDeps): void {
  app.command(SLASH_COMMAND, async ({ command, body, ack, client }) => {
    const [sub = "", ...args] = command.text.trim().split(/\s+/).filter(Boolean);
    const who = { user: command.user_id, channel: command.channel_id };
    if (sub === "help" || (sub !== "" && !["check", "status", "audit", "backfill"].includes(sub))) {
      await ack(helpMessage());
      return;
    }
    await ack();
    if (sub === "" || (sub === "check" && args.length === 0)) {
      if (!(await deps.firstDelivery(body))) return;
      await openCheckModal(deps, client, who, command.trigger_id).catch((e) => tellError(client, deps.log, who, e));
      return;
    }
    deps.work.push(onFirstDelivery(deps.firstDelivery, body, () => subcommand(deps, client, who, sub, args).catch((e) => tellError(client, deps.log, who, e))));
  });
}

async function openCheckModal(deps: BotDeps, client: webApi.WebClient, who: Requester, triggerId: string): Promise<void> {
  const targets = targetsInChannel(deps, who.channel);
  if (targets.length === 0) {
    await client.chat.postEphemeral({ ...who, ...noteMessage("No target answers in this channel.") });
    return;
  }
  await client.views.open({ trigger_id: triggerId, view: checkModal({ targets, channel: who.channel }) });
}

async function subcommand(deps: BotDeps, client: webApi.WebClient, who: Requester, sub: string, args: string[]): Promise<void> {
  if (sub === "check") {
    if (args.length !== 2) {
      await client.chat.postEphemeral({ ...who, ...noteMessage(USAGE) });
      return;
    }
    await checkFromSpec(deps, client, who, args[0]!, args[1]!);
    return;
  }
  if (sub === "backfill" && args[0] !== "status") {
    if (args.length !== 2) {
      await client.chat.postEphemeral({ ...who, ...noteMessage(BACKFILL_USAGE) });
      return;
    }
    await backfillFromSpec(deps, client, who, args[0]!, args[1]!);
    return;
  }
  if (sub === "backfill") args = args.slice(1);
  // only what this channel may see: the named target, or every target answering here
  if (args[0]) await allowedTarget(deps, args[0], who, sub);
  const targets = args[0] ? [args[0]] : targetsInChannel(deps, who.channel);
  const message =
    sub === "backfill"
      ? backfillRunsMessage((await listRuns(deps.pool, { limit: 100 })).filter((r) => targets.includes(r.target)).slice(0, 20), args[0])
      : sub === "status"
        ? statusMessage(await recentChecks(deps.pool, { targets }), args[0])
        : auditMessage(await listAudit(deps.pool, { targets, limit: 30 }), args[0]);
  await client.chat.postEphemeral({ ...who, ...message });
}
