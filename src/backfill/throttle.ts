import type pg from "pg";
import type { QueryRunner } from "../db/serial.js";

/**
 * Batch size that keeps batches within the target duration: it aims below the target (AIM of
 * it), so a batch somewhat slower than the last one (a checkpoint, a busier server) still fits.
 * Starts small, grows at most 4x per batch (2x once within a quarter of the aim), and shrinks at
 * once when a batch runs long. A fixed --batch-size disables adaptation.
 */
export class BatchSizer {
  static readonly AIM = 0.5;
  private size: number;
  constructor(
    private readonly opts: { fixed?: number; targetMs: number; initial?: number; min?: number; max?: number },
  ) {
    this.size = opts.fixed ?? opts.initial ?? 100;
  }

  get current(): number {
    return this.size;
  }

  /** False with a fixed --batch-size: then every batch has exactly that size. */
  get adaptive(): boolean {
    return !this.opts.fixed;
  }

  /**
   * Feed the duration of a batch of `keys` keys. A `partial` batch (the shard's last, shorter
   * than asked) says nothing about speed.
   */
  observe(keys: number, ms: number, opts: { partial?: boolean } = {}): void {
    if (this.opts.fixed || opts.partial) return;
    const min = this.opts.min ?? 10;
    const max = this.opts.max ?? 500_000;
    const aimMs = this.opts.targetMs * BatchSizer.AIM;
    const ideal = ms > 0 ? (keys * aimMs) / ms : keys * 4;
    const growth = ideal > keys * 4 ? 4 : 2;
    this.size = Math.round(Math.min(max, Math.max(min, keys / 4, Math.min(ideal, keys * growth))));
  }

  /** After a timeout: halve. */
  shrink(): void {
    this.size = Math.max(this.opts.min ?? 10, Math.floor(this.size / 2));
  }

  /** Never scan more keys per batch than the rate limit allows per target duration. */
  cap(limit: number): void {
    this.size = Math.max(1, Math.min(this.size, Math.floor(limit)));
  }
}

/** Replication lag in milliseconds (null: no replicas). Injectable, so tests need no replica. */
export type LagSource = () => Promise<number | null>;

export function replicationLagSource(client: pg.Client): LagSource {
  return async () => {
    const r = await client.query<{ lag_ms: number | null }>(
      `SELECT max(extract(epoch FROM greatest(write_lag, flush_lag, replay_lag)) * 1000)::float8 AS lag_ms FROM pg_stat_replication`,
    );
    return r.rows[0]?.lag_ms ?? null;
  };
}

/**
 * Other sessions on the table that a backfill should yield to: sessions waiting for a lock on
 * it (a migration queued behind us), or transactions holding a lock on it for longer than
 * `maxXactAgeS` (they hold back vacuum, so dead rows pile up). `ownPids`: our other walkers.
 */
export async function tableContention(client: QueryRunner, tableOid: number, maxXactAgeS: number, ownPids: number[] = []): Promise<string | null> {
  const r = await client.query<{ pid: number; mode: string; granted: boolean; age_s: number | null }>(
    `SELECT l.pid, l.mode, l.granted, extract(epoch FROM now() - a.xact_start)::float8 AS age_s
       FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'relation' AND l.relation = $1 AND l.pid <> pg_backend_pid() AND l.pid <> ALL($3::int[])
        AND (NOT l.granted OR l.mode IN ('ShareLock', 'ShareRowExclusiveLock', 'ExclusiveLock', 'AccessExclusiveLock')
             OR a.xact_start < now() - make_interval(secs => $2))
      ORDER BY l.granted, a.xact_start LIMIT 1`,
    [tableOid, maxXactAgeS, ownPids],
  );
  const row = r.rows[0];
  if (!row) return null;
  if (!row.granted) return `lock wait: pid ${row.pid} waits for ${row.mode} on the table`;
  if (row.mode !== "AccessShareLock" && row.mode !== "RowShareLock" && row.mode !== "RowExclusiveLock" && row.mode !== "ShareUpdateExclusiveLock") {
    return `lock held: pid ${row.pid} holds ${row.mode} on the table`;
  }
  return `long-running transaction: pid ${row.pid} open for ${Math.round(row.age_s ?? 0)} s on the table`;
}
