import type { CheckReport, Finding, Severity } from "../analyze/types.js";

export interface ReportCounts {
  files: number;
  statements: number;
  errors: number;
  warnings: number;
  infos: number;
  ignored: number;
  /** input and syntax errors */
  problems: number;
}

/** Totals shown in every format's summary line. Ignored findings count only as ignored. */
export function countReport(report: CheckReport): ReportCounts {
  const counts: ReportCounts = { files: report.files.length, statements: 0, errors: 0, warnings: 0, infos: 0, ignored: 0, problems: 0 };
  for (const file of report.files) {
    counts.statements += file.statements.length;
    counts.problems += file.errors.length;
    for (const f of file.statements.flatMap((s) => s.findings)) {
      if (f.ignored) counts.ignored++;
      else if (f.severity === "error") counts.errors++;
      else if (f.severity === "warning") counts.warnings++;
      else counts.infos++;
    }
  }
  return counts;
}

export function summaryLine(c: ReportCounts): string {
  const parts = [
    plural(c.errors, "error"),
    plural(c.warnings, "warning"),
    ...(c.infos ? [plural(c.infos, "note")] : []),
    ...(c.ignored ? [`${c.ignored} ignored`] : []),
    ...(c.problems ? [plural(c.problems, "input error")] : []),
  ];
  return `${parts.join(", ")} in ${plural(c.files, "file")} (${plural(c.statements, "statement")})`;
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

export const SEVERITY_RANK: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

export function activeFindings(findings: Finding[]): Finding[] {
  return findings.filter((f) => !f.ignored);
}
