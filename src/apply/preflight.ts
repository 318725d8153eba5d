import type pg from "pg";
import { LOCK_MODES, type LockMode } from "../analyze/types.js";
import { conflicts } from "../trace/lock-modes.js";
import type { Blocker } from "./types.js";

const QUERY_CHARS = 120;

/**
 * Sessions that would block a statement taking `mode` on these relations (they hold or wait for a
 * conflicting lock): the long-running and idle-in-transaction sessions the statement would queue
 * behind — and that every later query on the table would then queue behind too.
 */
export async function findBlockers(monitor: pg.ClientBase, relations: string[], mode: LockMode, excludePids: number[]): Promise<Blocker[]> {
  if (relations.length === 0) return [];
  const r = await monitor.query<{
    pid: number; usename: string | null; application_name: string | null; state: string | null;
    relation: string; mode: string; granted: boolean; duration_ms: number | null; query: string | null;
  }>(
    `WITH rels AS (SELECT to_regclass(r) AS oid FROM unnest($1::text[]) AS r)
     SELECT DISTINCT ON (a.pid, l.relation) a.pid, a.usename, a.application_name, a.state,
            format('%I.%I', n.nspname, c.relname) AS relation, l.mode, l.granted,
            (extract(epoch FROM now() - coalesce(a.xact_start, a.query_start)) * 1000)::float8 AS duration_ms,
            a.query
       FROM pg_locks l
       JOIN rels ON rels.oid = l.relation
       JOIN pg_class c ON c.oid = l.relation
       JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
        AND l.pid <> pg_backend_pid() AND NOT (l.pid = ANY($2::int[]))
        AND l.mode = ANY($3::text[])
      ORDER BY a.pid, l.relation, l.granted DESC`,
    [relations, excludePids, LOCK_MODES.filter((held) => conflicts(mode, held))],
  );
  return r.rows.map((row) => ({
    pid: row.pid,
    user: row.usename,
    application: row.application_name,
    state: row.state,
    relation: row.relation,
    mode: row.mode,
    granted: row.granted,
    durationMs: Math.max(0, Math.round(row.duration_ms ?? 0)),
    query: shorten(row.query ?? ""),
  }));
}

export function shorten(sql: string, max = QUERY_CHARS): string {
  const flat = sql.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** Ends the blocking sessions (a cancelled query still holds its transaction's locks; terminate does not). */
export async function terminateBlockers(monitor: pg.ClientBase, blockers: Blocker[]): Promise<number[]> {
  const pids = [...new Set(blockers.map((b) => b.pid))];
  const r = await monitor.query<{ pid: number; ok: boolean }>(`SELECT pid, pg_terminate_backend(pid) AS ok FROM unnest($1::int[]) AS pid`, [pids]);
  return r.rows.filter((row) => row.ok).map((row) => row.pid);
}

export function describeBlocker(b: Blocker): string {
  const secs = (b.durationMs / 1000).toFixed(1);
  return `pid ${b.pid} (${b.user ?? "?"}, ${b.application || "no application name"}, ${b.state ?? "?"} for ${secs}s) ${b.granted ? "holds" : "waits for"} ${b.mode} on ${b.relation}: ${b.query}`;
}
