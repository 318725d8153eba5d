import type { StatementSummary } from "../analyze/describe.js";
import type { StatementLock } from "../analyze/types.js";

/**
 * How a layout runs a migration file: all statements in one transaction ("file"), each statement
 * in its own transaction ("statement"), or with no transaction at all ("none").
 * Statements that cannot run in a transaction block always run alone, outside any transaction.
 */
export type TxMode = "file" | "statement" | "none";

export type ApplyLayout = "golang-migrate" | "flyway" | "diesel" | "prisma" | "drizzle" | "dbmate" | "plain";

export interface MigrationStatement {
  /** 0-based position in the file */
  index: number;
  sql: string;
  /** false for statements that cannot run in a transaction block (CONCURRENTLY, VACUUM, ...) */
  transactional: boolean;
  /** 1-based line of the statement's first token, when known */
  line?: number;
  /** the analyzer's lock prediction */
  locks?: StatementLock[];
  /** the analyzer's typed summary */
  summary?: StatementSummary;
}

/** One migration as found in the target's migrations directory. */
export interface Migration {
  /** the tool's own version id: "20240101120000" (golang-migrate), "1.2" (Flyway), a directory name (Prisma) */
  version: string;
  /** human name / description */
  name: string;
  layout: ApplyLayout;
  /** the executed (up) file, relative to the migrations directory */
  path: string;
  absPath: string;
  bytes: Buffer;
  /** the matching down file, when the layout has one */
  downPath?: string;
  txMode: TxMode;
  statements: MigrationStatement[];
  /** Flyway repeatable (R__) migration: no version, applied again whenever its checksum changes */
  repeatable?: boolean;
  /** Drizzle: the journal entry's `when` (ms), which drizzle-kit records as created_at */
  journalWhen?: number;
}

export interface Blocker {
  pid: number;
  user: string | null;
  application: string | null;
  /** active | idle in transaction | ... */
  state: string | null;
  relation: string;
  mode: string;
  granted: boolean;
  /** how long its transaction (or query) has been running, ms */
  durationMs: number;
  /** shortened */
  query: string;
}

export type ApplyEvent =
  | { type: "start"; target: string; migrations: number; steps: number; history: string }
  | { type: "migration-start"; version: string; name: string; index: number; of: number }
  | { type: "statement-start"; step: number; steps: number; version: string; statement: number; sql: string }
  | { type: "statement-done"; step: number; steps: number; version: string; statement: number; durationMs: number }
  | { type: "preflight"; version: string; statement: number; blockers: Blocker[]; action: "wait" | "abort" | "cancel-blockers" }
  | { type: "retry"; version: string; statement: number; attempt: number; of: number; delayMs: number; reason: string }
  | { type: "cleanup"; version: string; statement: number; message: string }
  | { type: "resolved"; version: string; statement?: number; message: string }
  | { type: "migration-done"; version: string; name: string; durationMs: number }
  | { type: "stopped"; reason: string };

export interface AppliedMigration {
  version: string;
  name: string;
  path: string;
  downPath?: string;
  durationMs: number;
}

export interface ApplyFailure {
  version: string;
  name: string;
  statement: number;
  sql: string;
  /** SQLSTATE when the error came from Postgres */
  code?: string;
  /** Postgres' message */
  message: string;
  /** the error in plain words */
  words: string;
}

/** What an execution did; `applied` is what committed, in order (for the rollback plan). */
export interface ExecutionResult {
  status: "applied" | "stopped";
  applied: AppliedMigration[];
  failure?: ApplyFailure;
  /** why it stopped when it was not a statement error (cancel, blocker policy, unresolvable crash) */
  stopReason?: string;
  cleanups: string[];
  resolved: string[];
  lockWaits: number;
}
