import type { CheckReport, FileReport, StatementReport } from "../analyze/types.js";
import { codeFrame } from "./code-frame.js";
import { downFileLines, rollbackLines } from "./rollback-text.js";

export interface CheckTextOptions {
  /** source text per file path, for code frames */
  sources?: Record<string, string>;
}

/** `lockstep check` text output: grouped by file, locks/rewrites per statement, a summary line. Pure. */
export function renderCheckText(report: CheckReport, opts: CheckTextOptions = {}): string {
  const out: string[] = [];
  let statements = 0;
  let errors = 0;
  let findings = 0;
  let rewrites = 0;
  for (const f of report.files) {
    statements += f.statements.length;
    errors += f.errors.length;
    findings += f.statements.reduce((n, s) => n + s.findings.filter((x) => !x.ignored).length, 0);
    rewrites += f.statements.filter((s) => s.rewrites.length > 0).length;
    const src = opts.sources?.[f.path];
    out.push(...renderFile(f, src === undefined ? undefined : src.split("\n")));
  }
  const risk = report.files.reduce((r, f) => (["low", "medium", "high", "critical"].indexOf(f.risk) > ["low", "medium", "high", "critical"].indexOf(r) ? f.risk : r), "low");
  out.push(
    `${plural(report.files.length, "file")}, ${plural(statements, "statement")}, ${plural(rewrites, "table rewrite")}, ${plural(findings, "finding")}, ${plural(errors, "error")}; highest risk: ${risk}`,
  );
  return out.join("\n");
}

function renderFile(f: FileReport, source: string[] | undefined): string[] {
  const out = [`${f.path}${f.layout ? ` (${f.layout})` : ""}: risk ${f.risk}, ${plural(f.statements.length, "statement")}`];
  const items: Array<{ line: number; lines: string[] }> = [];
  const rollback = new Map((f.rollback ?? []).map((r) => [r.statement, r]));
  for (const s of f.statements) items.push({ line: s.line, lines: [...renderStatement(s, source), ...(rollback.has(s.index) ? rollbackLines(rollback.get(s.index)!) : [])] });
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
    out.push("  assumed (no --db/--schema):");
    for (const a of f.assumptions) out.push(`    - ${a}`);
  }
  out.push("");
  return out;
}

function renderStatement(s: StatementReport, source: string[] | undefined): string[] {
  const tx = s.transactional ? (s.inTransaction ? "in transaction" : "autocommit") : s.inTransaction ? "cannot run in a transaction, but runs in one" : "outside a transaction";
  const out = [`  ${s.line}:${s.column} ${s.kind} — risk ${s.risk}, ${tx}`];
  const frame = codeFrame(source, s.line, s.column);
  out.push(...(frame.length ? frame : [`${s.line} | ${firstLine(s.sql)}`]).map((l) => `      ${l}`));
  if (s.locks.length) out.push(`      locks: ${s.locks.map((l) => `${l.relation} ${l.mode}`).join(", ")}`);
  if (s.rewrites.length) out.push(`      rewrites: ${s.rewrites.join(", ")}`);
  if (s.estimate) {
    const parts = [s.estimate.rows !== undefined ? `~${s.estimate.rows} rows` : "", s.estimate.bytes !== undefined ? `${s.estimate.bytes} bytes` : "", s.estimate.seconds !== undefined ? `~${s.estimate.seconds}s` : ""].filter(Boolean);
    out.push(`      estimate: ${parts.join(", ")}`);
  }
  for (const f of s.findings) out.push(`      ${f.severity}${f.ignored ? " (ignored)" : ""} ${f.rule}: ${f.message}${f.fix ? `\n        fix: ${f.fix}` : ""}`);
  return out;
}

function firstLine(sql: string): string {
  const l = sql.split("\n")[0] ?? "";
  return l.length > 160 ? `${l.slice(0, 160)}…` : l;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}
