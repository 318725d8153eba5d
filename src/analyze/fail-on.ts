import { ExitCode } from "../errors.js";
import type { CheckReport, Finding, Severity } from "./types.js";

export const FAIL_ON = ["error", "warning", "never"] as const;
export type FailOn = (typeof FAIL_ON)[number];

const RANK: Record<Severity, number> = { info: 0, warning: 1, error: 2 };

/** Findings that fail the run: not ignored, at or above the threshold. */
export function failingFindings(report: CheckReport, failOn: FailOn): Finding[] {
  if (failOn === "never") return [];
  const threshold = RANK[failOn];
  return report.files.flatMap((f) => f.statements.flatMap((s) => s.findings)).filter((f) => !f.ignored && RANK[f.severity] >= threshold);
}

/** 2 when any file had an input or syntax error, else 1 when findings fail, else 0. */
export function checkExitCode(report: CheckReport, failOn: FailOn): number {
  if (report.files.some((f) => f.errors.length > 0)) return ExitCode.usage;
  return failingFindings(report, failOn).length > 0 ? ExitCode.findings : ExitCode.ok;
}
