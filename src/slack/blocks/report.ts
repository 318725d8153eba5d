import { RISKS, type CheckReport, type FileReport, type Finding, type Risk, type RollbackEntry, type StatementReport } from "../../analyze/types.js";
import type { CheckStatus } from "../../store/checks.js";
import { ACTION } from "../action-ids.js";
import { codeBlock, escapeMrkdwn, shorten, userMention } from "../mrkdwn.js";
import { evidenceLines, hitText } from "../../render/evidence.js";
import { RISK_WORD, formatEstimate, lockLine, shortHash } from "./format.js";
import { backfillReportMessage } from "./backfill.js";
import { LIMITS } from "./limits.js";
import type { Block, Button, Message } from "./types.js";

/** Everything the report message shows: the analysis plus where its approval stands. */
export interface ReportView {
  checkId: string;
  target: string;
  requestedBy: string;
  source: "files" | "adhoc" | "backfill";
  report: CheckReport;
  contentHash: string;
  status: CheckStatus;
  statusReason?: string | null;
  decidedBy?: string | null;
  required: number;
  requireGroup?: string | null;
  /** approvers whose approval still counts (same content) */
  approvals: string[];
  /** false for ad-hoc SQL on a target that did not opt in */
  applyAllowed: boolean;
  /** schema context used, or why there was none */
  schemaNote?: string;
}

const SEVERITY_ICON: Record<Finding["severity"], string> = { error: ":x:", warning: ":warning:", info: ":information_source:" };
const RECOVERABILITY: Record<RollbackEntry["recoverability"], string> = {
  clean: "clean",
  inverse: "inverse transform",
  "data-loss": "DATA LOSS",
  unrecoverable: "unrecoverable (restore from backup)",
};
/** room kept for the approval section, the actions and the summary note */
const TRAILER_BLOCKS = 5;

export function overallRisk(report: CheckReport): Risk {
  let i = 0;
  for (const f of report.files) i = Math.max(i, RISKS.indexOf(f.risk));
  return RISKS[i]!;
}

/** code references shown under a finding in the message; all of them are in the uploaded report */
export const MESSAGE_HITS = 3;

/**
 * The report message. When the full report does not fit Slack's limits it is summarised
 * (`summarised: true`); when code references were left out (`detailElsewhere: true`) the message
 * says so. Either way the caller uploads the markdown version into the thread.
 */
export function reportMessage(view: ReportView): Message & { summarised: boolean; detailElsewhere: boolean } {
  if (view.report.backfill) return { ...backfillReportMessage(view, view.report.backfill), summarised: false, detailElsewhere: false };
  const risk = overallRisk(view.report);
  const head = headBlocks(view, risk);
  const detail = view.report.files.flatMap(fileBlocks);
  const rollback = rollbackBlocks(view.report);
  const full = [...head, ...detail, ...rollback];
  const fits = full.length + TRAILER_BLOCKS <= LIMITS.blocksPerMessage && !detailWasCut(view.report);
  const body = fits ? full : [...head, ...summaryBlocks(view.report), ...rollbackSummary(view.report)];
  if (!fits) body.push(context(":page_facing_up: The report is too long for one message: the full report is attached in the thread."));
  return {
    text: `Lockstep check for ${view.target}: risk ${risk}`,
    blocks: [...body, { type: "divider" }, ...approvalBlocks(view)],
    summarised: !fits,
    detailElsewhere: referencesCut(view.report),
  };
}

function headBlocks(view: ReportView, risk: Risk): Block[] {
  const statements = view.report.files.reduce((n, f) => n + f.statements.length, 0);
  const what = view.source === "adhoc" ? "ad-hoc SQL" : `${view.report.files.length} file${view.report.files.length === 1 ? "" : "s"}`;
  const meta = [
    `*Target* \`${escapeMrkdwn(view.target)}\``,
    `*Risk* ${RISK_WORD[risk]}`,
    `${statements} statement${statements === 1 ? "" : "s"} in ${what}`,
    `requested by ${userMention(view.requestedBy)}`,
  ].join("  ·  ");
  const notes = [`content \`${shortHash(view.contentHash)}\``, `check \`${view.checkId}\``];
  if (view.schemaNote) notes.push(escapeMrkdwn(view.schemaNote));
  const evidence = evidenceLines(view.report.evidence);
  return [
    { type: "header", text: { type: "plain_text", text: shorten(`Migration check: ${view.target} — ${risk} risk`, LIMITS.headerText) } },
    section(meta),
    context(notes.join("  ·  ")),
    ...(evidence.length ? [context(`:mag: ${evidence.map(escapeMrkdwn).join("\n")}`)] : []),
  ];
}

function fileBlocks(file: FileReport): Block[] {
  const layout = file.layout && file.layout !== "plain" ? ` · ${escapeMrkdwn(file.layout)}` : "";
  const blocks: Block[] = [section(`:page_facing_up: *${escapeMrkdwn(file.path)}* — ${RISK_WORD[file.risk]}${layout}`)];
  if (file.assumptions?.length) blocks.push(context(`Assumed: ${file.assumptions.map(escapeMrkdwn).join("; ")}`));
  for (const e of file.errors) {
    const at = e.line !== undefined ? ` (line ${e.line}${e.column !== undefined ? `, column ${e.column}` : ""})` : "";
    blocks.push(section(`:no_entry: *${escapeMrkdwn(e.code)}*${at}: ${escapeMrkdwn(e.message)}`));
  }
  for (const s of file.statements) blocks.push(section(statementText(s)));
  return blocks;
}

/** One statement: SQL (shortened), locks, rewrites, estimate, findings with fixes. */
export function statementText(s: StatementReport): string {
  const tx = s.transactional ? "" : " · cannot run in a transaction";
  const lines = [`*#${s.index + 1}* line ${s.line} · \`${escapeMrkdwn(s.kind)}\` · ${RISK_WORD[s.risk]}${tx}`];
  lines.push(codeBlock(s.sql, LIMITS.statementSql));
  lines.push(`*Locks:* ${s.locks.length ? s.locks.map((l) => escapeMrkdwn(lockLine(l))).join(", ") : "none"}`);
  if (s.rewrites.length) lines.push(`*Rewrites:* ${s.rewrites.map(escapeMrkdwn).join(", ")}`);
  const estimate = formatEstimate(s.estimate);
  if (estimate) lines.push(`*Estimate:* ${estimate}`);
  for (const f of s.findings) lines.push(findingLine(f));
  return shorten(lines.join("\n"), LIMITS.sectionText);
}

function findingLine(f: Finding): string {
  if (f.ignored) return `:see_no_evil: ~${escapeMrkdwn(f.rule)}~ ignored${f.ignoreReason ? `: ${escapeMrkdwn(f.ignoreReason)}` : ""}`;
  return `${SEVERITY_ICON[f.severity]} *${escapeMrkdwn(f.rule)}*: ${escapeMrkdwn(f.message)}${referenceLines(f)}${f.fix ? `\n    _fix:_ ${escapeMrkdwn(f.fix)}` : ""}`;
}

/** The first few code references of a finding (the message names the first one already when there is only one). */
function referenceLines(f: Finding): string {
  const code = f.evidence?.code;
  if (!code || code.total < 2) return "";
  const lines = code.hits.slice(0, MESSAGE_HITS).map((h) => `\n    • ${escapeMrkdwn(hitText(h))}`);
  if (code.total > MESSAGE_HITS) lines.push(`\n    _… ${code.total - MESSAGE_HITS} more in the full report (attached in the thread)_`);
  return lines.join("");
}

function referencesCut(report: CheckReport): boolean {
  return report.files.some((file) => file.statements.some((s) => s.findings.some((f) => !f.ignored && (f.evidence?.code?.total ?? 0) > MESSAGE_HITS)));
}

function detailWasCut(report: CheckReport): boolean {
  return report.files.some((f) => f.statements.some((s) => statementText(s).length >= LIMITS.sectionText));
}

function rollbackBlocks(report: CheckReport): Block[] {
  const entries = report.files.flatMap((f) => (f.rollback ?? []).map((r) => ({ file: f.path, r })));
  if (entries.length === 0) return [];
  const lines = entries.map(({ r }) => {
    const verified = r.verified === null ? "" : r.verified ? " (verified)" : " (verification FAILED)";
    return `• #${r.statement + 1} → ${RECOVERABILITY[r.recoverability]}${verified}\n${codeBlock(r.sql, 300)}${r.note ? `\n  ${escapeMrkdwn(r.note)}` : ""}`;
  });
  return chunkSections(":rewind: *Rollback plan*", lines);
}

function rollbackSummary(report: CheckReport): Block[] {
  const entries = report.files.flatMap((f) => f.rollback ?? []);
  if (entries.length === 0) return [];
  const counts = new Map<string, number>();
  for (const r of entries) counts.set(RECOVERABILITY[r.recoverability], (counts.get(RECOVERABILITY[r.recoverability]) ?? 0) + 1);
  const parts = [...counts].map(([k, n]) => `${n} ${k}`);
  return [section(`:rewind: *Rollback plan:* ${entries.length} step${entries.length === 1 ? "" : "s"} (${parts.join(", ")}) — see the full report`)];
}

/** Short form for long reports: per file its risk and counts, then the riskiest statements. */
function summaryBlocks(report: CheckReport): Block[] {
  const fileLines = report.files.map((f) => {
    const findings = f.statements.reduce((n, s) => n + s.findings.filter((x) => !x.ignored).length, 0);
    return `• *${escapeMrkdwn(f.path)}* — ${RISK_WORD[f.risk]}, ${f.statements.length} statements, ${findings} findings${f.errors.length ? `, ${f.errors.length} errors` : ""}`;
  });
  const risky = report.files
    .flatMap((f) => f.statements.map((s) => ({ f, s })))
    .filter(({ s }) => s.risk !== "low" || s.findings.some((x) => !x.ignored))
    .sort((a, b) => RISKS.indexOf(b.s.risk) - RISKS.indexOf(a.s.risk))
    .slice(0, 10)
    .map(({ f, s }) => {
      const locks = s.locks.map((l) => escapeMrkdwn(lockLine(l))).join(", ") || "no locks";
      const first = s.findings.find((x) => !x.ignored);
      return `• ${escapeMrkdwn(f.path)}:${s.line} \`${escapeMrkdwn(shorten(s.sql.replace(/\s+/g, " "), 80))}\` — ${RISK_WORD[s.risk]}, ${locks}${first ? `\n    ${findingLine(first)}` : ""}`;
    });
  return [
    ...chunkSections("*Files*", fileLines),
    ...(risky.length ? chunkSections("*Riskiest statements*", risky) : []),
  ];
}

export function approvalBlocks(view: ReportView): Block[] {
  const blocks: Block[] = [section(approvalText(view))];
  const buttons = actionButtons(view);
  if (buttons.length) blocks.push({ type: "actions", block_id: `lockstep_actions`, elements: buttons });
  return blocks;
}

export function approvalText(view: ReportView): string {
  const who = view.approvals.map(userMention).join(", ");
  const group = view.requireGroup ? `, one from \`${escapeMrkdwn(view.requireGroup)}\`` : "";
  switch (view.status) {
    case "pending": {
      const left = Math.max(0, view.required - view.approvals.length);
      return `:hourglass_flowing_sand: *Approvals ${view.approvals.length}/${view.required}*${group}${who ? ` — approved by ${who}` : ""}${left ? ` — ${left} more needed` : " — waiting for the required group"}`;
    }
    case "approved":
      return `:white_check_mark: *Approved*${who ? ` by ${who}` : view.required === 0 ? " (no approval required at this risk)" : ""}${view.applyAllowed ? "" : "\n:no_entry_sign: Ad-hoc SQL: apply is not allowed for this target (add the migration to the migrations dir)."}`;
    case "apply-requested":
      return `:rocket: *${view.source === "backfill" ? "Backfill started" : "Apply requested"}* by ${userMention(view.decidedBy ?? "")}${who ? ` — approved by ${who}` : ""}`;
    case "rejected":
      return `:no_entry: *Rejected* by ${userMention(view.decidedBy ?? "")}${view.statusReason ? `: ${escapeMrkdwn(view.statusReason)}` : ""}`;
    case "void":
      return `:warning: *Approval void*: ${escapeMrkdwn(view.statusReason ?? "the migration changed after it was checked")}. Run \`/migrate check\` again.`;
    case "expired":
      return `:alarm_clock: *Expired*: approvals are valid for a limited time. Run \`/migrate check\` again.`;
  }
}

function actionButtons(view: ReportView): Button[] {
  const value = view.checkId; // far below the 2000-character limit
  if (view.status === "pending") {
    return [
      { type: "button", action_id: ACTION.approve, text: { type: "plain_text", text: "Approve" }, style: "primary", value },
      { type: "button", action_id: ACTION.reject, text: { type: "plain_text", text: "Reject" }, style: "danger", value },
    ];
  }
  if (view.status === "approved") {
    const buttons: Button[] = [];
    if (view.applyAllowed) buttons.push({ type: "button", action_id: ACTION.apply, text: { type: "plain_text", text: view.source === "backfill" ? "Run backfill" : "Apply" }, style: "primary", value });
    buttons.push({ type: "button", action_id: ACTION.reject, text: { type: "plain_text", text: "Reject" }, style: "danger", value });
    return buttons;
  }
  return [];
}

export function section(text: string): Block {
  return { type: "section", text: { type: "mrkdwn", text: shorten(text, LIMITS.sectionText) } };
}

export function context(text: string): Block {
  return { type: "context", elements: [{ type: "mrkdwn", text: shorten(text, LIMITS.sectionText) }] };
}

/** Lines under a title, split into as many sections as the 3000-character limit needs. */
export function chunkSections(title: string, lines: string[]): Block[] {
  const blocks: Block[] = [];
  let current = title;
  for (const line of lines) {
    const piece = shorten(line, LIMITS.sectionText - title.length - 1);
    if (current.length + 1 + piece.length > LIMITS.sectionText) {
      blocks.push(section(current));
      current = piece;
    } else current = `${current}\n${piece}`;
  }
  blocks.push(section(current));
  return blocks;
}
