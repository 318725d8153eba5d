import type pg from "pg";
import { quoteIdent } from "./connection.js";

/** Whether this login can read pg_stat_statements in this database, and since when it counts. */
export type QueryStatsAccess = { available: true; schema: string; since?: string } | { available: false; note: string; hint: string };

export interface RecordedStatement {
  query: string;
  calls: number;
}

const PRELOAD_HINT =
  "add pg_stat_statements to shared_preload_libraries (managed services: the parameter group or database flags), restart Postgres, then run CREATE EXTENSION pg_stat_statements; in this database";

/**
 * Can the connected login read other sessions' statements? It needs the extension in this
 * database, the library preloaded, and pg_read_all_stats (or superuser) to see query text that is
 * not its own.
 */
export async function queryStatsAccess(client: pg.Client): Promise<QueryStatsAccess> {
  const ext = await client.query<{ schema: string }>("SELECT n.nspname AS schema FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_stat_statements'");
  const db = (await client.query<{ db: string; login: string }>("SELECT current_database() AS db, current_user AS login")).rows[0]!;
  if (ext.rows.length === 0) {
    return {
      available: false,
      note: `pg_stat_statements is not installed in database ${db.db}`,
      hint: (await preloaded(client)) ? "run CREATE EXTENSION pg_stat_statements; in this database" : PRELOAD_HINT,
    };
  }
  const schema = quoteIdent(ext.rows[0]!.schema);
  const privileged = (await client.query<{ ok: boolean }>("SELECT pg_has_role(current_user, 'pg_read_all_stats', 'USAGE') OR (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS ok")).rows[0]!.ok;
  if (!privileged) {
    return { available: false, note: `the login ${db.login} cannot read other sessions' statements in pg_stat_statements (it lacks pg_read_all_stats)`, hint: `GRANT pg_read_all_stats TO ${quoteIdent(db.login)};` };
  }
  try {
    await client.query(`SELECT 1 FROM ${schema}.pg_stat_statements LIMIT 1`);
  } catch (e) {
    return { available: false, note: `pg_stat_statements cannot be read: ${(e as Error).message}`, hint: PRELOAD_HINT };
  }
  return { available: true, schema, ...(await statsReset(client, schema)) };
}

/** Is the library preloaded? Only superusers and pg_read_all_settings may ask: unknown counts as no. */
async function preloaded(client: pg.Client): Promise<boolean> {
  try {
    const r = await client.query<{ libs: string }>("SELECT current_setting('shared_preload_libraries') AS libs");
    return r.rows[0]!.libs.split(",").some((lib) => lib.trim() === "pg_stat_statements");
  } catch {
    return false;
  }
}

/** pg_stat_statements_info.stats_reset (extension 1.9, PostgreSQL 14, and later). */
async function statsReset(client: pg.Client, schema: string): Promise<{ since?: string }> {
  try {
    const r = await client.query<{ since: Date | null }>(`SELECT stats_reset AS since FROM ${schema}.pg_stat_statements_info`);
    const since = r.rows[0]?.since;
    return since ? { since: since.toISOString() } : {};
  } catch {
    return {};
  }
}

/**
 * This database's recorded statements whose text contains any of `words` (case-insensitive; the
 * caller decides which really name them).
 */
export async function statementsMentioning(client: pg.Client, schema: string, words: string[]): Promise<RecordedStatement[]> {
  const r = await client.query<{ query: string; calls: string }>(
    `SELECT query, sum(calls)::text AS calls FROM ${schema}.pg_stat_statements
      WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
        AND EXISTS (SELECT 1 FROM unnest($1::text[]) w WHERE strpos(lower(query), w) > 0)
      GROUP BY query`,
    [words.map((w) => w.toLowerCase())],
  );
  return r.rows.map((row) => ({ query: row.query, calls: Number(row.calls) }));
}
