import type { Guard, StatementSummary } from "../describe.js";
import { partitionKeyColumns } from "../partition-routing.js";
import type { SchemaContext } from "../schema.js";
import type { ConstraintInfo, RelationInfo } from "../types.js";

/**
 * Row triggers and foreign keys act only on the rows a statement touches. Without a database the
 * analysis assumes an UPDATE or DELETE touches rows (the cautious answer). With --db, `check` asks
 * the database first, read-only (src/db/row-probe.ts), where the answer changes the prediction:
 * does any row match the WHERE; does an UPDATE change a key (or move rows to another partition);
 * does a cascade (ON DELETE / UPDATE CASCADE, SET NULL, SET DEFAULT) reach rows, level by level.
 * The answers hold for the data as it is before the migration: once an earlier statement of the
 * run may have written a table, its answers are no longer used (SchemaContext.rowFact).
 */
export interface RowQuestion {
  /** how the analysis finds the answer (touchKey / changeKey / cascadeKey) */
  key: string;
  /** a SELECT of the rows in question; the probe asks whether it returns any */
  sql: string;
  /** its parameters ($1 ...): the new values of the key columns an UPDATE sets */
  values: Array<string | null>;
}

/** Tables this small (estimated rows) are probed whatever the WHERE; bigger ones only by an indexed equality. */
export const PROBE_MAX_ROWS = 100_000;
/** ... and, for a table with no row estimate, this many bytes (table, indexes and TOAST) */
export const PROBE_MAX_BYTES = 16 * 1024 * 1024;
/** Cascades are followed this many levels down, at most this many questions per statement. */
const MAX_CASCADE_DEPTH = 4;
const MAX_QUESTIONS = 24;

/** Functions a probe must not call: they change something or wait. */
const UNSAFE = /\b(nextval|setval|pg_advisory\w*|pg_sleep\w*|dblink\w*|lo_\w+|pg_terminate_backend|pg_cancel_backend|set_config|pg_notify|txid_current|pg_current_xact_id)\s*\(/i;

export function touchKey(s: StatementSummary): string {
  return `touch ${s.relation} ${s.kind} ${s.dml?.rowsSql ?? s.dml?.whereText ?? ""}`;
}

/** Does the table (or view) show any row at all? Asked beside the precise question, which may not be answerable. */
export function anyRowsKey(table: string): string {
  return `any ${table}`;
}

/**
 * Does the statement touch (write) any row, as probed: its own question, else for an UPDATE or
 * DELETE whether its target holds any row at all. Undefined when unknown.
 */
export function touchFact(s: StatementSummary, schema: SchemaContext): boolean | undefined {
  if (!s.relation) return undefined;
  const own = schema.rowFact(touchKey(s), touchTables(s));
  if (own !== undefined) return own;
  // an empty target (UPDATE, DELETE) or driving table (INSERT ... SELECT) answers for the statement
  const table = s.kind === "update" || s.kind === "delete" ? s.relation : s.kind === "insert" ? s.dml?.driver : undefined;
  return table && (schema.knownEmpty(table) || schema.rowFact(anyRowsKey(table), table) === false) ? false : undefined;
}

/** The relations whose rows decide a touch question's answer: the target, and for a statement with a row source (row-source.ts) what it reads. */
export function touchTables(s: StatementSummary): string[] {
  return s.dml?.rowsSql ? [s.relation!, ...s.reads] : [s.relation!];
}

export function changeKey(s: StatementSummary, differs: Differs): string {
  return `change ${s.relation} ${s.dml?.whereText ?? ""} ${JSON.stringify(differs)}`;
}

/** The rows a foreign key's action reaches in `child` from the rows `parentKey` stands for. */
export function cascadeKey(parentKey: string, fk: ConstraintInfo, child: string): string {
  return `${parentKey} > ${child}.${fk.name}`;
}

type Differs = Array<{ column: string; value: string | null }>;

/** Which row of an INSERT ... ON CONFLICT already has a row its key conflicts with. */
export function conflictKey(s: StatementSummary, row: number): string {
  return `conflict ${s.relation} ${row} ${JSON.stringify(s.dml?.values?.[row])} ${JSON.stringify(s.dml?.onConflict)}`;
}

/** The questions worth asking for a statement (its writable CTEs and DO body included). */
export function rowQuestions(s: StatementSummary, schema: SchemaContext, renamed: Map<string, string> = new Map()): RowQuestion[] {
  const out: RowQuestion[] = [];
  // whether a table holds any row; under its name in the database when the file renames it first
  const anyRows = (table: string): RowQuestion[] => {
    const now = renamed.get(table) ?? table;
    return schema.relation(now) ? [{ key: anyRowsKey(table), sql: `SELECT 1 FROM ${qualifiedIdent(now)}`, values: [] }] : [];
  };
  const visit = (x: StatementSummary) => {
    x.modifies?.forEach(visit);
    x.doBlock?.statements.forEach(visit);
    // a DO block's conditions on data: FOR loops' queries, IF and WHILE conditions
    const guard = (g: Guard, depth: number): void => {
      if (g.probe && !UNSAFE.test(g.probe.sql)) out.push({ key: g.probe.key, sql: g.probe.sql, values: [] });
      if (g.probe?.driver) out.push(...anyRows(g.probe.driver));
      if (depth < 4) for (const under of g.variable?.assignedUnder ?? []) for (const u of under) guard(u, depth + 1);
    };
    for (const g of x.guards ?? []) guard(g, 0);
    out.push(...questionsOf(x, schema), ...conflictQuestions(x, schema));
    // renamed by the file: only whether the table holds rows can be asked (questionsOf needs it in the catalog)
    const t = x.kind === "update" || x.kind === "delete" ? x.relation : x.kind === "insert" ? x.dml?.driver : undefined;
    if (t && renamed.has(t)) out.push(...anyRows(t));
  };
  visit(s);
  return out;
}

/** Rows of INSERT ... ON CONFLICT that are probed for a conflict, at most. */
const MAX_CONFLICT_ROWS = 10;

/**
 * INSERT ... VALUES ... ON CONFLICT with constants: per row, does a row with the same key exist?
 * Conflicting rows are not inserted (no AFTER INSERT triggers, no key checks) and DO UPDATE
 * updates them instead. Asked only where triggers or keys make the difference.
 */
function conflictQuestions(s: StatementSummary, schema: SchemaContext): RowQuestion[] {
  const dml = s.dml;
  const rel = schema.relation(s.relation);
  if (s.kind !== "insert" || !dml?.onConflict || !dml.values?.length || dml.values.length > MAX_CONFLICT_ROWS || !rel) return [];
  const acts = (rel.triggers ?? []).some((t) => t.level === "row") || schema.foreignKeysOf(s.relation!).length > 0 || (dml.onConflict.action === "update" && schema.referencing(s.relation!).length > 0);
  const keys = conflictKeys(dml.onConflict, rel);
  const columns = dml.columns.length ? dml.columns : rel.columns.map((c) => c.name);
  if (!acts || !keys?.length || !keys.every((k) => k.every((c) => columns.includes(c)))) return [];
  return dml.values.flatMap((row, i): RowQuestion[] => {
    if (row.some((v) => v === false)) return [];
    const values: Array<string | null> = [];
    const terms: string[] = [];
    for (const key of keys) {
      const vs = key.map((c) => row[columns.indexOf(c)] as string | null);
      if (vs.some((v) => v === null)) continue; // NULLs never conflict
      terms.push(`(${key.map((c, j) => (values.push(vs[j]!), `${ident(c)} = $${values.length}`)).join(" AND ")})`);
    }
    return [{ key: conflictKey(s, i), sql: `SELECT 1 FROM ${qualifiedIdent(s.relation!)} WHERE ${terms.length ? terms.join(" OR ") : "false"}`, values }];
  });
}

/** The unique keys a conflict is looked for on (undefined when it cannot be told). */
function conflictKeys(c: NonNullable<NonNullable<StatementSummary["dml"]>["onConflict"]>, rel: RelationInfo): string[][] | undefined {
  if (c.target) return [c.target];
  if (c.constraint) {
    const con = rel.constraints.find((x) => x.name === c.constraint && (x.type === "p" || x.type === "u"));
    return con ? [con.columns] : undefined;
  }
  if (!c.anyKey) return undefined;
  const unique = rel.indexes.filter((i) => i.unique && i.valid);
  return unique.every((i) => !i.partial && i.columns.every((col) => /^[a-z_][a-z0-9_$]*$/.test(col))) ? unique.map((i) => i.columns) : undefined;
}

function questionsOf(s: StatementSummary, schema: SchemaContext): RowQuestion[] {
  if (s.kind === "insert") return insertQuestions(s, schema);
  if ((s.kind !== "update" && s.kind !== "delete") || !s.relation || !s.dml) return [];
  const rel = schema.relation(s.relation);
  if (!rel) return [];
  // an empty table answers every question about its rows, whatever the WHERE (EXISTS stops at the first row);
  // asked also where nothing acts on the rows: a statement that writes none leaves later answers valid
  const any = { key: anyRowsKey(s.relation), sql: `SELECT 1 FROM ${qualifiedIdent(s.relation)}`, values: [] };
  return hasRowEffects(s, rel, schema) ? [any, ...preciseQuestions(s, rel, schema)] : [any];
}

function preciseQuestions(s: StatementSummary, rel: RelationInfo, schema: SchemaContext): RowQuestion[] {
  if (!s.relation || !s.dml || s.calls?.length) return [];
  const source = s.dml.rowsSql;
  if (s.dml.fromQuery && (!source || UNSAFE.test(source))) return [];
  const where = s.dml.whereText;
  if (!source && ((s.dml.where && !where) || (where && UNSAFE.test(where)))) return [];
  if (!(source ? cheapSource(s, schema) : cheapToAsk(s, rel, schema))) return [];
  const alias = s.dml.alias ? ident(s.dml.alias) : "t";
  const rows = source ?? `SELECT ${alias}.* FROM ${qualifiedIdent(s.relation)} AS ${alias} WHERE ${where ? `(${where})` : "true"}`;
  const touch = touchKey(s);
  const out: RowQuestion[] = [{ key: touch, sql: rows, values: [] }];
  if (s.kind === "delete") {
    out.push(...cascades(s.relation, touch, rows, [], "delete", schema, 1));
    return out.slice(0, MAX_QUESTIONS);
  }
  for (const differs of keyChanges(s, schema)) {
    const values = differs.map((d) => d.value);
    const distinct = (row: string) => differs.map((d, i) => `${row}.${ident(d.column)} IS DISTINCT FROM $${i + 1}`).join(" OR ");
    const changed = source ? `SELECT r.* FROM (${source}) AS r WHERE (${distinct("r")})` : `${rows} AND (${distinct(alias)})`;
    const key = changeKey(s, differs);
    out.push({ key, sql: changed, values }, ...cascades(s.relation, key, changed, values, "update", schema, 1));
  }
  return out.slice(0, MAX_QUESTIONS);
}

/**
 * INSERT ... SELECT: does its query return any row? When none, no row is inserted: no row trigger
 * fires and no foreign key is checked. Asked where those would act, when what it reads is small.
 */
function insertQuestions(s: StatementSummary, schema: SchemaContext): RowQuestion[] {
  const source = s.dml?.rowsSql;
  const rel = schema.relation(s.relation);
  if (!source || rel?.kind === "view") return [];
  // a target the file creates first is not in the catalog yet: its keys and triggers are not known, ask anyway
  const tables = [s.relation!, ...schema.partitionsOf(s.relation!)];
  const acts = !rel || tables.some((r) => (schema.relation(r)?.triggers ?? []).some((t) => t.level === "row" && t.events.includes("insert")) || schema.foreignKeysOf(r).length > 0);
  if (!acts) return [];
  const driver = s.dml?.driver && schema.relation(s.dml.driver) ? [{ key: anyRowsKey(s.dml.driver), sql: `SELECT 1 FROM ${qualifiedIdent(s.dml.driver)}`, values: [] }] : [];
  // the query itself only when it calls no user function (it might write) and is cheap; its driving table's emptiness always
  const safe = !s.calls?.length && !UNSAFE.test(source) && cheapSource(s, schema, false);
  return safe ? [...driver, { key: touchKey(s), sql: source, values: [] }] : driver;
}

/** Every relation a statement with a row source reads (views expanded) is small. */
function cheapSource(s: StatementSummary, schema: SchemaContext, withTarget = true): boolean {
  const tables = schema.expandViews(withTarget ? [s.relation!, ...s.reads] : s.reads).filter((r) => schema.relation(r)?.kind !== "view");
  return tables.every((t) => small(schema.relation(t)));
}

/** Questions for the rows each writing foreign-key action reaches, level by level. */
function cascades(table: string, parentKey: string, parentRows: string, values: Array<string | null>, event: "delete" | "update", schema: SchemaContext, depth: number): RowQuestion[] {
  if (depth > MAX_CASCADE_DEPTH) return [];
  const out: RowQuestion[] = [];
  for (const { table: child, constraint: fk } of schema.referencing(table)) {
    const action = (event === "delete" ? fk.onDelete : fk.onUpdate) ?? "no action";
    const key = referencedColumns(fk, schema);
    if (action === "no action" || action === "restrict" || !key || key.length !== fk.columns.length || child === table) continue;
    const p = `p${depth}`;
    const rows = `SELECT c${depth}.* FROM ${qualifiedIdent(child)} AS c${depth} WHERE (${fk.columns.map((c) => `c${depth}.${ident(c)}`).join(", ")}) IN (SELECT ${key.map((c) => `${p}.${ident(c)}`).join(", ")} FROM (${parentRows}) AS ${p})`;
    const childKey = cascadeKey(parentKey, fk, child);
    out.push({ key: childKey, sql: rows, values });
    // a cascaded delete deletes further down; SET NULL / SET DEFAULT / ON UPDATE CASCADE update the child's key columns, which may be referenced in turn
    out.push(...cascades(child, childKey, rows, values, action === "cascade" && event === "delete" ? "delete" : "update", schema, depth + 1));
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
  if (tables.every((t) => small(schema.relation(t)))) return true;
  const equal = new Set((s.dml?.keyFilters ?? []).flatMap((f) => (f.op === "=" ? [f.column] : [])));
  return rel.kind !== "view" && rel.indexes.some((i) => i.valid && !i.partial && equal.has(i.columns[0] ?? ""));
}

/**
 * Few rows by the planner's estimate; a table never analysed (no estimate yet: a new one, or one
 * loaded since) counts by its size on disk, so a probe of it stays as cheap.
 */
function small(rel: RelationInfo | undefined): boolean {
  if (rel?.rows !== undefined) return rel.rows <= PROBE_MAX_ROWS;
  return rel?.bytes !== undefined && rel.bytes <= PROBE_MAX_BYTES;
}

/**
 * For an UPDATE that sets key columns to constants: per key (the partition key, own foreign keys,
 * keys other tables reference), the columns set and their new values, to ask whether any row really changes.
 */
function keyChanges(s: StatementSummary, schema: SchemaContext): Differs[] {
  const values = new Map<string, string | null>();
  for (const a of s.dml?.assigned ?? []) if (typeof a.value === "string" || a.value === null) values.set(a.column, a.value);
  const keys = [
    partitionKeyColumns(schema.relation(s.relation)),
    ...schema.foreignKeysOf(s.relation!).map((fk) => fk.columns),
    ...schema.referencing(s.relation!).map((r) => referencedColumns(r.constraint, schema) ?? []),
  ];
  const out = new Map<string, Differs>();
  for (const key of keys) {
    const set = key.filter((c) => s.dml!.columns.includes(c));
    if (set.length === 0 || !set.every((c) => values.has(c))) continue;
    const differs = set.map((column) => ({ column, value: values.get(column)! }));
    out.set(JSON.stringify(differs), differs);
  }
  return [...out.values()];
}

/** The referenced columns: as the constraint lists them, else the referenced table's primary key. */
export function referencedColumns(fk: ConstraintInfo, schema: SchemaContext): string[] | undefined {
  if (fk.referencedColumns?.length) return fk.referencedColumns;
  return schema.relation(fk.references)?.constraints.find((c) => c.type === "p")?.columns;
}

function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function qualifiedIdent(name: string): string {
  const dot = name.indexOf(".");
  return dot < 0 ? ident(name) : `${ident(name.slice(0, dot))}.${ident(name.slice(dot + 1))}`;
}
