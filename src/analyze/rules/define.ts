import type { StatementSummary } from "../describe.js";
import type { SchemaSnapshot, Severity, StatementReport } from "../types.js";

/** The statement shape rules read: describe.ts' typed summary. */
export type RuleStatement = StatementSummary;

/** What a rule sees for one statement: typed summaries and predictions, never the raw AST. */
export interface RuleContext {
  /** this statement's typed summary */
  statement: RuleStatement;
  /** this statement's predictions: locks, rewrites, transactional, position */
  report: Pick<StatementReport, "index" | "line" | "column" | "sql" | "kind" | "transactional" | "locks" | "rewrites">;
  /** the schema as it is just before this statement runs (earlier statements applied) */
  schema: SchemaSnapshot;
  file: FileContext;
  /** the Postgres major version facts are checked against */
  pgVersion: number;
  /** a non-zero lock_timeout is in effect (SET earlier in the file) */
  lockTimeout: boolean;
  /** relations this statement reads in full while holding its lock (validation scans, index builds), per locks.ts */
  scans: readonly string[];
  /** list something the rule had to assume in the file's `assumptions` */
  assume(text: string): void;
}

export interface FileContext {
  path: string;
  /** every statement's summary, in order (rules that look around, e.g. schema and data mixed) */
  statements: RuleStatement[];
  /** every statement's predictions (locks, rewrites), in order */
  reports: RuleContext["report"][];
  /** this statement's position in `statements` */
  index: number;
  /** the migration tool runs the whole file in a transaction it opens itself */
  wrapped: boolean;
  /** per-file facts a rule computes once (keeps rules linear on 100,000-statement files) */
  memo<T>(key: string, compute: () => T): T;
}

export interface RuleFinding {
  message: string;
  /** the safe SQL sequence (or the steps) that does the same thing */
  fix?: string;
  /** overrides the rule's severity for this finding (e.g. a rule that is advice in some cases) */
  severity?: Severity;
}

export interface RuleDocs {
  /** SQL that makes the rule fire */
  bad: string;
  /** the safe way; the rule stays silent on it */
  good: string;
  /** why, in a sentence or two (optional; the summary is often enough) */
  why?: string;
  /** the Postgres major version the examples are checked against (default: the latest) */
  pgVersion?: number;
}

/**
 * The statements a rule can fire on, so the runner skips it on the others: a statement is in
 * scope when its kind is listed, or when it has ALTER subcommands (`actions`) or column
 * definitions (`columns`) and that flag is set. A rule must return no finding out of its scope
 * (test/analyze/rule-scope.test.ts checks this).
 */
export interface RuleScope {
  kinds?: readonly string[];
  actions?: boolean;
  columns?: boolean;
}

export interface Rule {
  /** kebab-case, stable forever: users ignore rules by id */
  id: string;
  /** earlier or other tools' ids for the same rule (squawk's, a renamed id): ignore comments naming them keep working */
  aliases?: readonly string[];
  severity: Severity;
  summary: string;
  docs: RuleDocs;
  /** default: every statement */
  appliesTo?: RuleScope;
  check(ctx: RuleContext): RuleFinding[];
}

export function inScope(scope: RuleScope | undefined, s: Pick<StatementSummary, "kind" | "actions" | "columns">): boolean {
  if (!scope) return true;
  return (scope.kinds?.includes(s.kind) ?? false) || (scope.actions === true && s.actions.length > 0) || (scope.columns === true && s.columns.length > 0);
}

export function defineRule(rule: Rule): Rule {
  return rule;
}
