import path from "node:path";
import type { RollbackEntry } from "../analyze/types.js";
import type { PlanResult, PlanStep } from "../plan/types.js";
import { downFileLines, rollbackLines } from "./rollback-text.js";

/** `lockstep plan` as text (markdown: true for PR comments and Slack files). Pure. */
export function renderPlan(r: PlanResult, opts: { markdown?: boolean } = {}): string {
  const md = opts.markdown === true;
  const h = (s: string) => (md ? `### ${s}` : `${s}`);
  const code = (s: string) => (md ? `\`${s}\`` : s);
  const out: string[] = [md ? `## lockstep plan: ${code(r.source)} (${r.layout})` : `plan for ${r.source} (${r.layout})`];

  if (r.changed) {
    out.push("", h(`Safe sequence: ${r.steps.length} steps${r.outDir ? `, files in ${r.outDir}` : ""}`));
    r.steps.forEach((s, i) => out.push(...renderStep(s, i, r, md)));
  } else {
    out.push("", "Every statement is safe as written: nothing to rewrite.");
  }

  out.push("", h("Rollback (new forward migrations, written before applying)"));
  for (const e of r.rollback) out.push(...renderRollback(e, md));
  if (r.down) out.push("", h("Down file"), ...downFileLines(r.down, ""));

  const problems = r.checks.filter((c) => c.errors.length || c.findings.some((f) => f.severity === "error" && !f.ignored));
  if (r.checks.length) {
    out.push("", problems.length ? `lockstep check on the generated files: ${problems.length} file(s) with errors` : `lockstep check on the generated files: no errors (${r.checks.length} files)`);
    for (const c of problems) {
      out.push(`  ${path.basename(c.path)}: ${[...c.errors, ...c.findings.filter((f) => f.severity === "error" && !f.ignored).map((f) => `${f.rule}: ${f.message}`)].join("; ")}`);
    }
  }
  if (r.notes.length) out.push("", h("Notes"), ...r.notes.map((n) => `- ${n}`));
  return out.join("\n");
}

function renderStep(s: PlanStep, i: number, r: PlanResult, md: boolean): string[] {
  const n = `${i + 1}.`;
  if (s.kind === "deploy") return [`${n} [${s.phase}] DEPLOY: ${s.text}`];
  const files = r.files.filter((f) => f.step === i && f.role !== "down" && f.role !== "config").map((f) => path.basename(path.dirname(f.path)) === path.basename(r.outDir ?? "") ? path.basename(f.path) : path.relative(r.outDir ?? "", f.path));
  if (s.kind === "backfill") {
    const lines = [`${n} [${s.phase}] BACKFILL ${files[0] ?? ""}: ${s.why}`, `     lockstep backfill --spec ${files[0] ?? "SPEC"} --db env:DATABASE_URL`];
    if (s.todo) lines.push(`     TODO: ${s.todo}`);
    return lines;
  }
  const lines = [`${n} [${s.phase}] MIGRATION ${files.join(", ")}${s.transactional ? "" : " (outside a transaction)"}: ${s.why}`];
  const body = s.statements.map((x) => `${x.replace(/^(--[^\n]*\n)+/, "")};`);
  lines.push(...(md ? ["```sql", ...body, "```"] : body.map((x) => x.split("\n").map((l) => `     ${l}`).join("\n"))));
  if (s.onFailure) lines.push(`     if it fails: ${s.onFailure}`);
  return lines;
}

function renderRollback(e: RollbackEntry, md: boolean): string[] {
  const [head, ...rest] = rollbackLines(e, "");
  const lines = [`- statement ${e.statement + 1} ${head!.replace(/^rollback /, "")}`, ...rest.map((l) => `  ${l}`)];
  if (e.sql.includes("\n")) lines.push(...(md ? ["```sql", e.sql, "```"] : e.sql.split("\n").map((l) => `    ${l}`)));
  return lines;
}
