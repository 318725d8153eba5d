import pg from "pg";
import { strongestMode } from "../analyze/risk.js";
import type { LockMode, StatementLock } from "../analyze/types.js";
import { USER_NAMESPACE } from "../db/catalog-sql.js";
import { connect } from "../db/connection.js";
import { Ladder } from "./ladder.js";
import { isLockMode } from "./lock-modes.js";

/**
 * Watching a statement run on a shadow database and recording what it really does: the locks
 * it takes on tables, partitions, views and materialized views, and the tables and materialized
 * views whose storage it replaces (a new relfilenode).
 */

export interface Observation {
  transactional: boolean;
  locks: StatementLock[];
  rewrites: string[];
  error?: { code?: string; message: string; position?: number };
  /** rows the statement reported (INSERT/UPDATE/DELETE/MERGE/SELECT...), when it reports any */
  rowCount?: number;
}

interface Rel {
  /** schema-qualified, plain: public.users */
  name: string;
  /** quoted for SQL */
  quoted: string;
  kind: string;
  filenode: number;
}
type Relations = Map<number, Rel>;

/** One shadow's runner connection plus the connections the lock ladder needs. */
export class Observer {
  private watcher?: pg.Client;
  private readonly idle: pg.Client[] = [];

  constructor(
    private readonly url: string,
    private readonly runner: pg.ClientBase,
    private readonly opts: { waitTimeoutMs?: number } = {},
  ) {}

  async close(): Promise<void> {
    for (const c of [this.watcher, ...this.idle.splice(0)]) await c?.end().catch(() => undefined);
    this.watcher = undefined;
  }

  /**
   * Run the statement for real. Inside a transaction: the statement, then SET CONSTRAINTS ALL
   * IMMEDIATE (deferred foreign key checks and constraint triggers run now, with their locks),
   * then the locks from pg_locks and the relfilenodes before and after, then COMMIT so later
   * statements see its effects (the shadow is thrown away), or ROLLBACK with `keep: false` to leave
   * the shadow as it was. Statements that refuse a transaction block go to the lock ladder (and
   * always take effect).
   */
  async observe(sql: string, opts: { keep?: boolean } = {}): Promise<Observation> {
    const before = await relations(this.runner);
    await this.runner.query("BEGIN");
    let rowCount: number | null;
    try {
      rowCount = (await this.runner.query(sql)).rowCount;
      await this.runner.query("SET CONSTRAINTS ALL IMMEDIATE");
    } catch (e) {
      await this.runner.query("ROLLBACK");
      const err = e as pg.DatabaseError;
      if (err.code === "25001") return this.observeByLadder(sql, before);
      return { transactional: true, locks: [], rewrites: [], error: toError(err) };
    }
    const { rows } = await this.runner.query<{ oid: number; mode: string }>(OWN_LOCKS_SQL);
    const after = await relations(this.runner);
    try {
      await this.runner.query(opts.keep === false ? "ROLLBACK" : "COMMIT");
    } catch (e) {
      return { transactional: true, locks: [], rewrites: [], error: toError(e as pg.DatabaseError) };
    }
    const held = new Map<number, LockMode[]>();
    for (const r of rows) if (isLockMode(r.mode)) held.set(r.oid, [...(held.get(r.oid) ?? []), r.mode]);
    return { transactional: true, locks: lockList(held, before, after), rewrites: rewritten(before, after), ...(rowCount !== null ? { rowCount } : {}) };
  }

  /** For statements that cannot run in a transaction (CREATE INDEX CONCURRENTLY, VACUUM, ...): see ladder.ts. */
  private async observeByLadder(sql: string, before: Relations): Promise<Observation> {
    this.watcher ??= await connect(this.url, { applicationName: "lockstep-trace-watcher" });
    const candidates = new Map([...before].filter(([, r]) => r.kind === "r" || r.kind === "p" || r.kind === "m").map(([oid, r]) => [oid, { quoted: r.quoted, kind: r.kind }]));
    const runnerPid = (this.runner as unknown as { processID: number }).processID;
    const ladder = new Ladder(this.url, this.idle, this.runner, runnerPid, this.watcher, candidates, { waitTimeoutMs: this.opts.waitTimeoutMs ?? 30_000 });
    const e = await ladder.run(sql);
    const error = e ? toError(e) : undefined;
    const after = await relations(this.runner);
    const held = new Map<number, LockMode[]>([...ladder.seen].map(([oid, modes]) => [oid, [...modes]]));
    return { transactional: false, locks: lockList(held, before, after), rewrites: error ? [] : rewritten(before, after), ...(error ? { error } : {}) };
  }
}

function toError(e: pg.DatabaseError | Error): NonNullable<Observation["error"]> {
  const err = e as pg.DatabaseError;
  return { code: err.code, message: err.message, ...(err.position ? { position: Number(err.position) } : {}) };
}

const OWN_LOCKS_SQL = `
SELECT l.relation::int AS oid, l.mode FROM pg_locks l
WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation' AND l.granted
  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`;

/** Tables, partitioned tables, views, materialized views and foreign tables of the user's schemas. */
const RELATIONS_SQL = `
SELECT c.oid::int AS oid, n.nspname || '.' || c.relname AS name, quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS quoted, c.relkind::text AS kind, c.relfilenode::int AS filenode
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r','p','v','m','f') AND ${USER_NAMESPACE}`;

async function relations(client: pg.ClientBase): Promise<Relations> {
  const { rows } = await client.query<{ oid: number } & Rel>(RELATIONS_SQL, [null]);
  return new Map(rows.map((r) => [r.oid, { name: r.name, quoted: r.quoted, kind: r.kind, filenode: r.filenode }]));
}

/** Names as the statement saw them: before it ran when the relation existed, else as created. */
function lockList(held: Map<number, LockMode[]>, before: Relations, after: Relations): StatementLock[] {
  const locks: StatementLock[] = [];
  for (const [oid, modes] of held) {
    const rel = before.get(oid) ?? after.get(oid);
    if (!rel) continue;
    locks.push({ relation: rel.name, mode: strongestMode(modes)! });
  }
  return locks.sort((a, b) => a.relation.localeCompare(b.relation));
}

function rewritten(before: Relations, after: Relations): string[] {
  const out: string[] = [];
  for (const [oid, rel] of before) {
    const now = after.get(oid);
    if ((rel.kind === "r" || rel.kind === "m") && now && now.filenode !== rel.filenode) out.push(rel.name);
  }
  return out.sort();
}
