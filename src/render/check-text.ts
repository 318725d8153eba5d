import type { CheckReport, FileReport, Finding, Risk, StatementReport } from "../analyze/types.js";
import { codeFrame } from "./code-frame.js";
import { paint, type Paint } from "./colour.js";
import { evidenceLines, hitText } from "./evidence.js";
import { downFileLines, rollbackLines } from "./rollback-text.js";
import { countReport, plural, summaryLine } from "./summary.js";

/** code references listed under a finding; the message names the first */
const TEXT_HITS = 10;

export interface CheckTextOptions {
  /** source text per file path, for code frames */
  sources?: Record<string, string>;
  /** ANSI colours (only when writing to a terminal) */
  color?: boolean;
}

/** `lockstep check` text output: grouped by file, locks/rewrites per statement, a summary line. Pure. */
export function renderCheckText(report: CheckReport, opts: CheckTextOptions = {}): string {
  const out: string[] = [];
  let rewrites = 0;
  for (const f of report.files) {
    rewrites += f.statements.filter((s) => s.rewrites.length > 0).length;
    const src = opts.sources?.[f.path];
    out.push(...renderFile(f, src === undefined ? undefined : src.split("\n"), paint(opts.color === true)));
  }
  const evidence = evidenceLines(report.evidence);
  if (evidence.length) out.push(...evidence, "");
  const risk = report.files.reduce((r, f) => (["low", "medium", "high", "critical"].indexOf(f.risk) > ["low", "medium", "high", "critical"].indexOf(r) ? f.risk : r), "low");
  // error and warning findings by name: "0 errors" next to three error findings read as "all clear"
  out.push(`${summaryLine(countReport(report))}, ${plural(rewrites, "table rewrite")}; highest risk: ${risk}`);
  return out.join("\n");
}

function renderFile(f: FileReport, source: string[] | undefined, p: Paint): string[] {
  const out = [`${p.bold(f.path)}${f.layout ? ` (${f.layout})` : ""}: risk ${riskText(f.risk, p)}, ${plural(f.statements.length, "statement")}`];
  const items: Array<{ line: number; lines: string[] }> = [];
  const rollback = new Map((f.rollback ?? []).map((r) => [r.statement, r]));
  for (const s of f.statements) items.push({ line: s.line, lines: [...renderStatement(s, source, p), ...(rollback.has(s.index) ? rollbackLines(rollback.get(s.index)!) : [])] });
  for (const e of f.errors) {
    const where = e.line ? ` at ${e.line}:${e.column ?? 1}` : "";
    const lines = [`  error${where}: ${e.message} [${e.code}]`];
    if (e.line) lines.push(...codeFrame(source, e.line, e.column ?? 1).map((l) => `      ${l}`));
    items.push({ line: e.line ?? 0, lines });
  }
  items.sort((a, b) => a.line - b.line);
  for (const i of items) out.push(...i.lines);
  if (f.down) out.push(...downFileLines(f.down));
  if (f.assumptions?.length) {
    out.push("  assumed:");
    for (const a of f.assumptions) out.push(`    - ${a}`);
  }
  out.push("");
  return out;
}

function renderStatement(s: StatementReport, source: string[] | undefined, p: Paint): string[] {
  const tx = s.transactional ? (s.inTransaction ? "in transaction" : "autocommit") : s.inTransaction ? "cannot run in a transaction, but runs in one" : "outside a transaction";
  const out = [`  ${s.line}:${s.column} ${s.kind} — risk ${riskText(s.risk, p)}, ${tx}`];
  const frame = codeFrame(source, s.line, s.column);
  out.push(...(frame.length ? frame : [`${s.line} | ${firstLine(s.sql)}`]).map((l) => `      ${l}`));
  if (s.locks.length) out.push(`      locks: ${s.locks.map((l) => `${l.relation} ${l.mode}`).join(", ")}`);
  if (s.rewrites.length) out.push(`      rewrites: ${s.rewrites.join(", ")}`);
  if (s.estimate) {
    const parts = [s.estimate.rows !== undefined ? `~${s.estimate.rows} rows` : "", s.estimate.bytes !== undefined ? `${s.estimate.bytes} bytes` : "", s.estimate.seconds !== undefined ? `~${s.estimate.seconds}s` : ""].filter(Boolean);
    out.push(`      estimate: ${parts.join(", ")}`);
  }
  for (const r of s.riskReasons ?? []) out.push(p.dim(`      risk: ${r}`));
  for (const f of s.findings) out.push(...renderFinding(f, p));
  return out;
}

function renderFinding(f: Finding, p: Paint): string[] {
  if (f.ignored) return [p.dim(`      ${f.severity} (ignored${f.ignoreReason ? `: ${f.ignoreReason}` : ""}) ${f.rule}: ${f.message}`)];
  const label = f.severity === "error" ? p.red(p.bold("error")) : f.severity === "warning" ? p.yellow("warning") : p.cyan("note");
  const out = [`      ${label} ${p.bold(f.rule)}: ${f.message}`];
  const code = f.evidence?.code;
  if (code && code.hits.length > 1) {
    out.push(...code.hits.slice(0, TEXT_HITS).map((h) => p.dim(`        ${hitText(h)}`)));
    if (code.total > TEXT_HITS) out.push(p.dim(`        … ${code.total - TEXT_HITS} more (--format json or markdown lists every one)`));
  }
  if (f.fix) out.push(...f.fix.split("\n").map((l, i) => `        ${i === 0 ? "fix: " : "     "}${p.green(l)}`));
  return out;
}

function riskText(r: Risk, p: Paint): string {
  return r === "critical" ? p.red(p.bold(r)) : r === "high" ? p.red(r) : r === "medium" ? p.yellow(r) : r;
}

function firstLine(sql: string): string {
  const l = sql.split("\n")[0] ?? "";
  return l.length > 160 ? `${l.slice(0, 160)}…` : l;
}

