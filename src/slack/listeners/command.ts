import type { App } from "@slack/bolt";
import { listAudit } from "../../store/audit.js";
import { recentChecks } from "../../store/checks.js";
import { helpMessage } from "../blocks/help.js";
import { auditMessage, noteMessage, statusMessage } from "../blocks/lists.js";
import { checkModal } from "../blocks/modals.js";
import { checkFromSpec, targetForChannel } from "../check-flow.js";
import type { BotDeps } from "../deps.js";
import { tellError } from "../errors.js";

export const SLASH_COMMAND = "/migrate";

const USAGE = "usage: `/migrate check &lt;target&gt; &lt;path | latest | pending&gt;` (or `/migrate help`)";

/** `/migrate ...`: ack at once, then work. */
export function registerCommand(app: App, deps: BotDeps): void {
  app.command(SLASH_COMMAND, async ({ command, ack, client }) => {
    const [sub = "", ...args] = command.text.trim().split(/\s+/).filter(Boolean);
    const who = { user: command.user_id, channel: command.channel_id };
    if (sub === "help" || (sub !== "" && !["check", "status", "audit"].includes(sub))) {
      await ack(helpMessage());
      return;
    }
    await ack();
    try {
      if (sub === "" || (sub === "check" && args.length === 0)) {
        const targets = Object.keys(deps.loaded.config.targets).filter((t) => {
          const channels = deps.loaded.config.targets[t]!.channels;
          return channels.length === 0 || channels.includes(who.channel);
        });
        if (targets.length === 0) {
          await client.chat.postEphemeral({ ...who, ...noteMessage("No target answers in this channel.") });
          return;
        }
        await client.views.open({ trigger_id: command.trigger_id, view: checkModal({ targets, channel: who.channel }) });
      } else if (sub === "check") {
        if (args.length !== 2) {
          await client.chat.postEphemeral({ ...who, ...noteMessage(USAGE) });
          return;
        }
        await checkFromSpec(deps, client, who, args[0]!, args[1]!);
      } else {
        if (args[0]) targetForChannel(deps, args[0], who.channel);
        const message =
          sub === "status"
            ? statusMessage(await recentChecks(deps.pool, { target: args[0] }), args[0])
            : auditMessage(await listAudit(deps.pool, { target: args[0], limit: 30 }), args[0]);
        await client.chat.postEphemeral({ ...who, ...message });
      }
    } catch (e) {
      await tellError(client, deps.log, who, e);
    }
  });
}
