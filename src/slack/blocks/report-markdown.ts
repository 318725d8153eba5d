import type { CheckReport, StatementReport } from "../../analyze/types.js";
import { evidenceLines, hitText } from "../../render/evidence.js";
import { formatEstimate, lockLine } from "./format.js";
import { overallRisk } from "./report.js";

/** The full report as a markdown file, for reports too long for one Slack message. */
export function reportMarkdown(opts: { target: string; checkId: string; contentHash: string; report: CheckReport }): string {
  const { report } = opts;
  const out = [
    `# Lockstep check: ${opts.target}`,
    "",
    `- risk: **${overallRisk(report)}**`,
    `- check: ${opts.checkId}`,
    `- content sha256: ${opts.contentHash}`,
    ...evidenceLines(report.evidence).map((l) => `- ${l}`),
    "",
  ];
  for (const f of report.files) {
    out.push(`## ${f.path} (risk ${f.risk})`, "");
    for (const e of f.errors) out.push(`- **${e.code}**${e.line !== undefined ? ` line ${e.line}, column ${e.column ?? 1}` : ""}: ${e.message}`);
    if (f.errors.length) out.push("");
    for (const s of f.statements) out.push(...statementMarkdown(s));
    if (f.rollback?.length) {
      out.push("### Rollback plan", "");
      for (const r of f.rollback) {
        const verified = r.verified === null ? "not verified" : r.verified ? "verified" : "verification failed";
        out.push(`- statement ${r.statement + 1}: ${r.recoverability} (${verified})${r.note ? ` — ${r.note}` : ""}`, "", fence(r.sql), "");
      }
    }
  }
  return `${out.join("\n").trimEnd()}\n`;
}

function statementMarkdown(s: StatementReport): string[] {
  const lines = [`### Statement ${s.index + 1} (line ${s.line}, ${s.kind}, risk ${s.risk}${s.transactional ? "" : ", outside a transaction"})`, "", fence(s.sql), ""];
  lines.push(`- locks: ${s.locks.length ? s.locks.map(lockLine).join(", ") : "none"}`);
  if (s.rewrites.length) lines.push(`- rewrites: ${s.rewrites.join(", ")}`);
  const estimate = formatEstimate(s.estimate);
  if (estimate) lines.push(`- estimate: ${estimate}`);
  for (const f of s.findings) {
    lines.push(f.ignored ? `- ~~${f.rule}~~ ignored${f.ignoreReason ? `: ${f.ignoreReason}` : ""}` : `- **${f.severity}** ${f.rule}: ${f.message}${f.fix ? ` — fix: ${f.fix}` : ""}`);
    const code = f.ignored ? undefined : f.evidence?.code;
    if (code?.hits.length) {
      lines.push(...code.hits.map((h) => `  - ${hitText(h)}`));
      if (code.total > code.hits.length) lines.push(`  - … and ${code.total - code.hits.length} more`);
    }
  }
  lines.push("");
  return lines;
}

function fence(sql: string): string {
  const ticks = sql.includes("```") ? "````" : "```";
  return `${ticks}sql\n${sql.trim()}\n${ticks}`;
}
