import type { App } from "@slack/bolt";
import { INPUT, VIEW } from "../action-ids.js";
import { reject } from "../approval-flow.js";
import { checkAdhoc } from "../check-flow.js";
import { onFirstDelivery } from "../dedupe.js";
import type { BotDeps } from "../deps.js";
import { tellError } from "../errors.js";
import { downloadSqlFile, fileIdFromLink } from "../shared-file.js";
import { loadCheck } from "../../store/checks.js";

/** Modal submissions: the check form and the reject reason. */
export function registerViews(app: App, deps: BotDeps): void {
  app.view(VIEW.checkModal, async ({ ack, view, body, client }) => {
    const values = view.state.values;
    const target = values[INPUT.target.block]?.[INPUT.target.action]?.selected_option?.value ?? "";
    const sql = values[INPUT.sql.block]?.[INPUT.sql.action]?.value ?? "";
    const uploaded = (values[INPUT.file.block]?.[INPUT.file.action] as { files?: Array<{ id: string }> } | undefined)?.files?.[0]?.id;
    // a link to a .sql file already shared in the channel works too (pasted instead of SQL)
    const linked = uploaded ? undefined : fileIdFromLink(sql);
    const fileId = uploaded ?? linked;
    if (!sql.trim() && !fileId) {
      await ack({ response_action: "errors", errors: { [INPUT.sql.block]: "Paste SQL here, or attach a .sql file below." } });
      return;
    }
    // the bot wrote private_metadata when it opened the modal: anything else is not our form
    const channel = channelOf(view.private_metadata);
    if (!channel) {
      await ack({ response_action: "errors", errors: { [INPUT.sql.block]: "This form is out of date: run /migrate check again." } });
      return;
    }
    await ack();
    const who = { user: body.user.id, channel };
    deps.work.push(onFirstDelivery(deps.firstDelivery, body, async () => {
      try {
        const input = fileId
          ? await downloadSqlFile(client, deps.botToken, fileId, { sharedIn: linked ? who.channel : undefined })
          : { name: "pasted.sql", sql };
        await checkAdhoc(deps, client, who, target, input.name, input.sql);
      } catch (e) {
        await tellError(client, deps.log, who, e);
      }
    }));
  });

  app.view(VIEW.rejectModal, async ({ ack, view, body, client }) => {
    const reason = (view.state.values[INPUT.reason.block]?.[INPUT.reason.action]?.value ?? "").trim();
    if (!reason) {
      await ack({ response_action: "errors", errors: { [INPUT.reason.block]: "Say why, so the requester can fix it." } });
      return;
    }
    await ack();
    deps.work.push(onFirstDelivery(deps.firstDelivery, body, async () => {
      const check = await loadCheck(deps.pool, view.private_metadata);
      const click = { checkId: view.private_metadata, user: body.user.id, channel: check?.channel ?? "" };
      await reject(deps, client, click, reason).catch((e) => tellError(client, deps.log, click, e));
    }));
  });
}

/** The channel the check modal was opened in, from its private_metadata ({"channel": "C..."}). */
function channelOf(privateMetadata: string | undefined): string | undefined {
  try {
    const { channel } = JSON.parse(privateMetadata || "{}") as { channel?: unknown };
    return typeof channel === "string" && /^[A-Z0-9]{1,64}$/.test(channel) ? channel : undefined;
  } catch {
    return undefined;
  }
}
