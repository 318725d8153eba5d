import { quoteIdent } from "../db/connection.js";
import type { BackfillExpressions } from "./expressions.js";
import type { TableInfo } from "./table.js";

/** A key value as stored in checkpoints: one text per key column (exact for every type). */
export type KeyValue = string[];

/**
 * The SQL of one backfill, built once. Every batch is an index range scan on the key:
 * `(k) > (last) AND (k) <= (upper)`, with the upper bound found by walking the index
 * `batch size` entries forward. Rows that no longer need the change are not touched.
 */
export interface BackfillStatements {
  /**
   * Params: the last key (unless first), the shard's end key (when bounded), then OFFSET
   * (batch size - 1). Null past the end: then lastKey() gives the end of the final, partial batch.
   */
  upperBound(first: boolean, bounded: boolean): string;
  /** The largest key after the last key (and up to the shard's end when bounded). */
  lastKey(first: boolean, bounded: boolean): string;
  /**
   * The batch: params are the lower key (unless first) then the upper key. With `check`, it
   * returns one row {rows, again}: rows changed, and how many of them would still need the
   * change (non-zero: the expression does not converge, e.g. n = n + 1). Without, a plain
   * UPDATE (rows = its row count): the check costs a CTE over the batch's rows, measured at
   * +20-50% per batch, so the engine runs it on probe batches only.
   */
  update(first: boolean, check: boolean): string;
  /**
   * Reads a key range (params as update()), on a second connection while a batch runs: a
   * committed batch's range again (reading a heap page prunes the row versions the batch left
   * dead on it, work otherwise left to the next reader: the final verification, or the
   * application), or the next batch's (so its pages are in shared buffers when it runs).
   */
  rangeRead(first: boolean): string;
  /** The key at a given position (OFFSET $1): where parallel shards split the table. */
  splitKey: string;
  /**
   * Rows that still need the change (the final verification). Param: the transaction ids of
   * this session's batches (xid[], may be empty): a row whose version one of them wrote holds
   * the value the batch computed and nobody has changed it since, so its expressions need not
   * be evaluated again (most rows, after a walk).
   */
  remaining: string;
  /** The side table of --save-old and its DDL. */
  saveOld?: { table: string; create: string[] };
  keyColumns: string;
}

export function buildStatements(info: TableInfo, exprs: BackfillExpressions, opts: { saveOldTable?: string } = {}): BackfillStatements {
  const t = info.qualified;
  const keyCols = info.key.map((k) => quoteIdent(k.name));
  const tuple = (cols: string[]) => (cols.length === 1 ? cols[0]! : `(${cols.join(", ")})`);
  const params = (from: number) => tuple(info.key.map((k, i) => `$${from + i}::${k.type}`));
  const n = info.key.length;
  const keyList = keyCols.join(", ");
  // Aliased: ORDER BY "id" would otherwise sort by the text output column named "id".
  const keyText = info.key.map((k, i) => `${quoteIdent(k.name)}::text AS __k${i}`).join(", ");
  const where = exprs.where ? `(${exprs.where}\n)` : "true";
  const guard = `(${exprs.sets.map((s) => `${quoteIdent(s.column)} IS DISTINCT FROM (${s.expr}\n)`).join(" OR ")})`;
  const assignments = exprs.sets.map((s) => `${quoteIdent(s.column)} = (${s.expr}\n)`).join(", ");
  const range = (first: boolean) => {
    const upper = `${tuple(keyCols)} <= ${params(first ? 1 : n + 1)}`;
    return first ? upper : `${tuple(keyCols)} > ${params(1)} AND ${upper}`;
  };
  const after = (first: boolean, bounded: boolean) => {
    const conds = [...(first ? [] : [`${tuple(keyCols)} > ${params(1)}`]), ...(bounded ? [`${tuple(keyCols)} <= ${params(first ? 1 : n + 1)}`] : [])];
    return conds.length ? `WHERE ${conds.join(" AND ")}` : "";
  };
  const offsetParam = (first: boolean, bounded: boolean) => `$${(first ? 0 : n) + (bounded ? n : 0) + 1}`;
  const needs = `${where} AND ${guard}`;

  let update: (first: boolean, check: boolean) => string;
  let saveOld: BackfillStatements["saveOld"];
  if (opts.saveOldTable) {
    const side = opts.saveOldTable;
    const oldCols = [...info.key.map((k, i) => `${quoteIdent(k.name)} AS __k${i}`), ...info.setColumns.map((c, i) => `${quoteIdent(c.name)} AS __o${i}`)];
    const sideCols = [...info.key.map((k) => quoteIdent(k.name)), ...info.setColumns.map((c) => quoteIdent(c.name))];
    const join = info.key.map((k, i) => `${t}.${quoteIdent(k.name)} = old.__k${i}`).join(" AND ");
    saveOld = {
      table: side,
      create: [
        `CREATE SCHEMA IF NOT EXISTS ${side.split(".")[0]}`,
        `CREATE TABLE IF NOT EXISTS ${side} (${[
          ...info.key.map((k) => `${quoteIdent(k.name)} ${k.type} NOT NULL`),
          ...info.setColumns.map((c) => `${quoteIdent(c.name)} ${c.type}`),
          `PRIMARY KEY (${keyList})`,
        ].join(", ")})`,
      ],
    };
    // The old values are read under FOR UPDATE, so they are exactly what the UPDATE overwrites;
    // ON CONFLICT keeps the first (original) value if a row is changed again by a later pass.
    update = (first, check) => `
      WITH old AS (SELECT ${oldCols.join(", ")} FROM ${t} WHERE ${range(first)} AND ${needs} FOR UPDATE),
           saved AS (INSERT INTO ${side} (${sideCols.join(", ")}) SELECT * FROM old ON CONFLICT DO NOTHING),
           u AS (UPDATE ${t} SET ${assignments} FROM old WHERE ${join} RETURNING ${check ? `(${needs})` : "false"} AS again)
      SELECT count(*)::int AS rows, count(*) FILTER (WHERE again)::int AS again FROM u`;
  } else {
    update = (first, check) =>
      check
        ? `
      WITH u AS (UPDATE ${t} SET ${assignments} WHERE ${range(first)} AND ${needs} RETURNING (${needs}) AS again)
      SELECT count(*)::int AS rows, count(*) FILTER (WHERE again)::int AS again FROM u`
        : `UPDATE ${t} SET ${assignments} WHERE ${range(first)} AND ${needs}`;
  }

  return {
    upperBound: (first, bounded) => `SELECT ${keyText} FROM ${t} ${after(first, bounded)} ORDER BY ${keyList} LIMIT 1 OFFSET ${offsetParam(first, bounded)}`,
    lastKey: (first, bounded) => `SELECT ${keyText} FROM ${t} ${after(first, bounded)} ORDER BY ${keyCols.map((c) => `${c} DESC`).join(", ")} LIMIT 1`,
    // xmin: a column no index holds, so every heap page of the range is read (an index-only scan would skip them)
    rangeRead: (first) => `SELECT count(xmin) FROM ${t} WHERE ${range(first)}`,
    splitKey: `SELECT ${keyText} FROM ${t} ORDER BY ${keyList} LIMIT 1 OFFSET $1`,
    update,
    remaining: `SELECT count(*)::bigint AS remaining FROM ${t} WHERE NOT (xmin = ANY($1::xid[])) AND ${needs}`,
    saveOld,
    keyColumns: keyList,
  };
}
