import type { CodeReference, EvidenceSources } from "../analyze/types.js";

/** One line per source of evidence: what was searched, or why it could not be. Pure; shared by every format. */
export function evidenceLines(e: EvidenceSources | undefined): string[] {
  if (!e) return [];
  const out: string[] = [];
  if (e.code?.dirs.length) {
    out.push(`code searched: ${e.code.dirs.join(", ")} — ${e.code.files.toLocaleString("en-US")} source file${e.code.files === 1 ? "" : "s"} (${e.code.searcher === "ripgrep" ? "ripgrep" : "built-in scanner"})`);
  }
  if (e.code?.missing?.length) out.push(`code directories not found (not searched): ${e.code.missing.join(", ")}`);
  if (e.queries) {
    out.push(
      e.queries.available
        ? `recorded statements searched: pg_stat_statements${e.queries.since ? ` since ${shortTime(e.queries.since)}` : ""}`
        : `recorded statements not searched: ${e.queries.note ?? "pg_stat_statements is unavailable"}${e.queries.hint ? ` — ${e.queries.hint}` : ""}`,
    );
  }
  return out;
}

export function hitText(h: CodeReference): string {
  return `${h.path}:${h.line}  ${h.text}`;
}

/** "2025-06-01T10:00:00.000Z" -> "2025-06-01 10:00 UTC" */
export function shortTime(iso: string): string {
  return `${iso.slice(0, 16).replace("T", " ")} UTC`;
}
