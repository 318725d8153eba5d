import type { CheckReport } from "../analyze/types.js";

/** Text output of `lockstep trace`: per file, each statement with what Postgres did. */
export function renderTraceText(report: CheckReport): string {
  const lines: string[] = [];
  let statements = 0;
  let errors = 0;
  for (const f of report.files) {
    lines.push(`${f.path} (observed on a shadow database; risk ${f.risk})`);
    for (const s of f.statements) {
      statements++;
      const head = `  ${f.path}:${s.line}:${s.column}  ${s.kind}${s.transactional ? "" : " (cannot run in a transaction)"}`;
      lines.push(head, `    ${firstLine(s.sql)}`);
      for (const l of s.locks) lines.push(`    lock    ${l.mode} on ${l.relation}`);
      for (const r of s.rewrites) lines.push(`    rewrite ${r}`);
      if (s.locks.length === 0 && s.rewrites.length === 0) lines.push("    no table locks");
    }
    for (const e of f.errors) {
      errors++;
      lines.push(`  error ${f.path}${e.line ? `:${e.line}:${e.column}` : ""}: ${e.message}`);
    }
  }
  for (const n of report.files.flatMap((f) => f.assumptions ?? [])) lines.push(`note: ${n}`);
  lines.push(`${statements} statement${statements === 1 ? "" : "s"} traced, ${errors} error${errors === 1 ? "" : "s"}`);
  return lines.join("\n");
}

function firstLine(sql: string): string {
  const line = sql.split("\n")[0]!;
  return line.length > 100 || sql.includes("\n") ? `${line.slice(0, 100)} ...` : line;
}
