import { INPUT, VIEW } from "../action-ids.js";
import { LIMITS } from "./limits.js";
import type { Modal } from "./types.js";

/** `/migrate check` without arguments: pick a target, paste SQL or attach a .sql file. */
export function checkModal(opts: { targets: string[]; channel: string }): Modal {
  return {
    type: "modal",
    callback_id: VIEW.checkModal,
    private_metadata: JSON.stringify({ channel: opts.channel }),
    title: { type: "plain_text", text: "Check a migration" },
    submit: { type: "plain_text", text: "Check" },
    close: { type: "plain_text", text: "Cancel" },
    blocks: [
      {
        type: "input",
        block_id: INPUT.target.block,
        label: { type: "plain_text", text: "Target" },
        element: {
          type: "static_select",
          action_id: INPUT.target.action,
          options: opts.targets.slice(0, 100).map((t) => ({ text: { type: "plain_text", text: t.slice(0, 75) }, value: t })),
        },
      },
      {
        type: "input",
        block_id: INPUT.sql.block,
        optional: true,
        label: { type: "plain_text", text: "SQL" },
        hint: {
          type: "plain_text",
          text: `Up to ${LIMITS.textInput} characters. Longer: attach a .sql file below, or paste the link of a .sql file shared in this channel.`,
        },
        element: { type: "plain_text_input", action_id: INPUT.sql.action, multiline: true, max_length: LIMITS.textInput },
      },
      {
        type: "input",
        block_id: INPUT.file.block,
        optional: true,
        label: { type: "plain_text", text: "Or a .sql file" },
        element: { type: "file_input", action_id: INPUT.file.action, filetypes: ["sql"], max_files: 1 },
      },
    ],
  };
}

/** Reject asks for a reason. */
export function rejectModal(checkId: string): Modal {
  return {
    type: "modal",
    callback_id: VIEW.rejectModal,
    private_metadata: checkId,
    title: { type: "plain_text", text: "Reject migration" },
    submit: { type: "plain_text", text: "Reject" },
    close: { type: "plain_text", text: "Cancel" },
    blocks: [
      {
        type: "input",
        block_id: INPUT.reason.block,
        label: { type: "plain_text", text: "Reason" },
        element: { type: "plain_text_input", action_id: INPUT.reason.action, multiline: true, max_length: 1000 },
      },
    ],
  };
}
