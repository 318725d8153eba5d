import type { StatementSummary } from "../describe.js";
import { deeper, firesUnder, type ExecContext, type Host } from "./context.js";
import { callRoutine } from "./routines.js";

/**
 * Event triggers: database-wide functions run for DDL (ddl_command_start / ddl_command_end),
 * for what DDL drops (sql_drop) and for ALTER TABLE / ALTER TYPE that rewrite a table
 * (table_rewrite), filtered by WHEN TAG IN (...). Not for commands on databases, roles,
 * tablespaces or event triggers themselves (Postgres' rule).
 */
export function fireEventTriggers(s: StatementSummary, host: Host, ctx: ExecContext, rewrote: boolean): void {
  const triggers = host.schema.snapshot.eventTriggers;
  if (!triggers?.length) return;
  const tag = commandTag(s);
  if (!tag) return;
  for (const t of triggers) {
    if (!firesUnder(t.enabled, ctx.role) || (t.tags && !t.tags.includes(tag))) continue;
    const fires =
      t.event === "ddl_command_start" || t.event === "ddl_command_end"
        ? true
        : t.event === "sql_drop"
          ? drops(s)
          : t.event === "table_rewrite" && rewrote && (s.kind === "alter-table" || s.kind === "alter-type");
    if (fires) callRoutine(t.function, host, deeper(ctx, `event trigger ${t.name}`));
  }
}

const DDL = /^(create|alter|drop)-|^(comment|grant|revoke|security-label|refresh-materialized-view|import-foreign-schema)$/;
const SHARED = /^(create|alter|drop)-(database|role|user|group|tablespace|event-trigger|system)$/;
const TAGS: Record<string, string> = { "create-constraint-trigger": "CREATE TRIGGER", "create-object": "", "alter-object": "" };

/** The statement's command tag when it is DDL an event trigger sees ("ALTER TABLE"), else undefined. */
function commandTag(s: StatementSummary): string | undefined {
  if (!DDL.test(s.kind) || SHARED.test(s.kind)) return undefined;
  const special = TAGS[s.kind];
  return special !== undefined ? special || undefined : s.kind.replace(/-/g, " ").toUpperCase();
}

/** Does the statement drop objects (sql_drop): DROP ..., or ALTER TABLE dropping a column, constraint or default? */
function drops(s: StatementSummary): boolean {
  return s.kind.startsWith("drop-") || s.actions.some((a) => a.action === "drop-column" || a.action === "drop-constraint" || a.action === "drop-default" || a.action === "drop-identity" || a.action === "drop-expression");
}
