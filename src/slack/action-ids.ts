/** Every Block Kit action id and view callback id the bot uses, in one place. */
export const ACTION = {
  approve: "lockstep_approve",
  reject: "lockstep_reject",
  apply: "lockstep_apply",
  applyCancel: "lockstep_apply_cancel",
  blockerEnd: "lockstep_blocker_end",
  blockerWait: "lockstep_blocker_wait",
  blockerAbort: "lockstep_blocker_abort",
  backfillPause: "lockstep_backfill_pause",
  backfillResume: "lockstep_backfill_resume",
  backfillCancel: "lockstep_backfill_cancel",
} as const;

export const VIEW = {
  checkModal: "lockstep_check_modal",
  rejectModal: "lockstep_reject_modal",
} as const;

/** block_id / action_id pairs of the inputs inside the modals. */
export const INPUT = {
  target: { block: "target", action: "target_select" },
  sql: { block: "sql", action: "sql_input" },
  file: { block: "file", action: "file_input" },
  reason: { block: "reason", action: "reason_input" },
} as const;
