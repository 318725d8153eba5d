import type { Condition, Operand } from "../describe-body.js";
import type { CatalogCheck } from "../describe.js";
import type { SchemaContext } from "../schema.js";
import type { RelationInfo } from "../types.js";

/**
 * Evaluate an IF condition that asks the catalog whether an object exists, against the schema as
 * the migration has it at this statement (the catalog read with --db/--schema, changed by the
 * statements before). Undefined when it cannot be known.
 */
export function evaluateCheck(check: CatalogCheck, schema: SchemaContext): boolean | undefined {
  const found = exists(check, schema);
  return found === undefined ? undefined : found === check.exists;
}

const lower = (s: string | undefined) => s?.toLowerCase();

/** Is there an object the check matches? true / false, or undefined when the schema cannot tell. */
function exists(check: CatalogCheck, schema: SchemaContext): boolean | undefined {
  const f = check.filters;
  const source = check.source.replace(/^pg_catalog\./, "");
  const rels = (name: string | undefined, nsp?: string) => relationsNamed(schema, name, nsp);
  switch (source) {
    case "information_schema.columns":
      return decide(rels(f.table_name, f.table_schema), (r) => !f.column_name || r.columns.some((c) => c.name === f.column_name), schema, f.table_name);
    case "information_schema.tables":
    case "pg_tables":
    case "information_schema.views":
    case "pg_views":
    case "pg_matviews": {
      const name = f.table_name ?? f.tablename ?? f.viewname ?? f.matviewname;
      const kinds = source.endsWith("views") ? (source === "pg_matviews" ? ["materialized-view"] : ["view"]) : source === "pg_tables" ? ["table", "partitioned-table"] : ["table", "partitioned-table", "view", "foreign-table"];
      return decide(rels(name, f.table_schema ?? f.schemaname), (r) => kinds.includes(r.kind), schema, undefined);
    }
    case "pg_class":
      return decide(rels(f.relname), () => true, schema, undefined);
    case "pg_indexes":
      return decide(rels(f.indexname, f.schemaname), (r) => (r.kind === "index" || r.kind === "partitioned-index") && (!f.tablename || r.table?.endsWith(`.${f.tablename}`) === true), schema, undefined);
    case "pg_attribute":
      return decide(rels(...splitName(f.attrelid)), (r) => !f.attname || r.columns.some((c) => c.name === f.attname), schema, f.attrelid);
    case "pg_constraint":
    case "information_schema.table_constraints": {
      const name = f.conname ?? f.constraint_name;
      const table = f.conrelid ? splitName(f.conrelid) : ([f.table_name, f.table_schema ?? f.constraint_schema] as const);
      const candidates = table[0] ? rels(table[0], table[1]) : Object.values(schema.snapshot.relations);
      return decide(candidates, (r) => r.constraints.some((c) => !name || c.name === name) || r.indexes.some((i) => i.name === name), schema, table[0]);
    }
    case "pg_trigger":
      return decide(f.tgrelid ? rels(...splitName(f.tgrelid)) : Object.values(schema.snapshot.relations), (r) => (r.triggers ?? []).some((t) => !f.tgname || t.name === f.tgname), schema, f.tgrelid);
    case "pg_type":
      if (!f.typname) return undefined;
      if (Object.values(schema.snapshot.types).some((t) => t.name === f.typname) || rels(f.typname).length) return true;
      return schema.known ? false : undefined;
    case "pg_proc":
      if (!f.proname) return undefined;
      if (Object.keys(schema.snapshot.routines ?? {}).some((k) => k.endsWith(`.${f.proname}`))) return true;
      return schema.known ? false : undefined;
    case "to_regclass":
      return decide(rels(...splitName(f.name)), () => true, schema, f.name);
    case "to_regtype": {
      const [name, nsp] = splitName(f.name);
      if (Object.values(schema.snapshot.types).some((t) => t.name === name && (!nsp || t.schema === nsp))) return true;
      return schema.known ? false : undefined;
    }
  }
  return undefined;
}

/**
 * Found among the candidates: true. Not found: false when the schema is known (catalog), or when
 * the table the check is about was created by the statements seen so far (its columns are known).
 */
function decide(candidates: RelationInfo[], match: (r: RelationInfo) => boolean, schema: SchemaContext, table: string | undefined): boolean | undefined {
  if (candidates.some(match)) return true;
  if (schema.known) return false;
  return table && candidates.length > 0 ? false : undefined;
}

/** "app.users" -> ["users", "app"]; "users" -> ["users", undefined] */
function splitName(name: string | undefined): [string | undefined, string | undefined] {
  if (!name) return [undefined, undefined];
  const parts = name.replace(/"/g, "").split(".");
  return parts.length >= 2 ? [lower(parts[parts.length - 1]), lower(parts[parts.length - 2])] : [lower(parts[0]), undefined];
}

function relationsNamed(schema: SchemaContext, name: string | undefined, nsp?: string): RelationInfo[] {
  if (!name) return [];
  if (nsp) {
    const r = schema.relation(`${nsp}.${name}`);
    return r ? [r] : [];
  }
  return Object.values(schema.snapshot.relations).filter((r) => r.name === name);
}

/* ------------------------------------- WHEN clauses ---------------------------------------- */

/** A row's values as far as the statement says them: a constant's text, null, or undefined (unknown). */
export type RowValues = (row: "new" | "old", column: string) => string | null | undefined;

/** A trigger's WHEN for one row: true, false (NULL counts as false, as for WHEN), or undefined when unknown. */
export function evaluateCondition(c: Condition, values: RowValues): boolean | undefined {
  switch (c.op) {
    case "and": {
      const r = c.args.map((a) => evaluateCondition(a, values));
      return r.some((x) => x === false) ? false : r.every((x) => x === true) ? true : undefined;
    }
    case "or": {
      const r = c.args.map((a) => evaluateCondition(a, values));
      return r.some((x) => x === true) ? true : r.every((x) => x === false) ? false : undefined;
    }
    case "not": {
      const r = evaluateCondition(c.arg, values);
      return r === undefined ? undefined : !r;
    }
    case "null-test": {
      const v = valueOf(c.arg, values);
      return v === undefined ? undefined : (v === null) === c.isNull;
    }
    case "compare":
      return compare(c.operator, valueOf(c.left, values), valueOf(c.right, values));
    default:
      return undefined;
  }
}

function valueOf(o: Operand, values: RowValues): string | null | undefined {
  if ("row" in o) return values(o.row, o.column);
  if ("constant" in o) return o.constant;
  return undefined;
}

function compare(op: string, a: string | null | undefined, b: string | null | undefined): boolean | undefined {
  if (a === undefined || b === undefined) return undefined;
  if (op === "is distinct from" || op === "is not distinct from") {
    const same = a === b || (a !== null && b !== null && numeric(a) !== undefined && numeric(a) === numeric(b));
    return op === "is distinct from" ? !same : same;
  }
  if (a === null || b === null) return false;
  const [x, y] = numeric(a) !== undefined && numeric(b) !== undefined ? [numeric(a)!, numeric(b)!] : [a, b];
  switch (op) {
    case "=":
      return x === y;
    case "<>":
    case "!=":
      return x !== y;
    case "<":
      return x < y;
    case "<=":
      return x <= y;
    case ">":
      return x > y;
    case ">=":
      return x >= y;
  }
  return undefined;
}

function numeric(s: string): number | undefined {
  return /^-?\d+(\.\d+)?$/.test(s.trim()) ? Number(s) : undefined;
}
