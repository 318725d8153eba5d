import { readFileSync, statSync } from "node:fs";
import type { CategoryRow } from "./harness.js";

/** The summary table of the rows recorded in `file` (one JSON object a line). */
export function summaryTable(file: string): string | undefined {
  let text: string;
  try {
    if (statSync(file).size === 0) return undefined;
    text = readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
  const rows = new Map<string, Required<Omit<CategoryRow, "failures">> & { failures: string[] }>();
  for (const line of text.split("\n").filter(Boolean)) {
    const r = JSON.parse(line) as CategoryRow;
    const acc = rows.get(r.category) ?? { category: r.category, tried: 0, passed: 0, failed: 0, lost: 0, doubled: 0, failures: [] };
    acc.tried += r.tried;
    acc.passed += r.passed;
    acc.failed += r.failed;
    acc.lost += r.lost ?? 0;
    acc.doubled += r.doubled ?? 0;
    acc.failures.push(...(r.failures ?? []));
    rows.set(r.category, acc);
  }
  const sorted = [...rows.values()].sort((a, b) => a.category.localeCompare(b.category));
  const header = ["category", "tried", "passed", "failed", "lost", "doubled"];
  const body = sorted.map((r) => [r.category, r.tried, r.passed, r.failed, r.lost, r.doubled].map(String));
  const total = ["total", ...[1, 2, 3, 4, 5].map((i) => String(body.reduce((s, r) => s + Number(r[i]), 0)))];
  const all = [header, ...body, total];
  const widths = header.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
  const fmt = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  const rule = widths.map((w) => "-".repeat(w)).join("  ");
  const lines = [fmt(header), rule, ...body.map(fmt), rule, fmt(total)];
  const failures = sorted.flatMap((r) => r.failures.map((f) => `  ${r.category}: ${f}`));
  if (failures.length) lines.push("", "failures (first of each file):", ...failures);
  return lines.join("\n");
}
