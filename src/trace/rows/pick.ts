import type pg from "pg";
import { quoteIdent } from "../../db/connection.js";
import { defaultKey, scanOf, unquote, type RowCatalog, type TableMeta } from "./catalog.js";
import type { RelRef, RowPlan } from "./plan.js";

/**
 * Choosing, on the source database and only with SELECTs in one read-only REPEATABLE READ
 * transaction, the rows a statement needs in the shadow: the rows it touches, the rows of the
 * relations it reads, the parents of the rows it inserts, then their foreign-key neighbourhood:
 * every row they reference, transitively, and the rows referencing the rows it touches, on down
 * through cascading keys. At most ROWS_PER_TABLE rows per table.
 */

export const ROWS_PER_TABLE = 1000;
/** a query on the source that takes longer is given up (its rows are then synthesized or noted missing) */
const SOURCE_STATEMENT_TIMEOUT = "15s";
/** nor do we queue behind a lock on the source (a migration running there): we would hold others up */
const SOURCE_LOCK_TIMEOUT = "2s";

/** Rows by physical table oid (a partition, not its partitioned table) -> ctids. */
export type Rows = Map<number, Set<string>>;

interface Wave {
  oid: number;
  tids: string[];
  /** the statement deletes or updates these rows: follow the keys that reference them */
  touched: boolean;
}

export interface Picked {
  rows: Rows;
  /** rows of the target the statement's own clauses select on the source */
  matched: number;
  /** the statement's clauses could not be run on the source */
  unmatchable?: string;
  /** tables where the bound cut the rows short */
  bounded: Set<string>;
}

export class SourceRows {
  /** every row picked for this trace so far (a row is copied once; a row updated on the source between two statements may be seen twice) */
  readonly picked: Rows = new Map();
  private open = false;

  constructor(
    private readonly source: pg.ClientBase,
    readonly catalog: RowCatalog,
  ) {}

  /**
   * One snapshot per statement, so its ctids stay valid and its rows consistent; ended (end())
   * once they are copied, so nothing is held on the source while the statement is traced.
   */
  async begin(): Promise<void> {
    if (this.open) return;
    await this.source.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    await this.source.query(`SET LOCAL statement_timeout = '${SOURCE_STATEMENT_TIMEOUT}'`);
    await this.source.query(`SET LOCAL lock_timeout = '${SOURCE_LOCK_TIMEOUT}'`);
    this.open = true;
  }

  async end(): Promise<void> {
    if (this.open) await this.source.query("ROLLBACK").catch(() => undefined);
    this.open = false;
  }

  /** The rows `plan` needs that were not picked before (`target`: the table it writes, not a view, if the source has it). */
  async pick(plan: RowPlan, target: TableMeta | undefined): Promise<Picked> {
    await this.begin();
    const c = new Collector(this, target);
    if (plan.match && !plan.beneath) {
      const r = await this.select<Record<string, string | number>>(`${plan.match.sql} LIMIT ${ROWS_PER_TABLE}`);
      if ("error" in r) c.result.unmatchable = r.error;
      else {
        c.result.matched = r.rows.length;
        for (let i = 0; i < plan.match.relations; i++) {
          for (const [oid, tids] of byRelation(r.rows.map((row) => [Number(row[`rel${i}`]), String(row[`tid${i}`])]))) await c.add(oid, tids, i === 0);
        }
      }
    }
    // what the statement reads elsewhere, and the tables beneath a view it writes through: a bounded sample
    for (const [refs, touched] of [[plan.reads, false], [plan.beneath ?? [], true]] as const) {
      for (const ref of refs) {
        const t = await this.catalog.resolve(ref);
        if (t) await c.addSelected(sample(t), touched);
      }
    }
    // the tables the functions it calls name (what they return may decide a key it writes): a bounded sample
    if (plan.calls) {
      const named = await this.select<{ oid: number }>(FUNCTION_TABLES_SQL, [plan.calls]);
      for (const { oid } of "error" in named ? [] : named.rows) {
        const t = await this.catalog.table(oid);
        if (t) await c.addSelected(sample(t), false);
      }
    }
    if (plan.inserts && target) for (const q of await insertQueries(plan, target, this.catalog)) await c.addSelected(q.sql, q.touched);
    for (const q of target ? await assignedParentQueries(plan, target, this.catalog) : []) await c.addSelected(q, false);
    await c.spread();
    return c.result;
  }

  /** Rows with these key values (column -> SQL constant), found by table name, and what they reference. */
  async pickKeys(keys: Array<{ table: RelRef; key: Record<string, string> }>): Promise<Picked> {
    await this.begin();
    const c = new Collector(this, undefined);
    for (const { table, key } of keys) {
      const t = await this.catalog.resolve(table);
      if (t) await c.addSelected(keyed(t, key), false);
    }
    await c.spread();
    return c.result;
  }

  /** A SELECT under a savepoint: a failure (an object the migration creates, a timeout) does not end the snapshot. */
  async select<T extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<{ rows: T[] } | { error: string }> {
    await this.source.query("SAVEPOINT lockstep_pick");
    try {
      const { rows } = await this.source.query<T>(sql, params);
      await this.source.query("RELEASE SAVEPOINT lockstep_pick");
      return { rows };
    } catch (e) {
      await this.source.query("ROLLBACK TO SAVEPOINT lockstep_pick");
      return { error: (e as Error).message };
    }
  }
}

/** a table (c) whose name appears as a word in a function's source (p) */
const NAMED_IN_SOURCE = `c.relkind IN ('r', 'p') AND p.prosrc ~* ('\\m' || regexp_replace(c.relname, '([^[:alnum:]_])', '\\\\\\1', 'g') || '\\M')`;

/**
 * Tables whose names appear (as words) in the source of the functions of user triggers on the
 * tables $1 (and the partitioned tables above them): what those triggers may write.
 */
const TRIGGER_TABLES_SQL = `
SELECT DISTINCT c.oid::int AS oid
FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
JOIN pg_class c ON ${NAMED_IN_SOURCE}
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE NOT t.tgisinternal
  AND (t.tgrelid = ANY($1::oid[]) OR t.tgrelid IN (SELECT a.relid FROM unnest($1::oid[]) w(oid), pg_partition_ancestors(w.oid) a))
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')`;

/** Tables whose names appear (as words) in the source of the user functions named $1. */
const FUNCTION_TABLES_SQL = `
SELECT DISTINCT c.oid::int AS oid
FROM pg_proc p JOIN pg_namespace pn ON pn.oid = p.pronamespace
JOIN pg_class c ON ${NAMED_IN_SOURCE}
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE p.proname = ANY($1::text[]) AND pn.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')`;

/** Rows of `to` whose `toColumns` equal the `fromColumns` of the rows of `from` with the ctids in $1. */
function matching(to: TableMeta, toColumns: string[], from: TableMeta, fromColumns: string[]): string {
  return `SELECT x.tableoid::oid::int AS rel, x.ctid::text AS tid FROM ${scanOf(to)} x
    WHERE (${toColumns.map((c) => `x.${c}`).join(", ")}) IN (SELECT ${fromColumns.map((c) => `y.${c}`).join(", ")} FROM ONLY ${from.quoted} y WHERE y.ctid = ANY($1::tid[]))
    LIMIT ${ROWS_PER_TABLE}`;
}

/**
 * The rows picked for one statement: each added row is a wave that brings its foreign-key
 * neighbourhood (what it references; for rows the statement writes, what references them, on down
 * through cascading keys), then the tables the triggers of the written tables name.
 */
class Collector {
  readonly result: Picked = { rows: new Map(), matched: 0, bounded: new Set() };
  private readonly waves: Wave[] = [];
  private readonly written: Set<number>;

  constructor(
    private readonly source: SourceRows,
    target: TableMeta | undefined,
  ) {
    this.written = new Set(target ? [target.oid] : []);
  }

  async add(oid: number, tids: string[], touched: boolean): Promise<void> {
    const t = await this.source.catalog.table(oid);
    if (!t) return;
    const have = this.source.picked.get(oid) ?? new Set<string>();
    this.source.picked.set(oid, have);
    const added: string[] = [];
    for (const tid of tids) {
      if (have.has(tid)) continue;
      if (have.size >= ROWS_PER_TABLE) {
        this.result.bounded.add(t.name);
        break;
      }
      have.add(tid);
      added.push(tid);
    }
    if (added.length === 0) return;
    const fresh = this.result.rows.get(oid) ?? new Set<string>();
    this.result.rows.set(oid, fresh);
    for (const tid of added) fresh.add(tid);
    this.waves.push({ oid, tids: added, touched });
  }

  /** Rows a SELECT of (rel, tid) names. */
  async addSelected(sql: string, touched: boolean, params: unknown[] = []): Promise<void> {
    const r = await this.source.select<{ rel: number; tid: string }>(sql, params);
    if (!("error" in r)) for (const [oid, tids] of byRelation(r.rows.map((x) => [x.rel, x.tid]))) await this.add(oid, tids, touched);
  }

  async spread(): Promise<void> {
    await this.neighbourhood();
    // the tables the triggers of the written tables name (a counter row a trigger updates): a sample, and their neighbourhood
    const named = await this.source.select<{ oid: number }>(TRIGGER_TABLES_SQL, [[...this.written]]);
    for (const { oid } of "error" in named ? [] : named.rows) {
      const t = await this.source.catalog.table(oid);
      if (t && !this.source.picked.has(oid)) await this.addSelected(sample(t), false);
    }
    await this.neighbourhood();
  }

  private async neighbourhood(): Promise<void> {
    const catalog = this.source.catalog;
    while (this.waves.length > 0) {
      const wave = this.waves.shift()!;
      const t = (await catalog.table(wave.oid))!;
      for (const fk of await catalog.referencing(t)) {
        const parent = await catalog.table(fk.parent);
        if (parent) await this.addSelected(matching(parent, fk.parentColumns, t, fk.childColumns), false, [wave.tids]);
      }
      if (!wave.touched) continue;
      this.written.add(wave.oid);
      for (const fk of await catalog.referencedBy(t)) {
        const child = await catalog.table(fk.child);
        if (!child) continue;
        const cascades = [fk.onDelete, fk.onUpdate].some((a) => a === "c" || a === "n" || a === "d");
        await this.addSelected(matching(child, fk.childColumns, t, fk.parentColumns), cascades, [wave.tids]);
        // SET DEFAULT points the referencing rows at the row holding the defaults
        const key = defaultKey(fk, child, fk.onDelete) ?? defaultKey(fk, child, fk.onUpdate);
        const parent = key && (await catalog.table(fk.parent));
        if (key && parent) await this.addSelected(keyed(parent, key), false);
      }
    }
  }
}

/** SELECT (rel, tid) of a table's rows; bounded unless `limit` is given. */
function sample(t: TableMeta, limit = ` LIMIT ${ROWS_PER_TABLE}`): string {
  return `SELECT tableoid::oid::int AS rel, ctid::text AS tid FROM ${scanOf(t)}${limit}`;
}

/** SELECT (rel, tid) of the rows of `t` with these key values (column -> SQL expression). */
function keyed(t: TableMeta, key: Record<string, string>): string {
  const cols = Object.keys(key);
  return `${sample(t, "")} WHERE (${cols.map(quoteIdent).join(", ")}) = (${cols.map((k) => key[k]).join(", ")}) LIMIT ${ROWS_PER_TABLE}`;
}

function byRelation(pairs: Array<[number, string]>): Map<number, string[]> {
  const out = new Map<number, string[]>();
  for (const [oid, tid] of pairs) out.set(oid, [...(out.get(oid) ?? []), tid]);
  return out;
}

/**
 * The rows an INSERT's values lead to: the parents its foreign key values reference and, with
 * ON CONFLICT, the existing rows with the same unique keys (the statement updates or skips them).
 */
async function insertQueries(plan: RowPlan, target: TableMeta, catalog: RowCatalog): Promise<Array<{ sql: string; touched: boolean }>> {
  const values = insertedValues(plan, target);
  if (!values) return [];
  const out: Array<{ sql: string; touched: boolean }> = [];
  for (const fk of await catalog.referencing(target)) {
    const parent = await catalog.table(fk.parent);
    const cols = fk.childColumns.map((c) => values.columns.get(unquote(c)));
    if (!parent || cols.some((c) => c === undefined)) continue;
    out.push({
      sql: `SELECT p.tableoid::oid::int AS rel, p.ctid::text AS tid FROM ${scanOf(parent)} p
        WHERE (${fk.parentColumns.map((c) => `p.${c}`).join(", ")}) IN (SELECT ${cols.join(", ")} FROM ${values.from}) LIMIT ${ROWS_PER_TABLE}`,
      touched: false,
    });
  }
  if (plan.onConflict) {
    for (const key of target.uniques) {
      const cols = key.map((c) => values.columns.get(c));
      if (cols.some((c) => c === undefined)) continue;
      out.push({
        sql: `SELECT t.tableoid::oid::int AS rel, t.ctid::text AS tid FROM ${scanOf(target)} t
          WHERE (${key.map((c) => `t.${quoteIdent(c)}`).join(", ")}) IN (SELECT ${cols.join(", ")} FROM ${values.from}) LIMIT ${ROWS_PER_TABLE}`,
        touched: true,
      });
    }
  }
  return out;
}

/** The rows an INSERT writes as a FROM item, and for each target column it fills, that value cast to the column's type. */
export function insertedValues(plan: RowPlan, target: TableMeta): { from: string; columns: Map<string, string> } | undefined {
  const ins = plan.inserts!;
  const names = ins.columns ?? target.columns.slice(0, ins.width ?? target.columns.length).map((c) => c.name);
  if (ins.width !== undefined && ins.width !== names.length) return undefined;
  const columns = new Map<string, string>();
  names.forEach((n, i) => {
    const meta = target.columns.find((c) => c.name === n);
    if (meta) columns.set(n, `v.c${i}::${meta.type}`);
  });
  // the columns it leaves out get their defaults
  for (const c of target.columns) if (!names.includes(c.name) && c.default !== null) columns.set(c.name, `(${c.default})::${c.type}`);
  return { from: `(${ins.query}) AS v(${names.map((_, i) => `c${i}`).join(", ")})`, columns };
}

/**
 * UPDATE ... SET fk = value: the parent rows the new values point to (a constant, or an expression
 * evaluated over the rows the statement updates).
 */
async function assignedParentQueries(plan: RowPlan, target: TableMeta, catalog: RowCatalog): Promise<string[]> {
  const out: string[] = [];
  for (const fk of await catalog.referencing(target)) {
    const parent = await catalog.table(fk.parent);
    if (!parent) continue;
    const head = `SELECT p.tableoid::oid::int AS rel, p.ctid::text AS tid FROM ${scanOf(parent)} p WHERE (${fk.parentColumns.map((c) => `p.${c}`).join(", ")})`;
    const values = fk.childColumns.map((c) => plan.assigned[unquote(c)]);
    if (values.every((v) => v !== undefined)) {
      if (!values.includes("NULL")) out.push(`${head} = (${values.join(", ")}) LIMIT ${ROWS_PER_TABLE}`);
      continue;
    }
    const computed = fk.childColumns.map((c) => plan.computed?.[unquote(c)]);
    if (!plan.match || computed.some((v) => v === undefined)) continue;
    const list = computed.map((v) => `(${v})`).join(", ");
    out.push(`${head} IN (${plan.match.over(list)}) LIMIT ${ROWS_PER_TABLE}`);
  }
  return out;
}
