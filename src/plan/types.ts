import type { BackfillSpecInput } from "../backfill/spec.js";
import type { DownFileCheck, Finding, RollbackEntry } from "../analyze/types.js";

/** One migration file (or file pair) of a plan. */
export interface PlanMigration {
  kind: "migration";
  /** expand | migrate | contract | ... : which phase of the change this file belongs to */
  phase: string;
  /** file-name slug, e.g. add_users_role_nullable */
  slug: string;
  /** SQL statements without the terminating semicolon; may start with comment lines (lockstep-ignore) */
  statements: string[];
  /** the statements that undo this file */
  down: string[];
  /** false: must run outside a transaction block (CREATE INDEX CONCURRENTLY, ...) */
  transactional: boolean;
  why: string;
  /** what to do if this file fails half-way (e.g. drop an INVALID index) */
  onFailure?: string;
}

/** A data change moved out of the migration into a `lockstep backfill --spec FILE` job. */
export interface PlanBackfill {
  kind: "backfill";
  phase: string;
  slug: string;
  spec: BackfillSpecInput;
  why: string;
  /** something the user must fill in before running it */
  todo?: string;
}

/** An application deploy (or other manual) step between migrations. */
export interface PlanDeploy {
  kind: "deploy";
  phase: string;
  text: string;
}

export type PlanStep = PlanMigration | PlanBackfill | PlanDeploy;

export interface WrittenFile {
  path: string;
  /** migration | down | config | backfill-spec */
  role: "migration" | "down" | "config" | "backfill-spec";
  /** index into PlanResult.steps */
  step: number;
}

/** `lockstep check` on the generated files. */
export interface GeneratedCheck {
  path: string;
  errors: string[];
  findings: Array<Pick<Finding, "rule" | "severity" | "message" | "ignored">>;
}

export type DownFileReport = DownFileCheck;

export interface PlanResult {
  source: string;
  layout: string;
  /** true when the source had statements that needed a safe rewrite */
  changed: boolean;
  steps: PlanStep[];
  files: WrittenFile[];
  outDir?: string;
  /** one entry per statement of the source; `diff` set when verification found differences */
  rollback: RollbackEntry[];
  down?: DownFileReport;
  checks: GeneratedCheck[];
  notes: string[];
}
