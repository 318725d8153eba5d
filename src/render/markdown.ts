import type { CheckReport, FileReport, Finding, Recoverability, Risk, RollbackEntry, StatementReport } from "../analyze/types.js";
import { formatBytes, formatSeconds, maxRisk } from "../analyze/risk/risk.js";
import { evidenceLines } from "./evidence.js";
import { countReport, summaryLine } from "./summary.js";

/** GitHub rejects comments over 65,536 characters; Slack files are fine, but readers are not. */
const MAX_CHARS = 60_000;
const MAX_SQL_LINES = 12;

const RISK_BADGE: Record<Risk, string> = { low: "🟢 low", medium: "🟡 medium", high: "🟠 high", critical: "🔴 critical" };
const SEVERITY_BADGE = { error: "❌ **error**", warning: "⚠️ **warning**", info: "ℹ️ **note**" } as const;

/**
 * The check report as Markdown for PR comments and Slack files: a headline, then per file the
 * statements that have findings or more than low risk (the rest counted in one line).
 */
export function renderMarkdown(report: CheckReport): string {
  const counts = countReport(report);
  const overall = maxRisk(report.files.map((f) => f.risk));
  const out = [`### Lockstep check: risk ${RISK_BADGE[overall]}`, "", summaryLine(counts), ""];
  const evidence = evidenceLines(report.evidence);
  if (evidence.length) out.push(...evidence.map((l) => `- ${inline(l)}`), "");
  for (const file of report.files) out.push(...fileSection(file));
  return truncate(out.join("\n").trimEnd() + "\n");
}

function fileSection(file: FileReport): string[] {
  const out = [`#### \`${file.path}\` — risk ${RISK_BADGE[file.risk]}`, ""];
  for (const e of file.errors) {
    out.push(`- ❌ **${e.code}**${e.line ? ` at line ${e.line}:${e.column ?? 1}` : ""}: ${inline(e.message)}`);
  }
  if (file.errors.length) out.push("");
  for (const a of file.assumptions ?? []) out.push(`> Assumed: ${inline(a)}`);
  if (file.assumptions?.length) out.push("");
  const shown = file.statements.filter((s) => s.findings.length > 0 || s.risk !== "low");
  for (const s of shown) out.push(...statementSection(s));
  const quiet = file.statements.length - shown.length;
  if (quiet > 0) out.push(`${quiet === file.statements.length ? "All" : "The other"} ${quiet} statement${quiet === 1 ? "" : "s"}: low risk, no findings.`, "");
  out.push(...rollbackPlan(file));
  return out;
}

const RECOVERABILITY: readonly Recoverability[] = ["clean", "inverse", "data-loss", "unrecoverable"];

/** How to undo the file: each statement's rollback, last statement first, in a collapsed block. */
function rollbackPlan(file: FileReport): string[] {
  const steps = (file.rollback ?? []).filter((r) => r.sql || r.note).reverse();
  const down = file.down ? [`Down file \`${file.down.path}\`: ${file.down.verified === true ? "restores the schema (verified)" : file.down.verified === false ? "does **not** restore the schema" : "not verified"}${file.down.note ? ` — ${inline(file.down.note)}` : ""}`, ""] : [];
  if (steps.length === 0) return down;
  const worst = steps.reduce<Recoverability>((w, r) => (RECOVERABILITY.indexOf(r.recoverability) > RECOVERABILITY.indexOf(w) ? r.recoverability : w), "clean");
  const lineOf = new Map(file.statements.map((s) => [s.index, s.line]));
  const out = [`<details><summary>Rollback plan: ${steps.length} step${steps.length === 1 ? "" : "s"}, last statement first (worst: ${worst})</summary>`, ""];
  steps.forEach((r, i) => out.push(...rollbackStep(r, i + 1, lineOf.get(r.statement))));
  out.push("</details>", "", ...down);
  return out;
}

function rollbackStep(r: RollbackEntry, n: number, line: number | undefined): string[] {
  const verified = r.verified === true ? ", verified" : r.verified === false ? ", **not verified**" : "";
  const out = [`${n}. undoes line ${line ?? r.statement + 1} — ${r.recoverability}${verified}${r.note ? `: ${inline(r.note)}` : ""}`];
  if (r.sql) out.push("", ...fence(r.sql).map((l) => `   ${l}`));
  out.push("");
  return out;
}

function statementSection(s: StatementReport): string[] {
  const facts = [
    `risk ${RISK_BADGE[s.risk]}`,
    ...s.locks.map((l) => `${l.mode} on \`${l.relation}\``),
    ...(s.rewrites.length ? [`rewrites ${s.rewrites.map((r) => `\`${r}\``).join(", ")}`] : []),
    ...(s.estimate ? [estimateText(s.estimate)] : []),
  ];
  const out = [`**Line ${s.line}:${s.column}** — ${facts.join(" · ")}`, "", ...fence(s.sql), ""];
  for (const r of s.riskReasons ?? []) out.push(`- ${inline(r)}`);
  for (const f of s.findings) out.push(...findingItem(f));
  out.push("");
  return out;
}

function findingItem(f: Finding): string[] {
  const head = f.ignored
    ? `- ~~${f.severity} \`${f.rule}\`~~ ignored${f.ignoreReason ? ` (${inline(f.ignoreReason)})` : ""}: ${inline(f.message)}`
    : `- ${SEVERITY_BADGE[f.severity]} \`${f.rule}\`: ${inline(f.message)}`;
  if (f.ignored) return [head];
  const out = [head, ...referenceList(f)];
  if (f.fix) out.push("  <details><summary>Safe alternative</summary>", "", ...fence(f.fix).map((l) => `  ${l}`), "", "  </details>");
  return out;
}

/** Every code reference a finding rests on, folded. */
function referenceList(f: Finding): string[] {
  const code = f.evidence?.code;
  if (!code?.hits.length) return [];
  const more = code.total > code.hits.length ? [`  - … and ${code.total - code.hits.length} more`] : [];
  return [`  <details><summary>${code.total} reference${code.total === 1 ? "" : "s"} in the code</summary>`, "", ...code.hits.map((h) => `  - \`${h.path}:${h.line}\` ${codeSpan(h.text)}`), ...more, "", "  </details>"];
}

function codeSpan(text: string): string {
  const ticks = "`".repeat(longestRun(text, "`") + 1);
  return `${ticks}${ticks.length > 1 ? " " : ""}${text}${ticks.length > 1 ? " " : ""}${ticks}`;
}

function estimateText(e: NonNullable<StatementReport["estimate"]>): string {
  const size = [e.rows !== undefined ? `${e.rows.toLocaleString("en-US")} rows` : "", e.bytes !== undefined ? formatBytes(e.bytes) : ""].filter(Boolean).join(", ");
  return `${e.seconds !== undefined ? `~${formatSeconds(e.seconds)}` : "duration unknown"}${size ? ` (${size})` : ""}`;
}

function fence(sql: string): string[] {
  const lines = sql.split("\n");
  const shown = lines.length > MAX_SQL_LINES ? [...lines.slice(0, MAX_SQL_LINES), `-- … ${lines.length - MAX_SQL_LINES} more lines`] : lines;
  const ticks = "`".repeat(Math.max(3, longestRun(sql, "`") + 1));
  return [`${ticks}sql`, ...shown, ticks];
}

function longestRun(text: string, ch: string): number {
  let best = 0;
  let run = 0;
  for (const c of text) {
    run = c === ch ? run + 1 : 0;
    best = Math.max(best, run);
  }
  return best;
}

/** Text inside a list item: one line, no accidental HTML. */
function inline(text: string): string {
  return text.replace(/\s*\n\s*/g, " ").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function truncate(text: string): string {
  if (text.length <= MAX_CHARS) return text;
  const cut = text.lastIndexOf("\n", MAX_CHARS - 200);
  return `${text.slice(0, cut)}\n\n… report truncated at ${MAX_CHARS.toLocaleString("en-US")} characters; run \`lockstep check --format json\` for all of it.\n`;
}
