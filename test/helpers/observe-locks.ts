import type pg from "pg";
import { LOCK_MODES, type LockMode, type StatementLock } from "../../src/analyze/types.js";

export interface Observation {
  locks: StatementLock[];
  rewrites: string[];
}

const RELKINDS = "('r','p','v','m','f')";

/** Run `sql` inside a rolled-back transaction and read what it locked and rewrote (PG's truth). */
export async function observeLocks(client: pg.ClientBase, sql: string): Promise<Observation> {
  const before = await relfilenodes(client);
  // names by oid from before the statement: dropped relations vanish from pg_class, renamed ones change name
  const names = await relationNames(client);
  await client.query("BEGIN");
  try {
    await client.query(sql);
    const now = await relationNames(client);
    const locks = await client.query<{ oid: string; mode: LockMode }>(
      "SELECT l.relation::text AS oid, l.mode FROM pg_locks l WHERE l.locktype = 'relation' AND l.pid = pg_backend_pid() AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())",
    );
    const after = await relfilenodes(client);
    const strongest = new Map<string, LockMode>();
    for (const { oid, mode } of locks.rows) {
      const relation = names.get(oid) ?? now.get(oid);
      if (!relation) continue;
      const prev = strongest.get(relation);
      if (!prev || LOCK_MODES.indexOf(mode) > LOCK_MODES.indexOf(prev)) strongest.set(relation, mode);
    }
    return {
      locks: [...strongest].sort(([a], [b]) => (a < b ? -1 : 1)).map(([relation, mode]) => ({ relation, mode })),
      rewrites: [...before].filter(([rel, node]) => after.has(rel) && after.get(rel) !== node).map(([rel]) => rel).sort(),
    };
  } finally {
    await client.query("ROLLBACK");
  }
}

async function relationNames(client: pg.ClientBase): Promise<Map<string, string>> {
  const r = await client.query<{ oid: string; rel: string }>(
    `SELECT c.oid::text AS oid, n.nspname || '.' || c.relname AS rel FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ${RELKINDS} AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND n.nspname NOT LIKE 'pg_temp%'`,
  );
  return new Map(r.rows.map((x) => [x.oid, x.rel]));
}

async function relfilenodes(client: pg.ClientBase): Promise<Map<string, string>> {
  const r = await client.query<{ rel: string; node: string }>(
    `SELECT n.nspname || '.' || c.relname AS rel, c.relfilenode::text AS node FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r','m') AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')`,
  );
  return new Map(r.rows.map((x) => [x.rel, x.node]));
}
