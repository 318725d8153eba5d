import type { KeyFilter } from "./describe.js";
import { partitionHash } from "./pg-hash.js";
import type { SchemaContext } from "./schema.js";
import type { RelationInfo } from "./types.js";

/** The plain columns of a partition key ("LIST (region)" -> ["region"]); [] for expressions or no key. */
export function partitionKeyColumns(rel: RelationInfo | undefined): string[] {
  const m = /^\w+ \(([^()]*)\)$/.exec(rel?.partitionKey ?? "");
  return m ? m[1]!.split(",").map((c) => c.trim().replace(/^"|"$/g, "")) : [];
}

/*
 * Which partitions a statement opens, from the partition bounds in the catalog: INSERT routes each
 * row to one partition (ExecFindPartition); UPDATE, DELETE and SELECT open only the partitions
 * plan-time pruning keeps for the WHERE clause's constant terms (partprune.c: the bound searches
 * of get_matching_{list,range,hash}_bounds, ported as Postgres runs them, imprecisions included),
 * at every level of a sub-partitioned table. Anything that cannot be evaluated keeps every
 * partition of that level: more (weak) locks, never fewer.
 */

export type { KeyFilter };

type Value = string | null | false | undefined;

interface PartitionKey {
  strategy: "range" | "list" | "hash";
  columns: string[];
  /** bare type names of the key columns: int4, date, text, ... */
  types: string[];
  notNull: boolean[];
}

/** A key whose columns are plain columns of the table; undefined for expression keys. */
function keyOf(table: string, schema: SchemaContext): PartitionKey | undefined {
  const rel = schema.relation(table);
  const m = /^(RANGE|LIST|HASH) \(([^()]*)\)$/i.exec(rel?.partitionKey ?? "");
  if (!rel || !m) return undefined;
  const columns = m[2]!.split(",").map((c) => c.trim().replace(/^"|"$/g, ""));
  const cols = columns.map((c) => rel.columns.find((x) => x.name === c));
  if (cols.some((c) => !c)) return undefined;
  // built-in types read from statements can come qualified with public
  const types = cols.map((c) => c!.typeName.replace(/^(pg_catalog|public)\./, ""));
  const strategy = m[1]!.toLowerCase() as PartitionKey["strategy"];
  if (strategy !== "hash" && !types.every(comparable)) return undefined;
  return { strategy, columns, types, notNull: cols.map((c) => c!.notNull) };
}

/** Thrown when a value or bound cannot be read: the level is then not pruned. */
class Unreadable extends Error {}

/* ---------------------------------------- routing ----------------------------------------- */

/**
 * Which partitions INSERTed rows are routed to. Returns the partitions (intermediate and leaf)
 * that receive rows, or undefined when a row's key cannot be evaluated statically (non-constant
 * values, expression keys, types not handled).
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

function route(table: string, value: (col: string) => Value, schema: SchemaContext, depth: number): string[] | undefined {
  const key = keyOf(table, schema);
  if (!key || depth > 8) return undefined;
  const values = key.columns.map(value);
  if (values.some((v) => v === false || v === undefined)) return undefined;
  const known = values as Array<string | null>;
  let target: string | undefined;
  try {
    target = key.strategy === "hash" ? hashTarget(table, key, known, schema) : rangeOrListTarget(table, key, known, schema);
  } catch (e) {
    if (e instanceof Unreadable) return undefined;
    throw e;
  }
  if (target === undefined) return undefined;
  if (target === "") return []; // no partition takes the row: the INSERT fails
  const below = schema.relation(target)?.kind === "partitioned-table" ? route(target, value, schema, depth + 1) : [];
  return below && [target, ...below];
}

/** The partition a row goes to; "" when none takes it. */
function rangeOrListTarget(table: string, key: PartitionKey, values: Array<string | null>, schema: SchemaContext): string {
  for (const p of schema.relation(table)?.partitions ?? []) {
    const bound = schema.relation(p)?.partitionBound ?? "";
    if (bound === "DEFAULT") continue;
    if (key.strategy === "range" ? inRange(parseRange(bound, key), values, key.types) : inList(parseList(bound, key), values[0]!, key.types[0]!)) return p;
  }
  return schema.defaultPartitionOf(table) ?? "";
}

function inRange([lo, hi]: [Datum[], Datum[]], values: Array<string | null>, types: string[]): boolean {
  if (values.some((v) => v === null)) return false; // NULL keys go to the default partition
  const tuple = values as string[];
  return boundVsTuple(lo, tuple, types) <= 0 && boundVsTuple(hi, tuple, types) > 0;
}

function inList(items: Array<string | null>, value: string | null, type: string): boolean {
  return items.some((v) => (v === null || value === null ? v === value : cmp(v, value, type) === 0));
}

function hashTarget(table: string, key: PartitionKey, values: Array<string | null>, schema: SchemaContext): string | undefined {
  const bounds = hashBounds(table, schema);
  const hash = partitionHash(values, key.types);
  if (hash === undefined) return undefined;
  const index = bounds.indexes[Number(hash % BigInt(bounds.indexes.length))]!;
  return index >= 0 ? bounds.parts[index]! : "";
}

/**
 * An UPDATE that sets a partition key column moves the rows that no longer fit to the partition
 * the new values route them to (opened, with the partitioned tables on the way, when a row goes
 * there): at a level whose key the SET gives constants for (or keeps at a value the WHERE clause
 * fixes with `=`), that one partition; at a level whose key keeps the rows' own values, any of
 * them. Undefined when no key column of the tree is set.
 */
export function moveDestinations(table: string, allSets: Array<{ column: string; expression: string }>, where: KeyFilter[], schema: SchemaContext): string[] | undefined {
  // SET day = day keeps every row's key: no row moves for it
  const sets = allSets.filter((x) => x.expression.trim().replace(/^"(.*)"$/, "$1") !== x.column);
  const setValue = (col: string): Value => {
    const set = sets.find((x) => x.column === col);
    if (!set) {
      const eq = where.find((f): f is Extract<KeyFilter, { value: string }> => "value" in f && f.column === col && f.op === "=");
      return eq ? eq.value : undefined;
    }
    const lit = literals(set.expression.trim());
    return lit?.length === 1 && (lit[0]!.kind === "value" || lit[0]!.kind === "null") ? (lit[0]!.kind === "value" ? lit[0]!.text : null) : false;
  };
  let keySet = false;
  const out: string[] = [];
  const visit = (t: string, depth: number) => {
    const key = keyOf(t, schema);
    const values = key?.columns.map(setValue);
    if (key?.columns.some((c) => sets.some((x) => x.column === c))) keySet = true;
    let targets: string[] = schema.relation(t)?.partitions ?? [];
    if (key && values && values.every((v) => v !== undefined && v !== false)) {
      try {
        const known = values as Array<string | null>;
        const target = key.strategy === "hash" ? hashTarget(t, key, known, schema) : rangeOrListTarget(t, key, known, schema);
        if (target !== undefined) targets = target ? [target] : [];
      } catch (e) {
        if (!(e instanceof Unreadable)) throw e;
      }
    }
    for (const p of targets) {
      out.push(p);
      if (depth < 8 && schema.relation(p)?.kind === "partitioned-table") visit(p, depth + 1);
    }
  };
  visit(table, 0);
  return keySet ? out : undefined;
}

/* ---------------------------------------- pruning ----------------------------------------- */

/**
 * The partitions of `table` (at every level below it) that plan-time pruning keeps for a WHERE
 * clause's terms; undefined when no term concerns a partition key.
 */
export function prunedPartitions(table: string, filters: KeyFilter[], schema: SchemaContext): string[] | undefined {
  let pruned = false;
  const kept: string[] = [];
  const visit = (t: string, depth: number) => {
    const parts = schema.relation(t)?.partitions ?? [];
    const level = depth > 8 ? undefined : keepAtLevel(t, filters, schema);
    if (level) pruned = true;
    for (const p of level ?? parts) {
      kept.push(p);
      if (schema.relation(p)?.kind === "partitioned-table") visit(p, depth + 1);
    }
  };
  visit(table, 0);
  return pruned ? kept : undefined;
}

/** The partitions of this level the terms keep, or undefined when they prune nothing here. */
function keepAtLevel(table: string, filters: KeyFilter[], schema: SchemaContext): string[] | undefined {
  const key = keyOf(table, schema);
  if (!key) return undefined;
  try {
    const bounds: Bounds = key.strategy === "range" ? rangeBounds(table, key, schema) : key.strategy === "list" ? listBounds(table, key, schema) : hashBounds(table, schema);
    const step = stepsFor(filters, key, bounds);
    return step && partitionsOf(step, bounds);
  } catch (e) {
    if (e instanceof Unreadable) return undefined;
    throw e;
  }
}

/** What one pruning step matched: offsets into the bounds, and whether the default / NULL partitions are scanned. */
interface Step {
  offsets: Set<number>;
  scanDefault: boolean;
  scanNull: boolean;
}

function intersect(a: Step, b: Step): Step {
  return { offsets: new Set([...a.offsets].filter((o) => b.offsets.has(o))), scanDefault: a.scanDefault && b.scanDefault, scanNull: a.scanNull && b.scanNull };
}

function union(a: Step, b: Step): Step {
  return { offsets: new Set([...a.offsets, ...b.offsets]), scanDefault: a.scanDefault || b.scanDefault, scanNull: a.scanNull || b.scanNull };
}

/** A term on one column: `column op constant` or `column IS NULL`. */
type Term = Extract<KeyFilter, { value: string } | { op: "is-null" }>;

/** gen_partprune_steps for one level: every usable term gives a step; the steps are intersected. */
function stepsFor(filters: KeyFilter[], key: PartitionKey, bounds: Bounds): Step | undefined {
  const steps: Step[] = [];
  for (const f of filters) {
    if (f.op === "or") {
      // each arm on its own; an arm that cannot prune makes the whole OR useless
      const arms = f.arms.map((arm) => stepsFor(arm, key, bounds));
      if (arms.every((a): a is Step => a !== undefined) && arms.length > 0) steps.push(arms.reduce(union));
    } else if (f.op === "in" && key.columns.includes(f.column)) {
      const arms = f.values.map((value) => stepsFor([{ column: f.column, op: "=", value }], key, bounds));
      if (arms.every((a): a is Step => a !== undefined) && arms.length > 0) steps.push(arms.reduce(union));
    }
  }
  const terms = filters.filter((f): f is Term => f.op !== "or" && f.op !== "in" && key.columns.includes(f.column));
  // IS NULL on a NOT NULL key column is false: the planner reads no partition at all
  if (terms.some((t) => t.op === "is-null" && key.notNull[key.columns.indexOf(t.column)])) return { offsets: new Set(), scanDefault: false, scanNull: false };
  if (bounds.strategy === "list") steps.push(...terms.flatMap((t) => listStep(t, bounds, key)));
  if (bounds.strategy === "range") steps.push(...rangeSteps(terms, key, bounds));
  if (bounds.strategy === "hash") {
    const hash = hashStep(terms, key, bounds);
    if (hash) steps.push(hash);
  }
  return steps.length ? steps.reduce(intersect) : undefined;
}

/** get_matching_partitions: offsets to partitions; an offset with no partition means the default one. */
function partitionsOf(step: Step, bounds: Bounds): string[] {
  const out = new Set<string>();
  let scanDefault = step.scanDefault;
  for (const o of step.offsets) {
    const index = bounds.indexes[o] ?? -1;
    if (index >= 0) out.add(bounds.parts[index]!);
    else if (bounds.strategy === "range") scanDefault = true;
  }
  if (step.scanNull && bounds.strategy === "list" && bounds.nullIndex !== undefined) out.add(bounds.parts[bounds.nullIndex]!);
  if (scanDefault && bounds.def) out.add(bounds.def);
  return bounds.order.filter((p) => out.has(p));
}

type Bounds = RangeBounds | ListBounds | HashBounds;

interface BoundsBase {
  /** the non-default partitions, indexed by `indexes` */
  parts: string[];
  /** per offset: the index of its partition in `parts`, or -1 */
  indexes: number[];
  def?: string;
  /** every partition in catalog order (the result's order) */
  order: string[];
}

/* ----------------------------------------- LIST ------------------------------------------- */

interface ListBounds extends BoundsBase {
  strategy: "list";
  /** sorted distinct non-NULL values; `indexes[i]` is the partition of values[i] */
  values: string[];
  nullIndex?: number;
  type: string;
}

function listBounds(table: string, key: PartitionKey, schema: SchemaContext): ListBounds {
  const { parts, def, order } = partitionsByBound(table, schema);
  const entries: Array<{ value: string; index: number }> = [];
  let nullIndex: number | undefined;
  parts.forEach((p, index) => {
    for (const v of parseList(schema.relation(p)?.partitionBound ?? "", key)) {
      if (v === null) nullIndex = index;
      else entries.push({ value: v, index });
    }
  });
  const type = key.types[0]!;
  entries.sort((a, b) => cmp(a.value, b.value, type));
  return { strategy: "list", parts, def, order, values: entries.map((e) => e.value), indexes: entries.map((e) => e.index), type, ...(nullIndex !== undefined ? { nullIndex } : {}) };
}

/** get_matching_list_bounds for one term. */
function listStep(t: Term, b: ListBounds, key: PartitionKey): Step[] {
  const all = () => new Set(b.values.map((_, i) => i));
  const hasDefault = b.def !== undefined;
  if (t.op === "is-null") return [{ offsets: new Set(), scanDefault: b.nullIndex === undefined && hasDefault, scanNull: b.nullIndex !== undefined }];
  if (!("value" in t) || t.column !== key.columns[0]) return [];
  if (b.values.length === 0) return [{ offsets: new Set(), scanDefault: hasDefault, scanNull: false }];
  const { off, equal } = bsearch(b.values.length, (i) => cmp(b.values[i]!, t.value, b.type));
  if (t.op === "<>") {
    const offsets = all();
    if (off >= 0 && equal) offsets.delete(off);
    return [{ offsets, scanDefault: hasDefault, scanNull: false }];
  }
  if (t.op === "=") return [off >= 0 && equal ? { offsets: new Set([off]), scanDefault: false, scanNull: false } : { offsets: new Set(), scanDefault: hasDefault, scanNull: false }];
  // range queries over a list: the default partition may hold any value in between
  let min = 0;
  let max = b.values.length - 1;
  if (t.op === ">" || t.op === ">=") {
    let o = off;
    if (o >= 0) {
      if (!equal || t.op === ">") o++;
    } else o = 0;
    min = o;
  } else {
    let o = off;
    if (o >= 0 && equal && t.op === "<") o--;
    max = o;
  }
  const offsets = new Set<number>();
  for (let i = min; i <= max; i++) offsets.add(i);
  return [{ offsets, scanDefault: hasDefault, scanNull: false }];
}

/* ----------------------------------------- RANGE ------------------------------------------ */

/** A range bound column: MINVALUE (-1), a value (0) or MAXVALUE (1). */
interface Datum {
  kind: -1 | 0 | 1;
  text: string;
}

interface RangeBounds extends BoundsBase {
  strategy: "range";
  /** the distinct bounds, sorted; `indexes[i]` is the partition whose upper bound is datums[i] (-1: a gap), one more for above the last */
  datums: Datum[][];
  types: string[];
}

function rangeBounds(table: string, key: PartitionKey, schema: SchemaContext): RangeBounds {
  const { parts, def, order } = partitionsByBound(table, schema);
  const all: Array<{ datums: Datum[]; lower: boolean; index: number }> = [];
  parts.forEach((p, index) => {
    const [lo, hi] = parseRange(schema.relation(p)?.partitionBound ?? "", key);
    all.push({ datums: lo, lower: true, index }, { datums: hi, lower: false, index });
  });
  // partition_rbound_cmp: column by column; at equal values an upper (exclusive) bound sorts first
  all.sort((a, b) => boundVsBound(a.datums, b.datums, key.types) || (a.lower === b.lower ? 0 : a.lower ? 1 : -1));
  const datums: Datum[][] = [];
  const indexes: number[] = [];
  let prev: Datum[] | undefined;
  for (const bound of all) {
    if (!prev || boundVsBound(bound.datums, prev, key.types) !== 0) {
      datums.push(bound.datums);
      indexes.push(bound.lower ? -1 : bound.index);
    }
    prev = bound.datums;
  }
  indexes.push(-1);
  return { strategy: "range", parts, def, order, datums, indexes, types: key.types };
}

/**
 * The steps of range terms: a term on key column k needs terms on every column before it (`=`;
 * for `<`/`<=` also `<=`, for `>`/`>=` also `>=`), whose values form the lookup prefix.
 */
function rangeSteps(terms: Term[], key: PartitionKey, b: RangeBounds): Step[] {
  const steps: Step[] = [];
  const hasDefault = b.def !== undefined;
  for (const t of terms) {
    const k = key.columns.indexOf(t.column);
    if (t.op === "is-null") {
      steps.push({ offsets: new Set(), scanDefault: hasDefault, scanNull: false });
      continue;
    }
    if (t.op === "<>") continue;
    const prefix: string[] = [];
    for (let i = 0; i < k; i++) {
      const usable = (o: string) => o === "=" || ((t.op === "<" || t.op === "<=") && o === "<=") || ((t.op === ">" || t.op === ">=") && o === ">=");
      const p = terms.find((x) => x.column === key.columns[i] && "value" in x && usable(x.op));
      if (!p || !("value" in p)) break;
      prefix.push(p.value);
    }
    if (prefix.length < k) continue;
    steps.push(rangeStep([...prefix, t.value], t.op, b, key.columns.length));
  }
  return steps;
}

/** get_matching_range_bounds */
function rangeStep(values: string[], op: "=" | "<" | "<=" | ">" | ">=", b: RangeBounds, partnatts: number): Step {
  const n = values.length;
  const ndatums = b.datums.length;
  const hasDefault = b.def !== undefined;
  const vs = (i: number) => boundVsTuple(b.datums[i]!, values, b.types);
  const result: Step = { offsets: new Set(), scanDefault: false, scanNull: false };
  if (ndatums === 0) return { ...result, scanDefault: hasDefault };
  // a lookup on a prefix of the key may find values in the default partition
  if (n < partnatts) result.scanDefault = hasDefault;
  let minoff = 0;
  let maxoff = ndatums;
  const { off: found, equal } = bsearch(ndatums, vs);
  let off = found;
  const inclusive = op === "<=" || op === ">=";
  if (op === "=") {
    if (off >= 0 && equal) {
      if (n === partnatts) return { ...result, offsets: new Set([off + 1]) };
      const saved = off;
      while (off >= 1 && vs(off - 1) === 0) off--;
      if (b.datums[off]![n]?.kind === -1) off++;
      minoff = off;
      off = saved;
      while (off < ndatums - 1 && vs(off + 1) === 0) off++;
      maxoff = off + 1;
      return { ...result, offsets: range(minoff, maxoff) };
    }
    return { ...result, offsets: new Set([off + 1]) };
  }
  if (op === ">" || op === ">=") {
    if (off < 0) minoff = 0;
    else if (equal && n < partnatts) {
      while (off >= 1 && off < ndatums - 1 && vs(inclusive ? off - 1 : off + 1) === 0) off = inclusive ? off - 1 : off + 1;
      minoff = inclusive ? off : off + 1;
    } else minoff = off + 1;
  } else if (off >= 0) {
    if (equal && n < partnatts) {
      while (off >= 1 && off < ndatums - 1 && vs(inclusive ? off + 1 : off - 1) === 0) off = inclusive ? off + 1 : off - 1;
      maxoff = inclusive ? off + 1 : off;
    } else maxoff = !equal || inclusive ? off + 1 : off;
  } else maxoff = off + 1;
  // keep away from the default partition at an unbounded (MINVALUE / MAXVALUE) end
  if (minoff < ndatums && b.indexes[minoff]! < 0 && b.datums[minoff]![n - 1]?.kind === -1) minoff++;
  if (maxoff >= 1 && b.indexes[maxoff]! < 0 && b.datums[maxoff - 1]![n - 1]?.kind === 1) maxoff--;
  if (minoff <= maxoff) result.offsets = range(minoff, maxoff);
  return result;
}

function range(lo: number, hi: number): Set<number> {
  const out = new Set<number>();
  for (let i = lo; i <= hi; i++) out.add(i);
  return out;
}

/** partition_rbound_datum_cmp: a bound against a (prefix) tuple of values; <0 when the bound is lower. */
function boundVsTuple(bound: Datum[], values: string[], types: string[]): number {
  for (let i = 0; i < values.length; i++) {
    const d = bound[i]!;
    if (d.kind !== 0) return d.kind;
    const c = cmp(d.text, values[i]!, types[i]!);
    if (c !== 0) return c;
  }
  return 0;
}

/** Two bounds column by column; MINVALUE / MAXVALUE end the comparison. */
function boundVsBound(a: Datum[], b: Datum[], types: string[]): number {
  for (let i = 0; i < a.length; i++) {
    if (a[i]!.kind !== b[i]!.kind) return a[i]!.kind - b[i]!.kind;
    if (a[i]!.kind !== 0) return 0;
    const c = cmp(a[i]!.text, b[i]!.text, types[i]!);
    if (c !== 0) return c;
  }
  return 0;
}

/** partition_range_datum_bsearch / partition_list_bsearch: the greatest offset whose bound is <= the value. */
function bsearch(n: number, vsValue: (i: number) => number): { off: number; equal: boolean } {
  let lo = -1;
  let hi = n - 1;
  let equal = false;
  while (lo < hi) {
    const mid = Math.floor((lo + hi + 1) / 2);
    const c = vsValue(mid);
    if (c <= 0) {
      lo = mid;
      equal = c === 0;
      if (equal) break;
    } else hi = mid - 1;
  }
  return { off: lo, equal };
}

/* ------------------------------------------ HASH ------------------------------------------ */

interface HashBounds extends BoundsBase {
  strategy: "hash";
}

function hashBounds(table: string, schema: SchemaContext): HashBounds {
  const { parts, order } = partitionsByBound(table, schema);
  const specs = parts.map((p) => {
    const m = /^FOR VALUES WITH \(modulus (\d+), remainder (\d+)\)$/i.exec(schema.relation(p)?.partitionBound ?? "");
    if (!m) throw new Unreadable();
    return { modulus: Number(m[1]), remainder: Number(m[2]) };
  });
  const greatest = Math.max(1, ...specs.map((s) => s.modulus));
  const indexes = new Array<number>(greatest).fill(-1);
  specs.forEach((s, index) => {
    for (let j = s.remainder; j < greatest; j += s.modulus) indexes[j] = index;
  });
  return { strategy: "hash", parts, order, indexes };
}

/** get_matching_hash_bounds: only `=` (or IS NULL) on every key column prunes, to one partition. */
function hashStep(terms: Term[], key: PartitionKey, b: HashBounds): Step | undefined {
  const values = key.columns.map((c) => {
    const t = terms.find((x) => x.column === c && (x.op === "=" || x.op === "is-null"));
    return t === undefined ? undefined : "value" in t ? t.value : null;
  });
  if (values.some((v) => v === undefined)) return undefined;
  const hash = partitionHash(values as Array<string | null>, key.types);
  if (hash === undefined) return undefined;
  const offset = Number(hash % BigInt(b.indexes.length));
  return { offsets: b.indexes[offset]! >= 0 ? new Set([offset]) : new Set(), scanDefault: false, scanNull: false };
}

/* ------------------------------------ bounds and values ----------------------------------- */

function partitionsByBound(table: string, schema: SchemaContext): { parts: string[]; def?: string; order: string[] } {
  const order = schema.relation(table)?.partitions ?? [];
  const def = schema.defaultPartitionOf(table);
  const parts = order.filter((p) => p !== def);
  if (parts.some((p) => !schema.relation(p)?.partitionBound)) throw new Unreadable();
  return { parts, order, ...(def ? { def } : {}) };
}

function parseRange(bound: string, key: PartitionKey): [Datum[], Datum[]] {
  const m = /^FOR VALUES FROM \((.*)\) TO \((.*)\)$/.exec(bound);
  const lo = m && literals(m[1]!);
  const hi = m && literals(m[2]!);
  if (!lo || !hi || lo.length !== key.columns.length || hi.length !== key.columns.length) throw new Unreadable();
  const datum = (l: Literal): Datum => (l.kind === "minvalue" ? { kind: -1, text: "" } : l.kind === "maxvalue" ? { kind: 1, text: "" } : l.kind === "value" ? { kind: 0, text: l.text } : unreadable());
  return [lo.map(datum), hi.map(datum)];
}

function parseList(bound: string, key: PartitionKey): Array<string | null> {
  const m = /^FOR VALUES IN \((.*)\)$/.exec(bound);
  const items = m && literals(m[1]!);
  if (!items || key.columns.length !== 1) throw new Unreadable();
  return items.map((l) => (l.kind === "null" ? null : l.kind === "value" ? l.text : unreadable()));
}

function unreadable(): never {
  throw new Unreadable();
}

type Literal = { kind: "value"; text: string } | { kind: "null" | "minvalue" | "maxvalue" };

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

const NUMERIC = /^(int2|int4|int8|numeric|float4|float8)$/;
const TEMPORAL = /^(date|timestamp|timestamptz)$/;
const TEXTUAL = /^(text|varchar|bpchar)$/;

function comparable(type: string): boolean {
  return NUMERIC.test(type) || TEMPORAL.test(type) || TEXTUAL.test(type) || type === "bool";
}

/** Compare two values of a key column's type. */
function cmp(a: string, b: string, type: string): number {
  if (NUMERIC.test(type)) return order(Number(a), Number(b));
  if (TEMPORAL.test(type)) return order(timeOf(a), timeOf(b));
  if (type === "bool") return order(Number(/^(t|true|on|yes|1)$/i.test(a)), Number(/^(t|true|on|yes|1)$/i.test(b)));
  return a < b ? -1 : a > b ? 1 : 0; // byte order: exact for the C collation, assumed otherwise
}

function order(x: number | undefined, y: number | undefined): number {
  if (x === undefined || y === undefined || Number.isNaN(x) || Number.isNaN(y)) throw new Unreadable();
  return x < y ? -1 : x > y ? 1 : 0;
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
