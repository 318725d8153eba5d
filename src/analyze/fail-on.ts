import { ExitCode } from "../errors.js";
import type { FileReport, Severity } from "./types.js";

export const FAIL_ON = ["error", "warning", "never"] as const;
export type FailOn = (typeof FAIL_ON)[number];

const RANK: Record<Severity, number> = { info: 0, warning: 1, error: 2 };

/** What a run's exit code depends on, gathered file by file (the reports themselves need not be kept). */
export interface CheckOutcome {
  /** some file had an input or syntax error */
  inputErrors: boolean;
  /** the most severe finding that is not ignored */
  worst?: Severity;
}

export const NO_OUTCOME: CheckOutcome = { inputErrors: false };

/** `outcome` with `file` added. */
export function addFileOutcome(outcome: CheckOutcome, file: FileReport): CheckOutcome {
  let { inputErrors, worst } = outcome;
  if (file.errors.length > 0) inputErrors = true;
  for (const s of file.statements) for (const f of s.findings) if (!f.ignored && (worst === undefined || RANK[f.severity] > RANK[worst])) worst = f.severity;
  return { inputErrors, ...(worst ? { worst } : {}) };
}

/** 2 when any file had an input or syntax error, else 1 when a finding reaches `failOn`, else 0. */
export function exitCodeOf(outcome: CheckOutcome, failOn: FailOn): number {
  if (outcome.inputErrors) return ExitCode.usage;
  return failOn !== "never" && outcome.worst !== undefined && RANK[outcome.worst] >= RANK[failOn] ? ExitCode.findings : ExitCode.ok;
}
