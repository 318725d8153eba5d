import type { BackfillCheck } from "../../analyze/types.js";
import type { BackfillProgress, BackfillResult, BackfillRun } from "../../backfill/index.js";
import { ACTION } from "../action-ids.js";
import { codeBlock, escapeMrkdwn, shorten, userMention } from "../mrkdwn.js";
import { RISK_WORD, formatCount, formatSeconds, shortHash } from "./format.js";
import { LIMITS } from "./limits.js";
import { approvalBlocks, chunkSections, context, section, type ReportView } from "./report.js";
import type { Block, Button, Message } from "./types.js";

/** Rows above which a backfill is high risk (default: medium). */
export const HIGH_RISK_ROWS = 10_000_000;

/** The `/migrate backfill` report: what the spec updates, how much, how fast; then the approval section. */
export function backfillReportMessage(view: ReportView, b: BackfillCheck): Message {
  const meta = [
    `*Target* \`${escapeMrkdwn(view.target)}\``,
    `*Risk* ${RISK_WORD[b.risk]}`,
    `*Table* \`${escapeMrkdwn(b.table)}\``,
    `*Estimated rows* ${b.estimated_rows === null ? "unknown (no connection)" : formatCount(b.estimated_rows)}`,
    `requested by ${userMention(view.requestedBy)}`,
  ].join("  ·  ");
  const batch = [
    `batch size ${b.batch_size}`,
    b.target_batch_ms !== undefined ? `target ${b.target_batch_ms} ms/batch` : "",
    b.max_rows_per_s !== undefined ? `max ${b.max_rows_per_s} rows/s` : "",
    b.workers > 1 ? `${b.workers} workers` : "",
  ].filter(Boolean).join("  ·  ");
  const sql = `SET ${b.set.join(", ")}${b.where ? `\nWHERE ${b.where}` : ""}`;
  const blocks: Block[] = [
    { type: "header", text: { type: "plain_text", text: shorten(`Backfill check: ${view.target} — ${b.risk} risk`, LIMITS.headerText) } },
    section(meta),
    context(`spec \`${escapeMrkdwn(b.spec_path)}\`  ·  content \`${shortHash(view.contentHash)}\`  ·  check \`${view.checkId}\``),
    section(codeBlock(sql, LIMITS.sectionText - 10)),
    section(`*Batches* ${batch} — each batch commits on its own; Pause / Resume / Cancel in the thread.`),
    { type: "divider" },
    ...approvalBlocks(view),
  ];
  return { text: `Lockstep backfill check for ${view.target}: risk ${b.risk}`, blocks };
}

/** The progress message in the thread, updated in place; controls for approvers. */
export function backfillProgressMessage(target: string, p: BackfillProgress): Message {
  const total = p.estimated_total;
  const pct = total ? ` (${Math.min(100, Math.round((p.scanned / total) * 100))}%)` : "";
  const parts = [
    `*Rows* ${p.rows.toLocaleString("en-US")} / ${total === null ? "?" : `~${total.toLocaleString("en-US")}`}${pct}`,
    `*Speed* ${p.rows_per_s.toLocaleString("en-US")} rows/s`,
    `*ETA* ${p.eta_s === null ? "?" : formatSeconds(p.eta_s)}`,
    `*Batch* ${p.batch_size.toLocaleString("en-US")}`,
  ];
  const state = p.status === "throttled" ? `:hourglass: throttled: ${escapeMrkdwn(p.throttle ?? "waiting")}` : p.throttle ? `:hourglass: ${escapeMrkdwn(p.throttle)}` : ":arrows_counterclockwise: running";
  return {
    text: `Backfill of ${p.table} on ${target}: ${p.rows} rows`,
    blocks: [
      section(`*Backfilling \`${escapeMrkdwn(p.table)}\` on \`${escapeMrkdwn(target)}\`*  ·  run \`${p.run_id}\``),
      section(parts.join("  ·  ")),
      context(state),
      { type: "actions", block_id: "lockstep_backfill_controls", elements: controlButtons(p.run_id, "running") },
    ],
  };
}

function controlButtons(runId: string, state: "running" | "paused"): Button[] {
  const b = (action_id: string, text: string, style?: "primary" | "danger"): Button => ({ type: "button", action_id, text: { type: "plain_text", text }, value: runId, ...(style ? { style } : {}) });
  return [state === "running" ? b(ACTION.backfillPause, "Pause") : b(ACTION.backfillResume, "Resume", "primary"), b(ACTION.backfillCancel, "Cancel", "danger")];
}

const ENDING: Record<BackfillResult["status"], string> = { done: ":white_check_mark: Backfill done", paused: ":double_vertical_bar: Backfill paused", cancelled: ":no_entry: Backfill cancelled", failed: ":x: Backfill failed" };

/** The final summary in place of the progress message (a paused run keeps Resume / Cancel). */
export function backfillSummaryMessage(target: string, r: BackfillResult): Message {
  const line = [
    `${r.rows.toLocaleString("en-US")} rows`,
    `${r.batches} batches`,
    `${formatSeconds(r.seconds)}`,
    `${r.rows_per_s.toLocaleString("en-US")} rows/s`,
    `max batch ${r.max_batch_ms} ms`,
    r.remaining !== null && r.remaining > 0 ? `${r.remaining.toLocaleString("en-US")} rows remaining` : "",
  ].filter(Boolean).join("  ·  ");
  const blocks: Block[] = [
    section(`*${ENDING[r.status]}* on \`${escapeMrkdwn(target)}\`: \`${escapeMrkdwn(r.table)}\`${r.reason ? ` — ${stopReason(r)}` : ""}`),
    section(line),
    context(`run \`${r.run_id}\``),
  ];
  if (r.status === "paused" || r.status === "failed") blocks.push({ type: "actions", block_id: "lockstep_backfill_controls", elements: controlButtons(r.run_id, "paused") });
  return { text: `Backfill ${r.status} on ${target}: ${r.table}`, blocks };
}

/** "paused by U123" -> "paused by @user": the engine names who stopped it as the state database holds it. */
function stopReason(r: BackfillResult): string {
  const by = r.stopped_by;
  if (!by || !/^[UW][A-Z0-9]+$/.test(by) || !r.reason!.endsWith(` by ${by}`)) return escapeMrkdwn(r.reason!);
  return `${escapeMrkdwn(r.reason!.slice(0, -by.length))}${userMention(by)}`;
}

/** `/migrate backfill status [target]`: recent runs. */
export function backfillRunsMessage(runs: BackfillRun[], target?: string): Message {
  const scope = target ? ` for \`${escapeMrkdwn(target)}\`` : "";
  if (runs.length === 0) return { text: "No backfill runs yet", blocks: [section(`No backfill runs yet${scope}.`)] };
  const lines = runs.map((r) => {
    const total = r.estimated_rows === null ? "" : ` / ~${r.estimated_rows.toLocaleString("en-US")}`;
    return `• \`${r.id}\` \`${escapeMrkdwn(r.target)}\` \`${escapeMrkdwn(r.table_name)}\` — *${r.status}* — ${r.rows_done.toLocaleString("en-US")}${total} rows${r.throttle ? ` (${escapeMrkdwn(r.throttle)})` : ""}`;
  });
  return { text: `Backfill runs${target ? ` for ${target}` : ""}`, blocks: chunkSections(`*Backfill runs${scope}*`, lines).slice(0, 45) };
}
