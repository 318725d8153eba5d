import type { SchemaContext } from "./schema.js";
import type { RelationInfo } from "./types.js";

/** The plain columns of a partition key ("LIST (region)" -> ["region"]); [] for expressions or no key. */
export function partitionKeyColumns(rel: RelationInfo | undefined): string[] {
  const m = /^\w+ \(([^()]*)\)$/.exec(rel?.partitionKey ?? "");
  return m ? m[1]!.split(",").map((c) => c.trim().replace(/^"|"$/g, "")) : [];
}

/**
 * Which partitions INSERTed rows are routed to (ExecFindPartition), from the partition bounds in
 * the catalog. Returns the partitions (intermediate and leaf) that receive rows, or undefined when
 * a row's key cannot be evaluated statically (non-constant values, hash or expression keys).
 */
export function routedPartitions(table: string, columns: string[], rows: Array<Array<string | null | false>>, schema: SchemaContext): string[] | undefined {
  const all = schema.relation(table)?.columns ?? [];
  const names = columns.length ? columns : all.map((c) => c.name);
  const out = new Set<string>();
  for (const row of rows) {
    const value = (col: string): Value => {
      const i = names.indexOf(col);
      if (i >= 0) return row[i];
      const c = all.find((x) => x.name === col);
      return c && (c.default !== undefined || c.identity || c.generated) ? false : null; // an omitted column gets its default
    };
    const path = route(table, value, schema, 0);
    if (!path) return undefined;
    path.forEach((p) => out.add(p));
  }
  return [...out];
}

type Value = string | null | false | undefined;
type Literal = { kind: "value"; text: string } | { kind: "null" | "minvalue" | "maxvalue" };

function route(table: string, value: (col: string) => Value, schema: SchemaContext, depth: number): string[] | undefined {
  const rel = schema.relation(table);
  const key = /^(RANGE|LIST) \(([^()]*)\)$/i.exec(rel?.partitionKey ?? "");
  if (!rel || !key || depth > 8) return undefined;
  const cols = key[2]!.split(",").map((c) => c.trim().replace(/^"|"$/g, ""));
  if (cols.some((c) => !rel.columns.some((x) => x.name === c))) return undefined; // expression keys
  const values = cols.map(value);
  if (values.some((v) => v === false || v === undefined)) return undefined;
  const ofColumn = cols.map((c) => rel.columns.find((x) => x.name === c)!);
  if (!ofColumn.every((c) => comparable(c.typeName))) return undefined;
  let target: string | undefined;
  for (const p of rel.partitions ?? []) {
    const bound = schema.relation(p)?.partitionBound ?? "";
    const fits = key[1]!.toUpperCase() === "RANGE" ? inRange(bound, values as Array<string | null>, ofColumn.map((c) => c.typeName)) : inList(bound, values[0] as string | null, ofColumn[0]!.typeName);
    if (fits === undefined) return undefined;
    if (fits) target = p;
  }
  target ??= schema.defaultPartitionOf(table);
  if (!target) return []; // no partition takes the row: the INSERT fails
  const below = schema.relation(target)?.kind === "partitioned-table" ? route(target, value, schema, depth + 1) : [];
  return below && [target, ...below];
}

const NUMERIC = /^(pg_catalog\.)?(int2|int4|int8|numeric|float4|float8)$/;
const TEMPORAL = /^(pg_catalog\.)?(date|timestamp|timestamptz)$/;
const TEXTUAL = /^(pg_catalog\.)?(text|varchar|bpchar)$/;
const BOOL = /^(pg_catalog\.)?bool$/;

function comparable(type: string): boolean {
  return NUMERIC.test(type) || TEMPORAL.test(type) || TEXTUAL.test(type) || BOOL.test(type);
}

/** Compare two values of a key column's type; undefined when the text cannot be read. */
function compare(a: string, b: string, type: string): number | undefined {
  if (NUMERIC.test(type)) {
    const x = Number(a);
    const y = Number(b);
    return Number.isNaN(x) || Number.isNaN(y) ? undefined : x - y;
  }
  if (TEMPORAL.test(type)) {
    const x = timeOf(a);
    const y = timeOf(b);
    return x === undefined || y === undefined ? undefined : x - y;
  }
  if (BOOL.test(type)) return a === b ? 0 : 1;
  return a < b ? -1 : a > b ? 1 : 0; // byte order: exact for the C collation, assumed otherwise
}

/** Milliseconds of a date/timestamp literal; no zone means UTC (the session TimeZone is assumed UTC). */
function timeOf(text: string): number | undefined {
  const m = /^(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?))?\s*([+-]\d{2}(?::?\d{2})?|Z|UTC)?$/i.exec(text.trim());
  if (!m) return undefined;
  let zone = m[3] ?? "Z";
  if (/^utc$/i.test(zone)) zone = "Z";
  else if (/^[+-]\d{2}$/.test(zone)) zone += ":00";
  else if (/^[+-]\d{4}$/.test(zone)) zone = `${zone.slice(0, 3)}:${zone.slice(3)}`;
  const t = Date.parse(`${m[1]}T${m[2] ?? "00:00:00"}${zone}`);
  return Number.isNaN(t) ? undefined : t;
}

function literals(list: string): Literal[] | undefined {
  const out: Literal[] = [];
  const re = /\s*(?:'((?:[^']|'')*)'(?:::[\w\s."]+)?|(-?[\d.]+(?:e[+-]?\d+)?)|(MINVALUE|MAXVALUE|NULL|true|false))\s*(?:,|$)/giy;
  let m: RegExpExecArray | null;
  while (re.lastIndex < list.length && (m = re.exec(list))) {
    if (m[1] !== undefined) out.push({ kind: "value", text: m[1].replace(/''/g, "'") });
    else if (m[2] !== undefined) out.push({ kind: "value", text: m[2] });
    else {
      const w = m[3]!.toLowerCase();
      out.push(w === "true" || w === "false" ? { kind: "value", text: w } : { kind: w as "null" | "minvalue" | "maxvalue" });
    }
  }
  return re.lastIndex === list.length || list.trim() === "" ? out : undefined;
}

/** FOR VALUES FROM (...) TO (...): lower bound inclusive, upper exclusive, compared column by column. */
function inRange(bound: string, values: Array<string | null>, types: string[]): boolean | undefined {
  if (bound === "DEFAULT") return false;
  const m = /^FOR VALUES FROM \((.*)\) TO \((.*)\)$/.exec(bound);
  const lo = m && literals(m[1]!);
  const hi = m && literals(m[2]!);
  if (!lo || !hi || lo.length !== values.length || hi.length !== values.length) return undefined;
  if (values.some((v) => v === null)) return false; // NULL keys go to the default partition
  const cmp = (bounds: Literal[]): number | undefined => {
    for (let i = 0; i < values.length; i++) {
      const b = bounds[i]!;
      if (b.kind === "minvalue") return 1;
      if (b.kind === "maxvalue") return -1;
      if (b.kind !== "value") return undefined;
      const c = compare(values[i]!, b.text, types[i]!);
      if (c === undefined || c !== 0) return c;
    }
    return 0;
  };
  const a = cmp(lo);
  const b = cmp(hi);
  return a === undefined || b === undefined ? undefined : a >= 0 && b < 0;
}

/** FOR VALUES IN (...) */
function inList(bound: string, value: string | null, type: string): boolean | undefined {
  if (bound === "DEFAULT") return false;
  const m = /^FOR VALUES IN \((.*)\)$/.exec(bound);
  const items = m && literals(m[1]!);
  if (!items) return undefined;
  for (const it of items) {
    if (it.kind === "null" && value === null) return true;
    if (it.kind === "value" && value !== null) {
      const c = compare(value, it.text, type);
      if (c === undefined) return undefined;
      if (c === 0) return true;
    }
  }
  return false;
}

export type KeyFilter = { column: string; op: "=" | "<" | "<=" | ">" | ">="; value: string };

/**
 * The partitions of `table` that plan-time pruning keeps for a WHERE clause's `key op constant`
 * terms (single-column keys); undefined when nothing can be pruned statically.
 */
export function prunedPartitions(table: string, filters: KeyFilter[], schema: SchemaContext): string[] | undefined {
  const rel = schema.relation(table);
  const key = /^(RANGE|LIST) \(([^(),]*)\)$/i.exec(rel?.partitionKey ?? "");
  const col = key && rel?.columns.find((c) => c.name === key[2]!.trim().replace(/^"|"$/g, ""));
  const terms = col ? filters.filter((f) => f.column === col.name) : [];
  if (!rel || !key || !col || terms.length === 0 || !comparable(col.typeName)) return undefined;
  if ((rel.partitions ?? []).some((p) => schema.relation(p)?.kind === "partitioned-table")) return undefined; // sub-partition keys are not filtered here
  const eq = terms.find((f) => f.op === "=");
  if (eq) return routedPartitions(table, [col.name], [[eq.value]], schema);
  if (key[1]!.toUpperCase() !== "RANGE") return undefined;
  const kept: string[] = [];
  for (const p of rel.partitions ?? []) {
    const bound = schema.relation(p)?.partitionBound ?? "";
    if (bound === "DEFAULT") {
      kept.push(p);
      continue;
    }
    const m = /^FOR VALUES FROM \((.*)\) TO \((.*)\)$/.exec(bound);
    const lo = m && literals(m[1]!)?.[0];
    const hi = m && literals(m[2]!)?.[0];
    if (!lo || !hi) return undefined;
    const keep = terms.every((f) => {
      // the partition holds [lo, hi): does it intersect the term's half-line?
      const vsHi = hi.kind === "maxvalue" ? 1 : hi.kind === "value" ? compare(hi.text, f.value, col.typeName) : undefined;
      const vsLo = lo.kind === "minvalue" ? -1 : lo.kind === "value" ? compare(lo.text, f.value, col.typeName) : undefined;
      if (f.op === ">" || f.op === ">=") return vsHi === undefined ? true : vsHi > 0;
      return vsLo === undefined ? true : f.op === "<" ? vsLo < 0 : vsLo <= 0;
    });
    if (keep) kept.push(p);
  }
  return kept;
}
