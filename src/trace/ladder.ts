import type pg from "pg";
import type { LockMode } from "../analyze/types.js";
import { connect } from "../db/connection.js";
import { holdMode, isLockMode, lockTableMode, probeMode } from "./lock-modes.js";

/**
 * The lock ladder: how `trace` sees the locks of a statement that cannot run in a transaction
 * block (CREATE INDEX CONCURRENTLY, VACUUM, DETACH PARTITION ... CONCURRENTLY, ...), whose locks
 * are gone by the time it returns. Connections of ours hold locks on every relation; the lock
 * request the statement waits on (pg_locks.granted = false, blocked by one of our holders) names
 * the relation and the mode, and the locks it holds are read from pg_locks while it runs.
 *
 * Until the statement first waits for our holders' transactions to end (which a statement does
 * after committing a phase of its work), it is restartable: it is cancelled while it waits (nothing
 * done yet), the hold on that relation is lowered so only a stronger request waits, and it starts
 * again. After that it is never cancelled: every time it waits on one of our holders, that holder
 * hands over to new ones, which hold what is compatible with what the statement holds or requests
 * now, and still stop any request stronger than the strongest seen, so a later phase's stronger
 * lock (DETACH CONCURRENTLY's ACCESS EXCLUSIVE on the partition) waits and is seen.
 */

export interface Candidate {
  /** quoted for SQL */
  quoted: string;
  /** pg_class.relkind: r, p or m */
  kind: string;
}

/** One connection of ours, holding `modes` on relations in an open transaction. */
interface Holder {
  client: pg.Client;
  pid: number;
  modes: Map<number, LockMode>;
  /** BEGIN and the lock statements, in flight until granted */
  locking?: Promise<unknown>;
}

interface Block {
  relation?: number;
  mode: string;
  /** our holders the statement waits for */
  blockers: number[];
}

/**
 * LOCK TABLE refuses materialized views, so holders take their locks the way statements do:
 * REFRESH holds ACCESS EXCLUSIVE, ANALYZE holds SHARE UPDATE EXCLUSIVE until the holder's transaction ends.
 */
const MATVIEW_HOLDS: readonly LockMode[] = ["AccessExclusiveLock", "ShareUpdateExclusiveLock"];
/**
 * What a group holder holds on the relations not seen yet once the statement can no longer be
 * restarted: SHARE conflicts with every request from ROW EXCLUSIVE up, and, unlike ACCESS
 * EXCLUSIVE, with no other SHARE, so a new group holder can take over before the old one lets go.
 */
const GROUP_HOLD_AFTER_HANDOVER: LockMode = "ShareLock";

const POLL_MS = 5;

export class Ladder {
  /** every mode the statement requested or held, per relation oid */
  readonly seen = new Map<number, Set<LockMode>>();
  private readonly holders: Holder[] = [];
  private restartable = true;

  constructor(
    private readonly url: string,
    /** connections to reuse as holders, shared across statements */
    private readonly idle: pg.Client[],
    private readonly runner: pg.ClientBase,
    private readonly runnerPid: number,
    private readonly watcher: pg.ClientBase,
    private readonly candidates: Map<number, Candidate>,
    private readonly opts: { waitTimeoutMs: number },
  ) {}

  /** Run `sql` under the ladder; resolves with its error, if any. Every hold is released when it returns. */
  async run(sql: string): Promise<pg.DatabaseError | undefined> {
    const maxRounds = 8 * this.candidates.size + 2;
    const maxHandovers = 8 * this.candidates.size + 50;
    let handovers = 0;
    try {
      for (let round = 0; ; round++) {
        if (this.restartable) await this.holdAfresh();
        const run = this.runner.query(sql).then(
          () => undefined,
          (e: pg.DatabaseError) => e,
        );
        for (;;) {
          const block = await this.waitForBlockOrEnd(run);
          if (block === "finished") return await run;
          const learned = block.relation !== undefined && this.candidates.has(block.relation) && isLockMode(block.mode) && this.record(block.relation, block.mode);
          if (this.restartable && learned && round < maxRounds) {
            await this.watcher.query("SELECT pg_cancel_backend($1)", [this.runnerPid]);
            const e = await run;
            if (e && e.code !== "57014") return e;
            break;
          }
          if (++handovers > maxHandovers) {
            await this.releaseAll();
            return await run;
          }
          await this.handOver(block.blockers);
        }
      }
    } finally {
      await this.releaseAll();
    }
  }

  /** Record a mode the statement requested or holds; true when it is new for that relation. */
  private record(oid: number, mode: LockMode): boolean {
    const modes = this.seen.get(oid) ?? new Set<LockMode>();
    this.seen.set(oid, modes);
    if (modes.has(mode)) return false;
    modes.add(mode);
    return true;
  }

  /** Restartable: one holder has ACCESS EXCLUSIVE on every relation not seen yet, one per seen relation its probe mode. */
  private async holdAfresh(): Promise<void> {
    await this.releaseAll();
    const unseen = [...this.candidates].filter(([oid]) => !this.seen.has(oid));
    if (unseen.length > 0) await this.take(new Map(unseen.map(([oid]) => [oid, "AccessExclusiveLock" as LockMode])));
    for (const [oid, modes] of this.seen) {
      const mode = probeMode(modes, this.available(oid));
      if (mode) await this.take(new Map([[oid, mode]]));
    }
    await Promise.all(this.holders.map((h) => h.locking));
  }

  /**
   * The statement waits on `blockers` (their transactions or their locks). Each hands over to new
   * holders: the relations it held that were never seen go to one holder in SHARE; each seen
   * relation to its own holder in the mode chosen from what the statement holds and waits for now.
   * The new holders queue before the old one lets go, so they are granted first; the statement,
   * released, finds them in place.
   */
  private async handOver(blockers: number[]): Promise<void> {
    const current = await this.runnerModes();
    if (this.restartable) {
      this.restartable = false;
      // The ACCESS EXCLUSIVE group holder becomes a SHARE one first, while the statement still waits
      // on the others and cannot race it (when it waits on the group holder itself, it may).
      const group = this.holders.filter((h) => !blockers.includes(h.pid) && [...h.modes.keys()].some((oid) => !this.seen.has(oid)));
      await this.replace(group, current);
    }
    await this.replace(this.holders.filter((h) => blockers.includes(h.pid)), current);
  }

  private async replace(leaving: Holder[], current: Map<number, LockMode[]>): Promise<void> {
    const arriving: Holder[] = [];
    for (const h of leaving) {
      const unseen = [...h.modes.keys()].filter((oid) => !this.seen.has(oid) && this.candidates.get(oid)!.kind !== "m");
      if (unseen.length > 0) arriving.push(await this.take(new Map(unseen.map((oid) => [oid, GROUP_HOLD_AFTER_HANDOVER]))));
      for (const oid of h.modes.keys()) {
        if (!this.seen.has(oid)) continue;
        const mode = holdMode(this.seen.get(oid)!, current.get(oid) ?? [], this.available(oid));
        if (mode) arriving.push(await this.take(new Map([[oid, mode]])));
      }
    }
    await this.queued(arriving);
    for (const h of leaving) await this.release(h);
    await this.granted(arriving);
  }

  private available(oid: number): readonly LockMode[] | undefined {
    return this.candidates.get(oid)!.kind === "m" ? MATVIEW_HOLDS : undefined;
  }

  /** A holder (a reused idle connection or a new one) starts taking `modes`; not awaited. */
  private async take(modes: Map<number, LockMode>): Promise<Holder> {
    const client = this.idle.pop() ?? (await connect(this.url, { applicationName: "lockstep-trace-holder" }));
    const holder: Holder = { client, pid: (client as unknown as { processID: number }).processID, modes };
    const statements = ["BEGIN", ...lockStatements(modes, this.candidates)];
    holder.locking = statements.reduce<Promise<unknown>>((p, sql) => p.then(() => client.query(sql)), Promise.resolve());
    holder.locking.catch(() => undefined);
    this.holders.push(holder);
    return holder;
  }

  /** Until every holder has its locks or waits in a lock queue (then it is served before later requests). */
  private async queued(holders: Holder[]): Promise<void> {
    const deadline = Date.now() + this.opts.waitTimeoutMs;
    const done = new Set<Holder>();
    for (const h of holders) void h.locking!.then(() => done.add(h), () => done.add(h));
    for (;;) {
      const open = holders.filter((h) => !done.has(h));
      if (open.length === 0) return;
      const { rows } = await this.watcher.query<{ pid: number }>(
        "SELECT DISTINCT pid FROM pg_locks WHERE pid = ANY($1) AND locktype = 'relation' AND NOT granted",
        [open.map((h) => h.pid)],
      );
      if (rows.length === open.length) return;
      if (Date.now() > deadline) throw new Error("trace: a lock holder could not queue for its lock");
      await pause();
    }
  }

  /** Until every holder has its locks; one that cannot get them (it would wait on the statement) gives up its hold. */
  private async granted(holders: Holder[]): Promise<void> {
    const deadline = new Promise<"late">((r) => setTimeout(r, this.opts.waitTimeoutMs, "late").unref());
    for (const h of holders) {
      if ((await Promise.race([h.locking!.then(() => "ok", () => "failed"), deadline])) === "ok") continue;
      await this.watcher.query("SELECT pg_cancel_backend($1)", [h.pid]);
      await this.release(h);
    }
  }

  private async release(h: Holder): Promise<void> {
    this.holders.splice(this.holders.indexOf(h), 1);
    await h.locking?.catch(() => undefined);
    try {
      await h.client.query("ROLLBACK");
      this.idle.push(h.client);
    } catch {
      await h.client.end().catch(() => undefined);
    }
  }

  private async releaseAll(): Promise<void> {
    for (const h of [...this.holders]) await this.release(h);
  }

  /** The modes the statement holds or waits for now, per relation. */
  private async runnerModes(): Promise<Map<number, LockMode[]>> {
    const { rows } = await this.watcher.query<{ relation: number; mode: string }>(
      "SELECT relation::int AS relation, mode FROM pg_locks WHERE pid = $1 AND locktype = 'relation'",
      [this.runnerPid],
    );
    const out = new Map<number, LockMode[]>();
    for (const r of rows) if (isLockMode(r.mode)) out.set(r.relation, [...(out.get(r.relation) ?? []), r.mode]);
    return out;
  }

  /**
   * Poll (with a deadline) until the statement waits on one of our holders, or ends; the locks it
   * holds meanwhile are recorded as they are seen.
   */
  private async waitForBlockOrEnd(run: Promise<unknown>): Promise<"finished" | Block> {
    let finished = false;
    void run.then(() => (finished = true));
    const deadline = Date.now() + this.opts.waitTimeoutMs;
    while (!finished) {
      const ours = this.holders.map((h) => h.pid);
      const { rows } = await this.watcher.query<{ relation: number | null; mode: string; granted: boolean; blockers: number[] | null }>(
        `SELECT CASE WHEN l.locktype = 'relation' THEN l.relation::int END AS relation, l.mode, l.granted,
           CASE WHEN NOT l.granted THEN pg_blocking_pids(l.pid) END AS blockers
         FROM pg_locks l WHERE l.pid = $1`,
        [this.runnerPid],
      );
      for (const r of rows) if (r.granted && r.relation !== null && this.candidates.has(r.relation) && isLockMode(r.mode)) this.record(r.relation, r.mode);
      const waiting = rows.find((r) => !r.granted && r.blockers?.some((b) => ours.includes(b)));
      if (waiting && !finished) return { ...(waiting.relation !== null ? { relation: waiting.relation } : {}), mode: waiting.mode, blockers: waiting.blockers!.filter((b) => ours.includes(b)) };
      if (Date.now() > deadline) {
        await this.releaseAll();
        await run;
        throw new Error(`trace: the statement neither finished nor waited on a held lock within ${this.opts.waitTimeoutMs / 1000}s`);
      }
      await pause();
    }
    return "finished";
  }
}

function lockStatements(modes: Map<number, LockMode>, candidates: Map<number, Candidate>): string[] {
  const byMode = new Map<LockMode, string[]>();
  const out: string[] = [];
  for (const [oid, mode] of modes) {
    const rel = candidates.get(oid)!;
    if (rel.kind === "m") out.push(mode === "AccessExclusiveLock" ? `REFRESH MATERIALIZED VIEW ${rel.quoted}` : `ANALYZE ${rel.quoted}`);
    else byMode.set(mode, [...(byMode.get(mode) ?? []), rel.quoted]);
  }
  for (const [mode, tables] of byMode) out.unshift(`LOCK TABLE ONLY ${tables.join(", ")} IN ${lockTableMode(mode)} MODE`);
  return out;
}

const pause = () => new Promise((r) => setTimeout(r, POLL_MS));
