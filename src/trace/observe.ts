import pg from "pg";
import { strongestMode } from "../analyze/risk.js";
import type { LockMode, StatementLock } from "../analyze/types.js";
import { USER_NAMESPACE } from "../db/catalog-sql.js";
import { connect } from "../db/connection.js";
import { isLockMode, lockTableMode, probeMode } from "./lock-modes.js";

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

/** One shadow's runner connection plus the helpers the blocking method needs. */
export class Observer {
  private watcher?: pg.Client;
  private readonly holders: pg.Client[] = [];
  private runnerPid?: number;

  constructor(
    private readonly url: string,
    private readonly runner: pg.ClientBase,
    private readonly opts: { waitTimeoutMs?: number } = {},
  ) {}

  async close(): Promise<void> {
    for (const c of [this.watcher, ...this.holders]) await c?.end().catch(() => undefined);
    this.holders.length = 0;
    this.watcher = undefined;
  }

  /**
   * Run the statement for real. Inside a transaction: locks from pg_locks, relfilenodes before
   * and after, then COMMIT so later statements see its effects (the shadow is thrown away), or
   * ROLLBACK with `keep: false` to leave the shadow as it was.
   * Statements that refuse a transaction block go to the blocking method (and always take effect).
   */
  async observe(sql: string, opts: { keep?: boolean } = {}): Promise<Observation> {
    const before = await relations(this.runner);
    await this.runner.query("BEGIN");
    try {
      await this.runner.query(sql);
    } catch (e) {
      await this.runner.query("ROLLBACK");
      const err = e as pg.DatabaseError;
      if (err.code === "25001") return this.observeByBlocking(sql, before);
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
    return { transactional: true, locks: lockList(held, before, after), rewrites: rewritten(before, after) };
  }

  /**
   * For statements that cannot run in a transaction (CREATE INDEX CONCURRENTLY, VACUUM, ...):
   * other connections hold locks on every table, the statement starts, and whatever lock request
   * it waits on (pg_locks.granted = false, blocked by one of our holders) names the relation and
   * mode. The statement is cancelled while it waits (nothing is done yet), the hold on that
   * relation is lowered to the strongest mode compatible with everything seen (so only a stronger
   * request can wait), and it starts again, until it runs through. If it waits for our
   * transactions themselves (CIC waiting out older transactions) we let go and let it finish.
   */
  private async observeByBlocking(sql: string, before: Relations): Promise<Observation> {
    const seen = new Map<number, Set<LockMode>>();
    const candidates = [...before].filter(([, r]) => r.kind === "r" || r.kind === "p" || r.kind === "m");
    const maxRounds = 8 * candidates.length + 2;
    let error: Observation["error"];
    for (let round = 0; ; round++) {
      const holderPids = await this.hold(candidates, seen);
      const run = this.runner.query(sql).then(
        () => undefined,
        (e: pg.DatabaseError) => e,
      );
      const wait = await this.waitForBlockOrEnd(run, holderPids);
      if (wait === "finished") {
        error = await run.then((e) => (e ? toError(e) : undefined));
        break;
      }
      if (wait.relation !== undefined && isLockMode(wait.mode) && before.has(wait.relation) && round < maxRounds) {
        const modes = seen.get(wait.relation) ?? new Set<LockMode>();
        const learned = !modes.has(wait.mode);
        modes.add(wait.mode);
        seen.set(wait.relation, modes);
        if (learned) {
          await this.watcher!.query("SELECT pg_cancel_backend($1)", [this.runnerPid]);
          const e = await run;
          if (e && e.code !== "57014") {
            error = toError(e);
            break;
          }
          continue;
        }
      }
      // Waiting for our holders' transactions to end (or no progress): let go and let it finish.
      await this.releaseHolds();
      error = await run.then((e) => (e ? toError(e) : undefined));
      break;
    }
    await this.releaseHolds();
    const after = await relations(this.runner);
    const held = new Map<number, LockMode[]>([...seen].map(([oid, modes]) => [oid, [...modes]]));
    return { transactional: false, locks: lockList(held, before, after), rewrites: error ? [] : rewritten(before, after), ...(error ? { error } : {}) };
  }

  /** One connection holds ACCESS EXCLUSIVE on every relation not seen yet; one per seen relation holds its probe mode. */
  private async hold(candidates: Array<[number, Rel]>, seen: Map<number, Set<LockMode>>): Promise<number[]> {
    await this.releaseHolds();
    const pids: number[] = [];
    const unseen = candidates.filter(([oid]) => !seen.has(oid));
    const probes = candidates.flatMap(([oid, rel]) => {
      const mode = seen.has(oid) ? probeMode(seen.get(oid)!, rel.kind === "m" ? MATVIEW_HOLDS : undefined) : undefined;
      return mode ? [{ rel, mode }] : [];
    });
    let i = 0;
    const holder = async () => {
      while (this.holders.length <= i) this.holders.push(await connect(this.url, { applicationName: "lockstep-trace-holder" }));
      const c = this.holders[i++]!;
      pids.push((c as unknown as { processID: number }).processID);
      await c.query("BEGIN");
      return c;
    };
    if (unseen.length > 0) {
      const c = await holder();
      const tables = unseen.filter(([, r]) => r.kind !== "m").map(([, r]) => r.quoted);
      if (tables.length > 0) await c.query(`LOCK TABLE ONLY ${tables.join(", ")} IN ACCESS EXCLUSIVE MODE`);
      // Materialized views cannot be LOCKed; a refresh inside the holder's transaction takes ACCESS EXCLUSIVE.
      for (const [, mv] of unseen.filter(([, r]) => r.kind === "m")) await c.query(matviewHold(mv, "AccessExclusiveLock"));
    }
    for (const p of probes) {
      const c = await holder();
      await c.query(p.rel.kind === "m" ? matviewHold(p.rel, p.mode) : `LOCK TABLE ONLY ${p.rel.quoted} IN ${lockTableMode(p.mode)} MODE`);
    }
    return pids;
  }

  private async releaseHolds(): Promise<void> {
    for (const c of this.holders) await c.query("ROLLBACK");
  }

  /** Poll (with a deadline) until the statement waits on a lock one of our holders has, or ends. */
  private async waitForBlockOrEnd(
    run: Promise<unknown>,
    holderPids: number[],
  ): Promise<"finished" | { relation?: number; mode: string; locktype: string }> {
    this.watcher ??= await connect(this.url, { applicationName: "lockstep-trace-watcher" });
    this.runnerPid ??= (this.runner as unknown as { processID: number }).processID;
    let finished = false;
    void run.then(() => (finished = true));
    const deadline = Date.now() + (this.opts.waitTimeoutMs ?? 30_000);
    while (!finished) {
      const { rows } = await this.watcher.query<{ locktype: string; relation: number | null; mode: string; blockers: number[] }>(
        `SELECT l.locktype, l.relation::int AS relation, l.mode, pg_blocking_pids(l.pid) AS blockers
         FROM pg_locks l WHERE l.pid = $1 AND NOT l.granted`,
        [this.runnerPid],
      );
      const ours = rows.find((r) => r.blockers.some((b) => holderPids.includes(b)));
      if (ours && !finished) return { relation: ours.locktype === "relation" ? ours.relation ?? undefined : undefined, mode: ours.mode, locktype: ours.locktype };
      if (Date.now() > deadline) {
        await this.releaseHolds();
        await run;
        throw new Error(`trace: the statement neither finished nor waited on a held lock within ${(this.opts.waitTimeoutMs ?? 30_000) / 1000}s`);
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    return "finished";
  }
}

/**
 * LOCK TABLE refuses materialized views, so holders take their locks the way statements do:
 * REFRESH holds ACCESS EXCLUSIVE, ANALYZE holds SHARE UPDATE EXCLUSIVE until the holder's transaction ends.
 */
const MATVIEW_HOLDS: readonly LockMode[] = ["AccessExclusiveLock", "ShareUpdateExclusiveLock"];
function matviewHold(mv: Rel, mode: LockMode): string {
  return mode === "AccessExclusiveLock" ? `REFRESH MATERIALIZED VIEW ${mv.quoted}` : `ANALYZE ${mv.quoted}`;
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
