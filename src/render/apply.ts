import type { ApplyOutcome } from "../apply/run.js";

const secs = (ms: number) => `${(ms / 1000).toFixed(2)}s`;

/** Text summary of an apply (or dry run). Pure. */
export function renderApplyText(o: ApplyOutcome): string {
  const lines: string[] = [];
  const head: Record<ApplyOutcome["status"], string> = {
    applied: `applied ${o.applied.length} migration(s) to ${o.target} in ${secs(o.durationMs)}`,
    "nothing-to-do": `${o.target} is up to date: nothing to apply`,
    "dry-run": `dry run: ${o.pending.length} migration(s) would be applied to ${o.target} (history: ${o.history})`,
    stopped: `apply to ${o.target} STOPPED: ${o.reason ?? "unknown reason"}`,
    refused: `refused: ${o.reason ?? ""}`,
    busy: `refused: ${o.reason ?? "another apply is running"}`,
  };
  lines.push(head[o.status]);
  if (o.status === "dry-run") {
    for (const m of o.pending) lines.push(`  ${m.path}: ${m.statements} statement(s), ${m.transactional ? "one transaction" : "statement by statement (not all can run in a transaction)"}`);
  }
  for (const m of o.applied) lines.push(`  applied ${m.path} (${secs(m.durationMs)})`);
  if (o.failure) {
    lines.push(`  failed: ${o.failure.sql}`);
    lines.push(`  postgres said: ${o.failure.message}${o.failure.code ? ` (${o.failure.code})` : ""}`);
  }
  if (o.lockWaits) lines.push(`  lock waits: ${o.lockWaits}`);
  for (const c of o.cleanups) lines.push(`  cleanup: ${c}`);
  for (const r of o.resolved) lines.push(`  resolved: ${r}`);
  if (o.status === "stopped" && o.rollback.length > 0) {
    lines.push("  rollback plan for what applied (newest first):");
    for (const r of o.rollback) lines.push(`    ${r.version}: ${r.note}`);
  }
  if (o.hint) lines.push(`  hint: ${o.hint}`);
  return lines.join("\n");
}
