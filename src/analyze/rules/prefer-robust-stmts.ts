import type { AlterAction } from "../describe.js";
import type { RuleContext, RuleStatement } from "./define.js";
import { defineRule } from "./define.js";

/** Statements whose failure leaves nothing half done for a re-run to trip over. */
const HARMLESS = new Set(["select", "set", "reset", "show", "set-transaction", "explain"]);

/** CREATE statements without an IF NOT EXISTS / OR REPLACE form: the fix is a guard. */
const NO_IF_NOT_EXISTS = new Set(["create-type", "create-domain", "create-policy", "create-role", "create-publication", "create-subscription", "create-database", "create-constraint-trigger", "create-event-trigger", "create-cast", "create-operator-class"]);

export default defineRule({
  id: "prefer-robust-stmts",
  severity: "warning",
  summary: "Outside a transaction, a statement the migration runs again after a later failure (or its own halfway failure) should be safe to re-run",
  docs: {
    bad: "CREATE INDEX CONCURRENTLY users_email_idx ON users (email);",
    good: "CREATE INDEX CONCURRENTLY IF NOT EXISTS users_email_idx ON users (email);",
    why: "Without a transaction, each statement commits on its own: in a file of several statements run that way (psql -f, an autocommit migration), when a later one fails the earlier ones stay applied and the re-run of the file fails on them (a table that already exists, a column already dropped). A failed CREATE INDEX CONCURRENTLY also leaves an INVALID index behind: drop it (DROP INDEX CONCURRENTLY IF EXISTS) before retrying. Running the whole file in one transaction (BEGIN ... COMMIT) avoids all of it, where no statement needs to run outside one.",
  },
  check(ctx) {
    const { statement: s } = ctx;
    const again = addedAgain(ctx);
    if (again) return [{ message: `ADD CONSTRAINT ${again} on ${s.relation}: this file already added it, so the statement fails`, fix: `-- remove the second ADD CONSTRAINT ${again}, or DROP CONSTRAINT IF EXISTS ${again} before it` }];
    if (s.inTransaction || s.transaction || HARMLESS.has(s.kind)) return [];
    const halfway = !s.transactional;
    if (!halfway && !laterStatementCanFail(ctx)) return [];
    const problem = notRerunnable(s, ctx);
    if (!problem) return [];
    const when = halfway ? "runs outside a transaction: after a failure (its own, halfway, or a later statement's)" : "is committed on its own: after a later statement fails";
    return [{ message: `${problem.what} ${when} the re-run ${problem.outcome}`, fix: problem.fix }];
  },
});

interface Problem {
  what: string;
  /** what the re-run does */
  outcome: string;
  fix: string;
}

/** Any later statement in the file that can fail after this one committed. */
function laterStatementCanFail(ctx: RuleContext): boolean {
  return ctx.file.memo(`prefer-robust-stmts:last-work`, () => {
    const all = ctx.file.statements;
    for (let i = all.length - 1; i >= 0; i--) if (!all[i]!.transaction && !HARMLESS.has(all[i]!.kind)) return i;
    return -1;
  }) > ctx.file.index;
}

function notRerunnable(s: RuleStatement, ctx: RuleContext): Problem | undefined {
  const on = s.relation ? ` ${s.relation}` : "";
  const fails = "fails on it";
  if (s.kind === "create-index") {
    if (!s.index?.name) {
      return {
        what: `CREATE INDEX${s.concurrently ? " CONCURRENTLY" : ""} without a name on${on}`,
        outcome: "builds a second copy of the index under a new name",
        fix: `-- name the index (IF NOT EXISTS needs a name): CREATE INDEX${s.concurrently ? " CONCURRENTLY" : ""} IF NOT EXISTS <table>_<columns>_idx ON ...${s.concurrently ? "\n-- a failed build leaves an INVALID index: DROP INDEX CONCURRENTLY IF EXISTS it before retrying" : ""}`,
      };
    }
    if (s.ifNotExists) return undefined;
    return {
      what: `CREATE INDEX ${s.index.name}`,
      outcome: fails,
      fix: `-- add IF NOT EXISTS${s.concurrently ? " (and DROP INDEX CONCURRENTLY IF EXISTS the INVALID leftover of a failed build first)" : ""}`,
    };
  }
  if (s.kind.startsWith("create-")) {
    if (s.ifNotExists || s.persistence === "temporary") return undefined; // a re-run is a new session: its temporary tables are gone
    return { what: `${s.kind}${on}`, outcome: fails, fix: NO_IF_NOT_EXISTS.has(s.kind) ? "-- guard it (DO $$ ... IF NOT EXISTS (SELECT FROM pg_catalog...) THEN ... $$), or run the file in one transaction" : "-- add IF NOT EXISTS (CREATE OR REPLACE for views, functions and triggers)" };
  }
  if (s.kind.startsWith("drop-")) return s.ifExists ? undefined : { what: `${s.kind}${on}`, outcome: fails, fix: "-- add IF EXISTS" };
  if (s.kind === "alter-type" && s.enumValue && !s.enumValue.ifNotExists) return { what: `ADD VALUE '${s.enumValue.value}' to ${s.enumValue.type}`, outcome: fails, fix: "-- ADD VALUE IF NOT EXISTS" };
  for (const a of s.actions) {
    const p = actionProblem(a, s, ctx);
    if (p) return p;
  }
  return undefined;
}

function actionProblem(a: AlterAction, s: RuleStatement, ctx: RuleContext): Problem | undefined {
  const at = `on ${s.relation}`;
  const fails = "fails on it";
  switch (a.action) {
    case "add-column":
      return a.ifExists ? undefined : { what: `ADD COLUMN ${a.column} ${at}`, outcome: fails, fix: "-- ADD COLUMN IF NOT EXISTS" };
    case "drop-column":
      return a.ifExists ? undefined : { what: `DROP COLUMN ${a.column} ${at}`, outcome: fails, fix: "-- DROP COLUMN IF EXISTS" };
    case "drop-constraint":
      return a.ifExists ? undefined : { what: `DROP CONSTRAINT ${a.constraintName} ${at}`, outcome: fails, fix: "-- DROP CONSTRAINT IF EXISTS" };
    case "add-constraint": {
      const name = a.constraint?.name;
      if (!name || droppedJustBefore(ctx, s.relation, name)) return undefined;
      return { what: `ADD CONSTRAINT ${name} ${at}`, outcome: fails, fix: `-- precede it with: ALTER TABLE ... DROP CONSTRAINT IF EXISTS ${name};` };
    }
    case "rename-column":
    case "rename-constraint":
    case "rename":
    case "set-schema":
      return s.ifExists && a.action !== "rename-column" && a.action !== "rename-constraint"
        ? undefined
        : { what: `${a.action.replace(/-/g, " ").toUpperCase()} ${at}`, outcome: "fails on it (the old name is gone)", fix: "-- renames cannot be repeated: give it a migration of its own, or run the file in one transaction" };
    case "attach-partition":
    case "detach-partition":
    case "add-identity":
      return { what: `${a.action.replace(/-/g, " ").toUpperCase()} ${at}`, outcome: fails, fix: "-- give it a migration of its own, or run the file in one transaction" };
    default:
      return undefined;
  }
}

type Touch = { index: number; kind: "add" | "drop" };

/** Per file, once: where each named constraint is added or dropped, in order (keeps big files linear). */
function constraintTouches(ctx: RuleContext): Map<string, Touch[]> {
  return ctx.file.memo("prefer-robust-stmts:constraints", () => {
    const out = new Map<string, Touch[]>();
    ctx.file.statements.forEach((s, index) => {
      for (const a of s.actions) {
        const name = a.action === "add-constraint" ? a.constraint?.name : a.action === "drop-constraint" ? a.constraintName : undefined;
        if (!name) continue;
        const key = `${s.relation}|${name}`;
        const list = out.get(key) ?? [];
        list.push({ index, kind: a.action === "add-constraint" ? "add" : "drop" });
        out.set(key, list);
      }
    });
    return out;
  });
}

/** The last earlier statement of the file that adds or drops constraint `name` on `relation`. */
function lastTouch(ctx: RuleContext, relation: string | undefined, name: string): "add" | "drop" | undefined {
  const touches = constraintTouches(ctx).get(`${relation}|${name}`) ?? [];
  let last: Touch | undefined;
  for (const t of touches) if (t.index < ctx.file.index) last = t;
  return last?.kind;
}

/** `DROP CONSTRAINT IF EXISTS name` earlier in the file, and no ADD of that name between: the ADD can be repeated. */
function droppedJustBefore(ctx: RuleContext, relation: string | undefined, name: string): boolean {
  return lastTouch(ctx, relation, name) === "drop";
}

/** A constraint this statement adds that an earlier statement of the file added (and nothing dropped since). */
function addedAgain(ctx: RuleContext): string | undefined {
  const s = ctx.statement;
  if (s.actions.length === 0) return undefined;
  for (const a of s.actions) if (a.action === "add-constraint" && a.constraint?.name && lastTouch(ctx, s.relation, a.constraint.name) === "add") return a.constraint.name;
  return undefined;
}
