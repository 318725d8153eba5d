import { describeCondition, type Condition } from "../describe-body.js";
import type { SchemaContext } from "../schema.js";
import type { RelationInfo, TriggerInfo } from "../types.js";
import { evaluateCondition, type RowValues } from "./conditions.js";
import { deeper, firesUnder, type ExecContext, type Host } from "./context.js";
import { callRoutine } from "./routines.js";
import type { Write } from "./writes.js";

/**
 * User triggers a write fires: statement-level ones always (even when no row is touched), row-level
 * ones for the rows it touches, each filtered by event, UPDATE OF columns, WHEN (assumed true
 * unless the written constants decide it), ENABLE / DISABLE and session_replication_role.
 */
export function fireTriggers(w: Write, level: TriggerInfo["level"], timing: "instead" | "before-after", host: Host, ctx: ExecContext): number {
  let fired = 0;
  for (const { table, trigger } of triggersOf(w.table, level, host.schema)) {
    if ((trigger.timing === "instead") !== (timing === "instead")) continue;
    if (!trigger.events.includes(w.event) || !firesUnder(trigger.enabled, ctx.role)) continue;
    if (w.event === "update" && trigger.columns && !trigger.columns.some((c) => w.columns.includes(c))) continue;
    if (level === "row" && trigger.when && whenIsFalse(trigger.when, w, host.schema.relation(w.table))) continue;
    if (level === "row" && w.inserted === false && trigger.timing === "after") continue; // every row conflicted: none inserted
    fired++;
    callRoutine(trigger.function, host, deeper(ctx, `trigger ${trigger.name} on ${table}`), { tgOp: w.event.toUpperCase() });
  }
  return fired;
}

/** TRUNCATE's statement-level triggers, on every table it truncates. */
export function fireTruncateTriggers(tables: Iterable<string>, host: Host, ctx: ExecContext): void {
  for (const table of tables) {
    for (const t of host.schema.relation(table)?.triggers ?? []) {
      if (t.events.includes("truncate") && firesUnder(t.enabled, ctx.role)) callRoutine(t.function, host, deeper(ctx, `trigger ${t.name} on ${table}`), { tgOp: "TRUNCATE" });
    }
  }
}

/**
 * The table's own triggers; for row level, also those of its partitions (rows land there) and of
 * its partitioned ancestors (their row triggers are cloned onto every partition).
 */
function triggersOf(table: string, level: TriggerInfo["level"], schema: SchemaContext): Array<{ table: string; trigger: TriggerInfo }> {
  const ancestors: string[] = [];
  for (let p = schema.relation(table)?.parent; p && ancestors.length < 16; p = schema.relation(p)?.parent) ancestors.push(p);
  const tables = level === "row" ? [table, ...schema.partitionsOf(table), ...ancestors] : [table];
  return tables.flatMap((t) => (schema.relation(t)?.triggers ?? []).filter((x) => x.level === level).map((trigger) => ({ table: t, trigger })));
}

const conditions = new Map<string, Condition>();

/** WHEN is false for every row the write makes, judging from the constants it writes. */
function whenIsFalse(when: string, w: Write, rel: RelationInfo | undefined): boolean {
  let c = conditions.get(when);
  if (!c) conditions.set(when, (c = describeCondition(when)));
  return rowsOf(w, rel).every((values) => evaluateCondition(c!, values) === false);
}

/** Per row the write makes, what NEW and OLD hold as far as the statement says (OLD is never known). */
function rowsOf(w: Write, rel: RelationInfo | undefined): RowValues[] {
  const columns = w.columns.length ? w.columns : (rel?.columns.map((c) => c.name) ?? []);
  const omitted = (column: string): string | null | undefined => {
    const col = rel?.columns.find((c) => c.name === column);
    return col && col.default === undefined && !col.identity && !col.generated ? null : undefined;
  };
  if (w.event === "insert" && w.values?.length) {
    return w.values.map((row) => (which, column) => {
      if (which === "old") return undefined;
      const i = columns.indexOf(column);
      if (i < 0 || i >= row.length) return omitted(column);
      const v = row[i];
      return v === false || v === undefined ? undefined : v;
    });
  }
  if (w.event === "update") {
    return [
      (which, column) => {
        if (which === "old") return undefined;
        const v = w.assigned?.get(column);
        return typeof v === "string" || v === null ? v : undefined;
      },
    ];
  }
  return [() => undefined];
}
