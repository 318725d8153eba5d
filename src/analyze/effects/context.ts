import type { StatementSummary } from "../describe.js";
import type { SchemaContext } from "../schema.js";
import type { LockMode } from "../types.js";

/**
 * What runs besides a statement's own work: foreign-key checks and actions, user triggers, rules,
 * and the bodies of the functions, procedures and DO blocks it reaches. The modules in effects/
 * add those locks through a Host, which locks.ts provides (it also locks each statement found in
 * a body or a rule, with the same effects).
 */
export interface Host {
  schema: SchemaContext;
  lock(rel: string | undefined, mode: LockMode): void;
  /** the relation and its partitions (not legacy inheritance children: RI queries read ONLY the table) */
  lockPartitions(rel: string | undefined, mode: LockMode): void;
  /** a statement reached from this one (a body's, a rule action), locked with its own effects */
  statement(s: StatementSummary, ctx: ExecContext): void;
  /** run `fn` keeping only locks of `mode` or stronger (and rewrites); true when it added any */
  keepAtLeast(mode: LockMode, fn: () => void): boolean;
}

/** Where the analysis is while following one top-level statement. */
export interface ExecContext {
  /** nesting: statements, calls and cascades followed to get here */
  depth: number;
  /** session_replication_role in force: which triggers and rules fire */
  role: "origin" | "replica" | "local";
  /** writes and routines already followed for this statement (cycles, and repeats add nothing) */
  seen: Set<string>;
  /** what is running, for assumptions: "function app.touch", "trigger audit on app.users" */
  via?: string;
  /** in a trigger function: the event that fired it (TG_OP) */
  tgOp?: string;
}

/** Deeper than this, a body is not followed (and the assumptions say so). */
export const MAX_DEPTH = 24;

export function topContext(schema: SchemaContext): ExecContext {
  return { depth: 0, role: schema.replicationRole, seen: new Set() };
}

export function deeper(ctx: ExecContext, via?: string): ExecContext {
  return { ...ctx, depth: ctx.depth + 1, ...(via ? { via } : {}) };
}

/** Does a trigger or rule with this pg_trigger.tgenabled / pg_rewrite.ev_enabled fire under `role`? */
export function firesUnder(enabled: "O" | "D" | "R" | "A", role: ExecContext["role"]): boolean {
  return enabled === "A" || (role === "replica" ? enabled === "R" : enabled === "O");
}
