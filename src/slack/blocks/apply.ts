import type { DriftReport } from "../../apply/drift.js";
import type { ApplyOutcome } from "../../apply/run.js";
import type { Blocker } from "../../apply/types.js";
import { ACTION } from "../action-ids.js";
import { codeBlock, escapeMrkdwn, shorten, userMention } from "../mrkdwn.js";
import { formatSeconds } from "./format.js";
import { LIMITS } from "./limits.js";
import { chunkSections, context, section } from "./report.js";
import type { Block, Message } from "./types.js";

/** What the progress message shows; folded from apply events by the Slack flow. */
export interface ApplyProgressView {
  jobId: string;
  target: string;
  requestedBy: string;
  step: number;
  steps: number;
  /** the migration and statement running now */
  current?: { path: string; sql: string };
  elapsedMs: number;
  lockWaits: number;
  /** newest last: retries, blockers, cleanups */
  notes: string[];
  cancelRequestedBy?: string;
}

function button(text: string, actionId: string, value: string, style?: "danger" | "primary"): Block {
  return { type: "actions", elements: [{ type: "button", text: { type: "plain_text", text }, action_id: actionId, value: shorten(value, LIMITS.buttonValue), ...(style ? { style } : {}) }] } as Block;
}

/** The one progress message of an apply, updated in place. */
export function applyProgressMessage(v: ApplyProgressView): Message {
  const head = `:hourglass_flowing_sand: *Applying to \`${escapeMrkdwn(v.target)}\`* — step ${v.step}/${v.steps} · ${formatSeconds(v.elapsedMs / 1000)} elapsed · lock waits ${v.lockWaits}`;
  const blocks: Block[] = [section(head)];
  if (v.current) blocks.push(section(`\`${escapeMrkdwn(v.current.path)}\`\n${codeBlock(v.current.sql, LIMITS.statementSql)}`));
  if (v.notes.length) blocks.push(context(v.notes.slice(-5).map(escapeMrkdwn).join("\n")));
  if (v.cancelRequestedBy) blocks.push(context(`Cancel requested by ${userMention(v.cancelRequestedBy)}: stopping after the running statement is cancelled…`));
  else blocks.push(button("Cancel", ACTION.applyCancel, v.jobId, "danger"));
  return { text: `Applying to ${v.target}: step ${v.step}/${v.steps}`, blocks };
}

const STATUS_WORDS: Record<ApplyOutcome["status"], string> = {
  applied: ":white_check_mark: Applied",
  "nothing-to-do": ":white_check_mark: Nothing to apply",
  "dry-run": "Dry run",
  stopped: ":octagonal_sign: Apply stopped",
  refused: ":no_entry: Apply refused",
  busy: ":no_entry: Apply refused",
};

/** The final summary (replaces the progress message): what applied, durations, and on a stop the error and rollback plan. */
export function applySummaryMessage(o: ApplyOutcome): Message {
  const head = `${STATUS_WORDS[o.status]} on \`${escapeMrkdwn(o.target)}\` in ${formatSeconds(o.durationMs / 1000)}${o.lockWaits ? ` · lock waits ${o.lockWaits}` : ""}`;
  const lines = o.applied.map((m) => `• \`${escapeMrkdwn(m.path)}\` — ${formatSeconds(m.durationMs / 1000)}`);
  const blocks: Block[] = lines.length ? chunkSections(head, lines).slice(0, 20) : [section(head)];
  if (o.reason) blocks.push(section(`*Why:* ${escapeMrkdwn(shorten(o.reason, 1500))}`));
  if (o.failure) blocks.push(section(`*Postgres said:* ${escapeMrkdwn(o.failure.message)}${o.failure.code ? ` (${o.failure.code})` : ""}\n${codeBlock(o.failure.sql, LIMITS.statementSql)}`));
  const notes = [...o.cleanups, ...o.resolved];
  if (notes.length) blocks.push(context(shorten(notes.map(escapeMrkdwn).join("\n"), LIMITS.sectionText)));
  if (o.status === "stopped" && o.rollback.length) {
    blocks.push(...chunkSections("*Rollback plan for what applied* (newest first):", o.rollback.map((r) => `• \`${escapeMrkdwn(r.version)}\`: ${escapeMrkdwn(r.note)}`)).slice(0, 10));
  }
  if (o.hint) blocks.push(context(escapeMrkdwn(o.hint)));
  return { text: `${STATUS_WORDS[o.status].replace(/:[a-z_]+: /, "")} on ${o.target}`, blocks: blocks.slice(0, LIMITS.blocksPerMessage) };
}

/** on_blocker: ask — who blocks the next statement, and three buttons for approvers. */
export function blockerQuestionMessage(jobId: string, target: string, blockers: Blocker[], sql: string): Message {
  const lines = blockers.slice(0, 20).map(
    (b) => `• pid ${b.pid} — ${escapeMrkdwn(b.user ?? "?")} — ${escapeMrkdwn(b.application || "no application name")} — ${escapeMrkdwn(b.state ?? "?")} for ${formatSeconds(b.durationMs / 1000)} — ${b.granted ? "holds" : "waits for"} ${b.mode} on \`${escapeMrkdwn(b.relation)}\`: \`${escapeMrkdwn(shorten(b.query, 120))}\``,
  );
  const blocks = chunkSections(`:warning: *Sessions would block the next statement on \`${escapeMrkdwn(target)}\`*\n${codeBlock(sql, 300)}`, lines).slice(0, 40);
  blocks.push({
    type: "actions",
    elements: [
      { type: "button", text: { type: "plain_text", text: "End them" }, action_id: ACTION.blockerEnd, value: jobId, style: "danger" },
      { type: "button", text: { type: "plain_text", text: "Wait (lock_timeout retries)" }, action_id: ACTION.blockerWait, value: jobId },
      { type: "button", text: { type: "plain_text", text: "Abort the apply" }, action_id: ACTION.blockerAbort, value: jobId },
    ],
  } as Block);
  return { text: `Sessions would block the apply on ${target}`, blocks };
}

/** Drift found by the daily check, for the target's channels. */
export function driftMessage(r: DriftReport): Message {
  const blocks: Block[] = [section(`:warning: *Drift on \`${escapeMrkdwn(r.target)}\`*`)];
  if (r.editedMigrations.length) {
    blocks.push(...chunkSections("*Edited deployed migrations* — edited deployed migration: write a new migration instead", r.editedMigrations.map((p) => `• \`${escapeMrkdwn(p)}\``)).slice(0, 10));
  }
  if (r.schemaChanges.length) {
    const since = r.snapshotTakenAt ? ` since the snapshot after the last apply (${r.snapshotTakenAt})` : "";
    blocks.push(...chunkSections(`*The live schema changed${escapeMrkdwn(since)}* — manual SQL in production?`, r.schemaChanges.slice(0, 200).map((c) => `• ${escapeMrkdwn(c)}`)).slice(0, 20));
  }
  return { text: `Drift on ${r.target}: ${r.editedMigrations.length} edited migration(s), ${r.schemaChanges.length} schema change(s)`, blocks: blocks.slice(0, LIMITS.blocksPerMessage) };
}
