import type { StatementSummary } from "../describe.js";
import { partitionKeyColumns } from "../partition-routing.js";
import type { SchemaContext } from "../schema.js";
import type { RelationInfo } from "../types.js";

/**
 * Row triggers and foreign keys act only on the rows a statement touches. Without a database the
 * analysis assumes an UPDATE or DELETE touches rows (the cautious answer). With --db, `check` asks
 * the database first, read-only (src/db/row-probe.ts), for the statements where the answer
 * changes the prediction: does any row match the WHERE, and does an UPDATE change a key?
 * The answers hold for the data as it is before the migration: once an earlier statement of the
 * run may have written a table, its answers are no longer used (SchemaContext.rowFact).
 */
export interface RowQuestion {
  /** how the analysis finds the answer (touchKey / changeKey) */
  key: string;
  /** the relation written, schema-qualified */
  table: string;
  alias?: string;
  /** the statement's WHERE text (none: every row) */
  where?: string;
  /** ask whether a matching row has one of these columns different from the value (a constant's text, null for NULL) */
  differs?: Array<{ column: string; value: string | null }>;
}

/** Tables this small (estimated rows) are probed whatever the WHERE; bigger ones only by an indexed equality. */
export const PROBE_MAX_ROWS = 100_000;

/** Functions a probe must not call: they change something or wait. */
const UNSAFE = /\b(nextval|setval|pg_advisory\w*|pg_sleep\w*|dblink\w*|lo_\w+|pg_terminate_backend|pg_cancel_backend|set_config|pg_notify|txid_current|pg_current_xact_id)\s*\(/i;

export function touchKey(s: StatementSummary): string {
  return `touch ${s.relation} ${s.kind} ${s.dml?.whereText ?? ""}`;
}

export function changeKey(s: StatementSummary, differs: NonNullable<RowQuestion["differs"]>): string {
  return `change ${s.relation} ${s.dml?.whereText ?? ""} ${JSON.stringify(differs)}`;
}

/** The questions worth asking for a statement (its writable CTEs and DO body included). */
export function rowQuestions(s: StatementSummary, schema: SchemaContext): RowQuestion[] {
  const out: RowQuestion[] = [];
  const visit = (x: StatementSummary) => {
    x.modifies?.forEach(visit);
    x.doBlock?.statements.forEach(visit);
    const q = questionsOf(x, schema);
    if (q) out.push(...q);
  };
  visit(s);
  return out;
}

function questionsOf(s: StatementSummary, schema: SchemaContext): RowQuestion[] | undefined {
  if ((s.kind !== "update" && s.kind !== "delete") || !s.relation || !s.dml || s.dml.fromQuery || s.calls?.length) return undefined;
  const where = s.dml.whereText;
  if ((s.dml.where && !where) || (where && UNSAFE.test(where))) return undefined;
  const rel = schema.relation(s.relation);
  if (!rel || !hasRowEffects(s, rel, schema) || !cheapToAsk(s, rel, schema)) return undefined;
  const base = { table: s.relation, ...(s.dml.alias ? { alias: s.dml.alias } : {}), ...(where ? { where } : {}) };
  const out: RowQuestion[] = [{ key: touchKey(s), ...base }];
  if (s.kind === "update") {
    for (const differs of keyChanges(s, schema)) out.push({ key: changeKey(s, differs), ...base, differs });
  }
  return out;
}

/** Row triggers, or foreign keys the statement's event involves, on the relation or what it writes through. */
function hasRowEffects(s: StatementSummary, rel: RelationInfo, schema: SchemaContext): boolean {
  const event = s.kind as "update" | "delete";
  const rels = rel.kind === "view" ? [s.relation!, ...schema.expandViews(rel.reads ?? [])] : [s.relation!, ...schema.partitionsOf(s.relation!)];
  return rels.some((r) => {
    const info = schema.relation(r);
    if ((info?.triggers ?? []).some((t) => t.level === "row" && t.events.includes(event))) return true;
    return schema.referencing(r).length > 0 || (event === "update" && schema.foreignKeysOf(r).length > 0);
  });
}

/** Small relations, or an equality on the leading column of an index: the probe is cheap. */
function cheapToAsk(s: StatementSummary, rel: RelationInfo, schema: SchemaContext): boolean {
  const tables = rel.kind === "view" ? schema.expandViews(rel.reads ?? []).filter((r) => schema.relation(r)?.kind !== "view") : [s.relation!];
  if (tables.every((t) => (schema.relation(t)?.rows ?? Infinity) <= PROBE_MAX_ROWS)) return true;
  const equal = new Set((s.dml?.keyFilters ?? []).filter((f) => f.op === "=").map((f) => f.column));
  return rel.kind !== "view" && rel.indexes.some((i) => i.valid && !i.partial && equal.has(i.columns[0] ?? ""));
}

/**
 * For an UPDATE that sets key columns to constants: per foreign key (own, or referencing this
 * table's columns), the columns set and their new values, to ask whether any row really changes.
 */
function keyChanges(s: StatementSummary, schema: SchemaContext): Array<NonNullable<RowQuestion["differs"]>> {
  const values = new Map<string, string | null>();
  for (const a of s.dml?.assigned ?? []) if (typeof a.value === "string" || a.value === null) values.set(a.column, a.value);
  const keys = [
    partitionKeyColumns(schema.relation(s.relation)),
    ...schema.foreignKeysOf(s.relation!).map((fk) => fk.columns),
    ...schema.referencing(s.relation!).map((r) => r.constraint.referencedColumns ?? schema.relation(s.relation)?.constraints.find((c) => c.type === "p")?.columns ?? []),
  ];
  const out = new Map<string, NonNullable<RowQuestion["differs"]>>();
  for (const key of keys) {
    const set = key.filter((c) => s.dml!.columns.includes(c));
    if (set.length === 0 || !set.every((c) => values.has(c))) continue;
    const differs = set.map((column) => ({ column, value: values.get(column)! }));
    out.set(JSON.stringify(differs), differs);
  }
  return [...out.values()];
}
