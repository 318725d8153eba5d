import type pg from "pg";
import { UserError, pgErrorWords } from "../errors.js";
import { quoteIdent } from "../db/connection.js";
import type { BackfillExpressions, SetClause } from "./expressions.js";
import { syntaxError } from "./expressions.js";

export interface KeyColumn {
  name: string;
  /** format_type() of the column, used to cast checkpoint values back. */
  type: string;
}

export interface ColumnInfo {
  name: string;
  type: string;
}

/** What the engine needs to know about the table it walks. */
export interface TableInfo {
  oid: number;
  schema: string;
  name: string;
  /** "schema"."name", quoted. */
  qualified: string;
  /** The primary key, or the narrowest unique index whose columns are all NOT NULL. */
  key: KeyColumn[];
  keySource: string;
  /** The columns being set, with their types (for the save-old side table). */
  setColumns: ColumnInfo[];
  estimatedRows: number;
}

/** Find the table, its walking key and the set columns; refuse what cannot be walked safely. */
export async function describeTable(client: pg.Client, table: string, setColumns: string[]): Promise<TableInfo> {
  const found = await client.query<{ oid: number; schema: string; name: string; relkind: string; reltuples: number }>(
    `SELECT c.oid::int AS oid, n.nspname AS schema, c.relname AS name, c.relkind, c.reltuples::float8 AS reltuples
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.oid = to_regclass($1)`,
    [table],
  );
  const rel = found.rows[0];
  if (!rel) throw new UserError("table-missing", `table ${table} does not exist in the target database`);
  if (rel.relkind !== "r" && rel.relkind !== "p") throw new UserError("usage", `${table} is not a table (relkind ${rel.relkind})`);
  const qualified = `${quoteIdent(rel.schema)}.${quoteIdent(rel.name)}`;

  const keys = await client.query<{ index: string; primary: boolean; nkeys: number; columns: string[]; types: string[] }>(
    `SELECT i.relname AS index, x.indisprimary AS primary, x.indnkeyatts::int AS nkeys,
            array_agg(a.attname::text ORDER BY k.ord) AS columns,
            array_agg(format_type(a.atttypid, a.atttypmod) ORDER BY k.ord) AS types
       FROM pg_index x
       JOIN pg_class i ON i.oid = x.indexrelid
       CROSS JOIN LATERAL unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
       LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum
      WHERE x.indrelid = $1 AND x.indisunique AND x.indisvalid AND x.indimmediate AND x.indpred IS NULL
      GROUP BY i.relname, x.indisprimary, x.indnkeyatts
     HAVING bool_and(k.attnum > 0 AND a.attnotnull) FILTER (WHERE k.ord <= x.indnkeyatts)
      ORDER BY x.indisprimary DESC, x.indnkeyatts, i.relname`,
    [rel.oid],
  );
  const best = keys.rows[0];
  if (!best) {
    throw new UserError("no-key", `${rel.schema}.${rel.name} has no primary key and no unique index on NOT NULL columns: a backfill walks the table by key ranges and cannot resume without one`, {
      hint: "add a primary key (or a unique index on NOT NULL columns) first",
    });
  }
  const key = best.columns.slice(0, best.nkeys).map((name, i) => ({ name, type: best.types[i]! }));

  const cols = await client.query<{ name: string; type: string; generated: string; identity: string }>(
    `SELECT attname AS name, format_type(atttypid, atttypmod) AS type, attgenerated AS generated, attidentity AS identity
       FROM pg_attribute WHERE attrelid = $1 AND attnum > 0 AND NOT attisdropped`,
    [rel.oid],
  );
  const byName = new Map(cols.rows.map((c) => [c.name, c]));
  const setInfo: ColumnInfo[] = setColumns.map((name) => {
    const c = byName.get(name);
    if (!c) throw new UserError("usage", `--set: column ${name} does not exist in ${rel.schema}.${rel.name}`);
    if (c.generated) throw new UserError("usage", `--set: column ${name} is a generated column`);
    if (key.some((k) => k.name === name)) {
      throw new UserError("usage", `--set: column ${name} is part of the key the backfill walks (${best.index}); changing it would move rows behind the walk`);
    }
    return { name, type: c.type };
  });
  return {
    oid: rel.oid,
    schema: rel.schema,
    name: rel.name,
    qualified,
    key,
    keySource: `${best.primary ? "primary key" : "unique index"} ${best.index}`,
    setColumns: setInfo,
    estimatedRows: Math.max(0, Math.round(rel.reltuples)),
  };
}

/**
 * Refuse volatile SET/WHERE expressions: a batch must give the same result when it is repeated.
 * Every function the expressions call is looked up in the target's pg_proc (by schema when
 * qualified, else as visible on the search_path, with a compatible argument count); if any
 * candidate is volatile the backfill is refused, naming it.
 */
export async function assertNotVolatile(client: pg.Client, exprs: BackfillExpressions): Promise<void> {
  if (exprs.functions.length === 0) return;
  const res = await client.query<{ fn: string; volatile: boolean }>(
    `SELECT f.display AS fn, bool_or(p.provolatile = 'v') AS volatile
       FROM jsonb_to_recordset($1::jsonb) AS f(schema text, name text, args int, display text)
       JOIN pg_proc p ON p.proname = f.name
        AND (CASE WHEN f.schema IS NULL THEN pg_function_is_visible(p.oid) ELSE p.pronamespace = f.schema::regnamespace END)
        AND (f.args BETWEEN p.pronargs - p.pronargdefaults AND p.pronargs OR p.provariadic <> 0)
      GROUP BY f.display`,
    [
      JSON.stringify(
        exprs.functions.map((f) => ({
          schema: f.name.length > 1 ? f.name[f.name.length - 2] : null,
          name: f.name[f.name.length - 1],
          args: f.args,
          display: `${f.name.join(".")}()`,
        })),
      ),
    ],
  );
  const volatile = res.rows.filter((r) => r.volatile).map((r) => r.fn);
  if (volatile.length > 0) {
    throw new UserError("volatile-expression", `backfill refused: ${volatile.join(", ")} ${volatile.length > 1 ? "are" : "is"} VOLATILE (pg_proc.provolatile = 'v'), so a repeated batch would write different values`, {
      hint: "use an immutable or stable expression; for random or time-of-write values, compute them once (e.g. into a column) and copy that",
    });
  }
}

/**
 * Ask the target to plan the UPDATE (EXPLAIN, nothing runs): catches unknown columns, type
 * mismatches and bad function calls, reported at the flag's line and column. Planning an UPDATE
 * takes the table's RowExclusiveLock; when another session holds a conflicting lock, the
 * expressions are planned in a SELECT instead (AccessShareLock) and the run's throttle waits.
 */
export async function explainUpdate(client: pg.Client, info: TableInfo, exprs: BackfillExpressions, lockTimeoutMs = 2000): Promise<void> {
  await client.query(`SET lock_timeout = ${Math.round(lockTimeoutMs)}`);
  try {
    await explain(client, `EXPLAIN UPDATE ${info.qualified} SET `, (s) => `${quoteIdent(s.column)} = (`, exprs, "");
  } catch (e) {
    if ((e as { code?: string }).code !== "55P03") throw e;
    await explain(client, "EXPLAIN SELECT ", () => "(", exprs, ` FROM ${info.qualified}`);
  } finally {
    await client.query("RESET lock_timeout");
  }
}

async function explain(client: pg.Client, head: string, setHead: (s: SetClause) => string, exprs: BackfillExpressions, from: string): Promise<void> {
  const parts: Array<{ flag: string; source: string; text: string; sourceOffset: number; at: number }> = [];
  let sql = head;
  exprs.sets.forEach((s, i) => {
    if (i > 0) sql += ", ";
    sql += setHead(s);
    parts.push({ flag: "--set", source: s.source, text: s.expr, sourceOffset: s.source.length - s.expr.length, at: sql.length });
    sql += `${s.expr}\n)`;
  });
  sql += from;
  if (exprs.where) {
    sql += " WHERE (";
    parts.push({ flag: "--where", source: exprs.where, text: exprs.where, sourceOffset: 0, at: sql.length });
    sql += `${exprs.where}\n)`;
  }
  try {
    await client.query(sql);
  } catch (e) {
    const err = e as { code?: string; message?: string; position?: string };
    if (err.code === "55P03") throw e;
    const pos = err.position ? Number(err.position) - 1 : -1;
    const part = [...parts].reverse().find((p) => pos >= p.at && pos <= p.at + p.text.length);
    const words = err.message ?? pgErrorWords(err.code) ?? "rejected by the target";
    if (part) throw syntaxError(part.flag, part.source, part.sourceOffset + (pos - part.at), words);
    throw new UserError("usage", `backfill rejected by the target: ${words}`);
  }
}
