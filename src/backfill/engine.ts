import type pg from "pg";
import { connect } from "../db/connection.js";
import { SerialClient, type QueryRunner } from "../db/serial.js";
import { UserError, isUnavailable, pgErrorWords } from "../errors.js";
import { redact } from "../redact.js";
import { STORE_SCHEMA } from "../store/migrations.js";
import { parseBackfillExpressions, type BackfillExpressions } from "./expressions.js";
import {
  acquireRunLock, batchCheckpointQuery, createRun, discardRun, findResumable, getRun, readControl, setRunState, startPass,
  type BackfillRun, type RunControl, type Shard,
} from "./runs.js";
import { runKey, storableSpec, type BackfillSpec } from "./spec.js";
import { buildStatements, type BackfillStatements, type KeyValue } from "./statements.js";
import { assertNotVolatile, describeTable, explainUpdate, type TableInfo } from "./table.js";
import { BatchSizer, replicationLagSource, tableContention, type LagSource } from "./throttle.js";
import { nextWindowOpening, parseWindows } from "./windows.js";

/** How a run ended (or, for progress events, "running" / "throttled"). */
export type BackfillStatus = "done" | "paused" | "cancelled" | "failed";

/** One progress event. The engine emits one per batch and per throttle wait; pace a message with progressCadence(). */
export interface BackfillProgress {
  run_id: string;
  table: string;
  status: "running" | "throttled" | BackfillStatus;
  /** Rows changed, across resumes. */
  rows: number;
  /** Keys walked in this pass (approximate for the final partial batch). */
  scanned: number;
  estimated_total: number | null;
  batches: number;
  batch_size: number;
  last_batch_ms: number | null;
  max_batch_ms: number;
  rows_per_s: number;
  eta_s: number | null;
  pass: number;
  seconds: number;
  /** Why the run waits, in words (replication lag, lock wait, rate limit, window, ...). */
  throttle: string | null;
}

/** The final result (also the last JSON line of `lockstep backfill --format json`). */
export interface BackfillResult {
  status: BackfillStatus;
  rows: number;
  remaining: number | null;
  batches: number;
  seconds: number;
  rows_per_s: number;
  max_batch_ms: number;
  run_id: string;
  table: string;
  pass: number;
  /** Why it stopped early (pause, cancel, failure, window). */
  reason?: string;
  /** A window-paused run may resume at this time. */
  resume_at?: string;
  /** who asked for the pause or cancel (a Slack user id, or the CLI user) */
  stopped_by?: string;
  /** True when the run resumed from an earlier checkpoint. */
  resumed: boolean;
}

export interface BackfillOptions {
  spec: BackfillSpec;
  targetUrl: string;
  /** How the target is named in the state DB and in messages (a target name, or host:port/db). */
  targetLabel: string;
  /** The state database (migrated; openStore(url).pool). */
  state: pg.Pool;
  /** Resume this run (its spec must match); otherwise the same table+set+where resumes. */
  runId?: string;
  /** Discard an unfinished run of the same backfill and start over. */
  restart?: boolean;
  /** Who started it (CLI user, Slack user id); recorded. */
  actor?: string;
  /** The pg-boss job running it; recorded, so that a replica taking the run over cancels it. */
  jobId?: string;
  /** Run only inside these windows ("01:00-05:00"). */
  windows?: string[];
  /** true (CLI): wait for the next window. false (job): stop with status paused and resume_at. */
  waitForWindow?: boolean;
  /**
   * An explicit start or resume (CLI, Resume button) clears a pending pause request;
   * a job that merely continues honours it.
   */
  clearPause?: boolean;
  lagSource?: LagSource;
  onProgress?: (p: BackfillProgress) => void;
  /** Awaited after each committed batch (extension point; tests use it to interleave writes). */
  afterBatch?: (p: BackfillProgress) => Promise<void> | void;
  /** Stop cleanly (status paused) at the next batch boundary. */
  signal?: AbortSignal;
  /** Hand the run back (status queued) after this long, so a job can be re-enqueued. */
  sliceMs?: number;
  now?: () => Date;
  /** Throttle re-check interval. */
  pollMs?: number;
}

/** The validated, ready-to-run shape of a backfill on one target. */
export interface PreparedBackfill {
  info: TableInfo;
  exprs: BackfillExpressions;
  statements: BackfillStatements;
}

/**
 * Validate a backfill against its target before anything runs: parse --set/--where (line and
 * column), find the table and its key, refuse volatile functions, and let the target plan the
 * UPDATE (EXPLAIN). Throws UserError (exit 2) on any problem.
 */
export async function prepareBackfill(client: pg.Client, spec: BackfillSpec, opts: { saveOldTable?: string } = {}): Promise<PreparedBackfill> {
  const exprs = await parseBackfillExpressions(spec.set, spec.where);
  const info = await describeTable(client, spec.table, exprs.sets.map((s) => s.column));
  await assertNotVolatile(client, exprs);
  await explainUpdate(client, info, exprs, spec.lock_timeout_ms);
  return { info, exprs, statements: buildStatements(info, exprs, opts) };
}

/** `--dry-run`: validate and count the rows that need the change; nothing is written anywhere. */
export async function dryRunBackfill(targetUrl: string, spec: BackfillSpec): Promise<{ table: string; key: string[]; key_source: string; remaining: number; estimated_rows: number; statements: string[] }> {
  const client = await connect(targetUrl, { applicationName: "lockstep-backfill" });
  try {
    const prepared = await prepareBackfill(client, spec, { saveOldTable: spec.save_old ? "lockstep.backfill_old_<run>" : undefined });
    const r = await client.query<{ remaining: string }>(prepared.statements.remaining, [[]]);
    return {
      table: `${prepared.info.schema}.${prepared.info.name}`,
      key: prepared.info.key.map((k) => k.name),
      key_source: prepared.info.keySource,
      remaining: Number(r.rows[0]!.remaining),
      estimated_rows: prepared.info.estimatedRows,
      statements: [prepared.statements.upperBound(false, false), prepared.statements.update(false, false)].map((s) => s.trim().replace(/\s+/g, " ")),
    };
  } finally {
    await client.end();
  }
}

const MAX_PASSES = 3;
/** A batch that also checks convergence takes this share of the sizer's size. */
const CHECKED_BATCH_SHARE = 0.6;
/** A bound read ahead serves a batch up to this much larger than the sizer now asks for (upperBound). */
const AHEAD_OVER = 1.2;

/**
 * Run (or resume) a backfill to its end, a pause, a cancel or a failure. Validation problems
 * throw UserError before anything is written; once started, the outcome is returned, never thrown.
 */
export async function runBackfill(opts: BackfillOptions): Promise<BackfillResult> {
  const target = await connect(opts.targetUrl, { applicationName: "lockstep-backfill" });
  let lease: { release(): Promise<void> } | undefined;
  let stateClient: pg.PoolClient | undefined;
  try {
    const prepared = await prepareBackfill(target, opts.spec);
    const info = prepared.info;
    const key = runKey(opts.targetLabel, `${info.schema}.${info.name}`, opts.spec.set, opts.spec.where);

    let run = opts.runId ? await getRun(opts.state, opts.runId) : await findResumable(opts.state, key);
    if (opts.runId && !run) throw new UserError("usage", `no backfill run ${opts.runId}`);
    if (run && run.run_key !== key) throw new UserError("usage", `backfill ${run.id} is a different backfill (table, set or where differ)`);
    if (run && opts.restart) {
      await discardRun(opts.state, run.id, opts.actor ?? "cli");
      run = undefined;
    }
    run ??= await createRun(opts.state, {
      run_key: key, target: opts.targetLabel, table_name: `${info.schema}.${info.name}`, spec: storableSpec(opts.spec),
      estimated_rows: info.estimatedRows, created_by: opts.actor, save_old: opts.spec.save_old,
    });
    const statements = run.save_old_table ? buildStatements(prepared.info, prepared.exprs, { saveOldTable: run.save_old_table }) : prepared.statements;

    stateClient = await opts.state.connect();
    lease = await acquireRunLock(stateClient, run.id);
    run = (await getRun(stateClient, run.id))!;
    if (run.status === "done" || run.status === "cancelled") return finalResult(run, run.status, { reason: `already ${run.status}` });
    if (opts.clearPause && run.control === "pause") {
      await stateClient.query(`UPDATE ${STORE_SCHEMA}.backfill_runs SET control = 'run', control_by = $2, control_at = now() WHERE id = $1 AND control = 'pause'`, [run.id, opts.actor ?? "cli"]);
    }
    if (statements.saveOld) for (const ddl of statements.saveOld.create) await target.query(ddl);
    await setRunState(stateClient, run.id, {
      status: "running", error: null, throttle: null, estimated_rows: info.estimatedRows, spec: storableSpec(opts.spec), job_id: opts.jobId ?? null, finished: false,
    });
    const sameDatabase = await isStateDatabase(target, run);
    return await new Runner(opts, target, new SerialClient(stateClient), run, info, statements, sameDatabase).run();
  } finally {
    await lease?.release();
    stateClient?.release();
    await target.end().catch(() => undefined);
  }
}

/** The checkpoint can share the batch's transaction only when the state lives in the target DB. */
async function isStateDatabase(target: pg.Client, run: BackfillRun): Promise<boolean> {
  try {
    const r = await target.query<{ nonce: string }>(`SELECT nonce FROM ${STORE_SCHEMA}.backfill_runs WHERE id = $1`, [run.id]);
    return r.rows[0]?.nonce === run.nonce;
  } catch {
    return false;
  }
}

function finalResult(run: BackfillRun, status: BackfillStatus, extra: { reason?: string; resume_at?: string; remaining?: number | null; resumed?: boolean; stopped_by?: string } = {}): BackfillResult {
  return {
    status,
    rows: run.rows_done,
    remaining: extra.remaining ?? run.remaining,
    batches: run.batches,
    seconds: round(run.seconds, 3),
    rows_per_s: run.seconds > 0 ? Math.round(run.rows_done / run.seconds) : 0,
    max_batch_ms: round(run.max_batch_ms, 1),
    run_id: run.id,
    table: run.table_name,
    pass: run.pass,
    resumed: extra.resumed ?? false,
    ...(extra.reason ? { reason: extra.reason } : {}),
    ...(extra.resume_at ? { resume_at: extra.resume_at } : {}),
    ...(extra.stopped_by ? { stopped_by: extra.stopped_by } : {}),
  };
}

const controlOf = (r: pg.QueryResult): RunControl => (r.rows[0] as { control: RunControl } | undefined)?.control ?? "cancel";
const sameKey = (a: KeyValue, b: KeyValue) => a.length === b.length && a.every((v, i) => v === b[i]);
const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Stop {
  status: BackfillStatus | "queued";
  reason?: string;
  by?: string;
  remaining?: number;
  resumeAt?: string;
}

/** One walker: a shard of the key space, its own connections and batch size. */
interface Walker {
  index: number;
  /** Runs the batches. */
  client: pg.Client;
  /**
   * Reads ahead while a batch runs on `client`: the next batch's upper bound (an index walk of
   * batch-size keys) and the table's contention, so neither adds to the time between batches.
   */
  scout: SerialClient;
  sizer: BatchSizer;
  /** Batches this walker ran in this session. */
  batches: number;
  /** The next batch's upper bound, read ahead from `from` for `size` keys. */
  ahead: { from: KeyValue; size: number; upper: Promise<KeyValue | null> } | null;
  /** Contention on the table, read while the last batch ran; used once, before the next batch. */
  contention: Promise<string | null> | null;
  /** The last committed batch's range, for BackfillStatements.rangeRead() (tidy). */
  tidy: { first: boolean; values: KeyValue } | null;
  /** Range reads running on the scout, by purpose: one of each at a time (they are optional work). */
  reading: Set<"tidy" | "warm">;
}

/** A promise that is awaited later (or dropped): its rejection must not count as unhandled meanwhile. */
function later<T>(p: Promise<T>): Promise<T> {
  p.catch(() => undefined);
  return p;
}

class Runner {
  private readonly totals: { rows_done: number; rows_scanned: number; batches: number; batch_size: number; last_batch_ms: number; max_batch_ms: number; pass: number };
  private shards: Shard[];
  private readonly startedAt = Date.now();
  private readonly baseSeconds: number;
  private readonly lag: LagSource;
  private readonly windows;
  private throttle: string | null = null;
  private rowsThisSession = 0;
  private readonly resumed: boolean;
  /** The first stop any walker sees (pause, cancel, failure, ...); the others follow at their next batch boundary. */
  private stopping: Stop | null = null;
  private walkerPids: number[] = [];
  /** The transaction ids of this session's committed batches (see BackfillStatements.remaining). */
  private readonly batchXids: string[] = [];
  /** The run's control as the last checkpoint returned it; read (once) at the next batch boundary. */
  private controlSeen: RunControl | null = null;
  /**
   * The last batch's checkpoint in a separate state database, still on its way: the next batch
   * starts meanwhile, and awaits it (and its control) when it ends. A checkpoint lost to a crash
   * makes the resumed run repeat its batch, which finds nothing left to change.
   */
  private checkpointing: Promise<RunControl> | null = null;

  constructor(
    private readonly opts: BackfillOptions,
    private readonly target: pg.Client,
    private readonly state: SerialClient,
    private record: BackfillRun,
    private readonly info: TableInfo,
    private readonly sql: BackfillStatements,
    private readonly sameDatabase: boolean,
  ) {
    this.totals = {
      rows_done: record.rows_done, rows_scanned: record.rows_scanned, batches: record.batches, batch_size: record.batch_size ?? 0,
      last_batch_ms: record.last_batch_ms ?? 0, max_batch_ms: record.max_batch_ms, pass: record.pass,
    };
    this.shards = record.shards ?? [];
    this.resumed = record.batches > 0 || record.pass > 1;
    this.baseSeconds = record.seconds;
    this.lag = opts.lagSource ?? replicationLagSource(target);
    this.windows = parseWindows(opts.windows ?? []);
  }

  private newSizer(): BatchSizer {
    const spec = this.opts.spec;
    const targetMs = spec.target_batch_ms ?? 200;
    const sizer = new BatchSizer({
      fixed: spec.batch_size === "auto" ? undefined : spec.batch_size,
      targetMs,
      // A resumed run starts at half its last size rather than from scratch.
      initial: this.record.batch_size ? Math.max(100, Math.floor(this.record.batch_size / 2)) : 100,
    });
    if (spec.max_rows_per_s) sizer.cap(Math.max(1, (spec.max_rows_per_s * targetMs) / 1000));
    return sizer;
  }

  async run(): Promise<BackfillResult> {
    const extra: pg.Client[] = [];
    // Checkpoints in a separate state database need not wait for a WAL flush either: one lost to
    // a crash of that server makes the resumed run repeat a batch, which finds nothing left to change.
    if (!this.sameDatabase) await this.state.query("SET synchronous_commit = off");
    const connectTarget = async () => {
      const c = await connect(this.opts.targetUrl, { applicationName: "lockstep-backfill" });
      extra.push(c);
      return c;
    };
    try {
      if (this.shards.length === 0) {
        this.shards = await this.split();
        await startPass(this.state, this.record.id, this.totals.pass, this.shards);
      }
      const walkers: Walker[] = [];
      for (let i = 0; i < this.shards.length; i++) {
        const client = i === 0 ? this.target : await connectTarget();
        walkers.push({ index: i, client, scout: new SerialClient(await connectTarget()), sizer: this.newSizer(), batches: 0, ahead: null, contention: null, tidy: null, reading: new Set() });
      }
      this.walkerPids = walkers.flatMap((w) => [w.client, w.scout.client]).map((c) => (c as pg.Client & { processID: number }).processID);
      for (;;) {
        await Promise.all(walkers.map((w) => this.walk(w)));
        await this.checkpointed();
        if (this.stopping) return await this.finish(this.stopping);
        const remaining = await this.countRemaining();
        if (remaining === 0) return await this.finish({ status: "done", remaining: 0 });
        if (this.totals.pass >= MAX_PASSES) {
          return await this.finish({ status: "failed", reason: `${remaining} rows still need the change after ${MAX_PASSES} passes (rows keep changing behind the walk?)`, remaining });
        }
        // Rows changed or inserted behind the walk: sweep again (only those rows are touched).
        this.totals.pass += 1;
        this.totals.rows_scanned = 0;
        this.shards = this.shards.map((s) => ({ ...s, last: null }));
        await startPass(this.state, this.record.id, this.totals.pass, this.shards);
      }
    } catch (e) {
      return await this.finish({ status: "failed", reason: describeError(e) });
    } finally {
      await Promise.all(extra.map((c) => c.end().catch(() => undefined)));
    }
  }

  /** Shards for parallel walkers: split points at even positions of the key index. */
  private async split(): Promise<Shard[]> {
    const workers = this.opts.spec.workers;
    const rows = this.info.estimatedRows;
    if (workers <= 1 || rows < workers * 10_000) return [{ from: null, to: null, last: null }];
    const points: KeyValue[] = [];
    for (let i = 1; i < workers; i++) {
      const r = await this.target.query<string[]>({ text: this.sql.splitKey, values: [Math.floor((i * rows) / workers)], rowMode: "array" });
      const key = r.rows[0];
      if (key && JSON.stringify(key) !== JSON.stringify(points.at(-1))) points.push(key);
    }
    const bounds = [null, ...points, null];
    return bounds.slice(0, -1).map((from, i) => ({ from, to: bounds[i + 1]!, last: null }));
  }

  private async walk(w: Walker): Promise<void> {
    try {
      for (;;) {
        if (this.stopping) return;
        const stop = await this.checkStop();
        if (stop) {
          this.stopping ??= stop;
          return;
        }
        if (await this.waitIfThrottled(w)) continue;
        const more = await this.batchWithRetries(w);
        if (!more) return;
      }
    } catch (e) {
      this.stopping ??= { status: "failed", reason: e instanceof UserError ? e.message : describeError(e) };
    }
  }

  private elapsedSeconds(): number {
    return this.baseSeconds + (Date.now() - this.startedAt) / 1000;
  }

  private async checkStop(): Promise<Stop | null> {
    if (this.opts.signal?.aborted) return { status: "paused", reason: "interrupted" };
    const control = this.controlSeen ?? (await readControl(this.state, this.record.id));
    this.controlSeen = null;
    if (control === "cancel" || control === "pause") {
      const by = await this.by();
      return { status: control === "cancel" ? "cancelled" : "paused", reason: `${control === "cancel" ? "cancelled" : "paused"}${by ? ` by ${by}` : ""}`, ...(by ? { by } : {}) };
    }
    if (this.opts.sliceMs !== undefined && Date.now() - this.startedAt >= this.opts.sliceMs) return { status: "queued", reason: "time slice over" };
    const closed = nextWindowOpening(this.windows, this.opts.now?.() ?? new Date());
    if (closed) {
      const reason = `outside window ${closed.window.text}, opens ${closed.opensAt.toISOString()}`;
      if (!(this.opts.waitForWindow ?? true)) return { status: "paused", reason, resumeAt: closed.opensAt.toISOString() };
      await this.throttled(reason, Math.min(60_000, Math.max(100, closed.opensAt.getTime() - Date.now())));
      return this.checkStop();
    }
    return null;
  }

  private async by(): Promise<string | undefined> {
    const r = await this.state.query<{ control_by: string | null }>(`SELECT control_by FROM ${STORE_SCHEMA}.backfill_runs WHERE id = $1`, [this.record.id]);
    return r.rows[0]?.control_by ?? undefined;
  }

  /** Replication lag and table contention: wait (re-checking control) while either is present. */
  private async waitIfThrottled(w: Walker): Promise<boolean> {
    const spec = this.opts.spec;
    if (spec.max_replication_lag_ms !== undefined) {
      const lag = await this.lag();
      if (lag !== null && lag > spec.max_replication_lag_ms) {
        await this.throttled(`replication lag ${(lag / 1000).toFixed(1)} s > ${(spec.max_replication_lag_ms / 1000).toFixed(1)} s`);
        return true;
      }
    }
    const contention = await (w.contention ?? this.readContention(w));
    w.contention = null;
    if (contention) {
      await this.throttled(contention);
      return true;
    }
    if (this.throttle) {
      this.throttle = null;
      await setRunState(this.state, this.record.id, { throttle: null });
    }
    return false;
  }

  private readContention(w: Walker): Promise<string | null> {
    return tableContention(w.scout, this.info.oid, this.opts.spec.max_xact_age_s, this.walkerPids);
  }

  private async throttled(reason: string, waitMs = this.opts.pollMs ?? 250): Promise<void> {
    if (reason !== this.throttle) {
      this.throttle = reason;
      await setRunState(this.state, this.record.id, { throttle: reason });
    }
    this.emit("throttled", this.totals.batch_size);
    await sleep(waitMs);
  }

  /** One batch, retried with backoff on lock and statement timeouts; false when the shard is done. */
  private async batchWithRetries(w: Walker): Promise<boolean> {
    const retries = this.opts.spec.retries;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.batch(w);
      } catch (e) {
        await w.client.query("ROLLBACK").catch(() => undefined);
        const code = (e as { code?: string }).code;
        if (code === "57014") w.sizer.shrink();
        if ((code === "55P03" || code === "57014" || code === "40P01") && attempt < retries) {
          const wait = Math.min(10_000, 100 * 2 ** attempt) * (0.5 + Math.random() / 2);
          await this.throttled(`${pgErrorWords(code)}; retry ${attempt + 1}/${retries}`, wait);
          if (this.stopping || (await this.checkStop())) return true;
          continue;
        }
        throw e;
      }
    }
  }

  private async batch(w: Walker): Promise<boolean> {
    const shard = this.shards[w.index]!;
    const start = shard.last ?? shard.from;
    const first = start === null;
    const last = start ?? [];
    const spec = this.opts.spec;
    const client = w.client;
    // The bound is found before the transaction (an index-only walk; rows inserted in between
    // fall inside the range anyway), usually read ahead while the previous batch ran.
    // Convergence is checked on each walker's first batches of a session and every 64th after;
    // the check costs a CTE over the batch (+20-50%), so an adaptive checked batch is smaller.
    const check = w.batches < 2 || w.batches % 64 === 0;
    const shrink = check && w.sizer.adaptive;
    const bound = await this.upperBound(w, start, shrink ? Math.max(1, Math.round(w.sizer.current * CHECKED_BATCH_SHARE)) : w.sizer.current);
    if (!bound) return false;
    const { upper, size, partial } = bound;
    const scanned = partial ? Math.max(1, Math.min(size, (this.info.estimatedRows || size) - this.totals.rows_scanned)) : size;
    if (!partial) {
      const next = later(this.keyAfter(w.scout, w, upper, w.sizer.current));
      w.ahead = { from: upper, size: w.sizer.current, upper: next };
      void next.then((to) => to && this.readRange(w, "warm", { first: false, values: [...upper, ...to] }), () => undefined);
    }
    w.contention = later(this.readContention(w));
    this.tidyLastBatch(w);
    const t0 = performance.now();
    // A bitmap scan of the key range collects the rows before the first is updated, then visits
    // the heap in page order: measured ~20% faster than an index scan, which also steps over the
    // index entries of the new row versions, and never a sequential scan of the whole table.
    // Asynchronous commit: a batch lost to a server crash is lost together with its checkpoint
    // when the state lives in the target, and otherwise found by the final verification and
    // swept by the next pass, so no row is missed; meanwhile no batch waits for a WAL flush.
    const began = (await client.query(
      `BEGIN; SET LOCAL lock_timeout = ${spec.lock_timeout_ms}; SET LOCAL statement_timeout = ${spec.statement_timeout_ms}; ` +
        "SET LOCAL enable_seqscan = off; SET LOCAL enable_indexscan = off; SET LOCAL synchronous_commit = off; " +
        "SELECT (txid_current() % 4294967296)::text AS xid",
    )) as unknown as pg.QueryResult<{ xid: string }>[];
    w.batches++;
    const r = await client.query<{ rows: number; again: number }>({ name: `lockstep_bf_up_${+first}${+check}`, text: this.sql.update(first, check), values: [...last, ...upper] });
    const { rows, again } = r.rows[0] ?? { rows: r.rowCount ?? 0, again: 0 };
    if (again > 0) {
      await client.query("ROLLBACK");
      throw new UserError("non-convergent", `backfill refused: after the update, ${again} of ${rows} rows would still need it (the expression changes its own input, e.g. n = n + 1), so repeating a batch would change them again; nothing of this batch was kept`, {
        hint: "add a --where that excludes rows already done, or set a column from other columns",
      });
    }
    const checkpoint = { shard: w.index, last: upper, rows, scanned, batch_size: size, batch_ms: performance.now() - t0, seconds: this.elapsedSeconds() };
    if (this.sameDatabase) this.controlSeen = controlOf(await client.query(batchCheckpointQuery(this.record.id, checkpoint)));
    await client.query("COMMIT");
    const batchMs = performance.now() - t0;
    if (!this.sameDatabase) {
      const previous = this.checkpointing;
      this.checkpointing = later(this.state.query(batchCheckpointQuery(this.record.id, { ...checkpoint, batch_ms: batchMs })).then(controlOf));
      if (previous) this.controlSeen = await previous;
    }
    shard.last = upper;
    w.tidy = { first, values: [...last, ...upper] };
    this.batchXids.push(began.at(-1)!.rows[0]!.xid);
    Object.assign(this.totals, {
      rows_done: this.totals.rows_done + rows,
      rows_scanned: this.totals.rows_scanned + scanned,
      batches: this.totals.batches + 1,
      batch_size: size,
      last_batch_ms: batchMs,
      max_batch_ms: Math.max(this.totals.max_batch_ms, batchMs),
    });
    this.rowsThisSession += rows;
    w.sizer.observe(size, batchMs, { partial: partial || check });
    const progress = this.emit("running", w.sizer.current);
    if (this.opts.afterBatch) {
      await this.opts.afterBatch(progress);
      this.controlSeen = null; // the hook may have changed anything, the run's control included
    }
    await this.pace();
    return true;
  }

  /** Wait for the checkpoint still on its way (its failure fails the run). */
  private async checkpointed(): Promise<void> {
    const pending = this.checkpointing;
    this.checkpointing = null;
    if (pending) this.controlSeen = await pending;
  }

  /**
   * Prune the last batch's dead row versions on the scout while this batch runs: queued after the
   * next batch's read-ahead.
   */
  private tidyLastBatch(w: Walker): void {
    const range = w.tidy;
    w.tidy = null;
    if (range) this.readRange(w, "tidy", range);
  }

  /**
   * Read a key range on the scout while a batch runs on the walker's connection, on another core
   * of the server: "tidy" re-reads the last committed batch's range (reading a heap page prunes
   * the row versions the batch left dead on it), "warm" the next batch's (its heap and index
   * pages are then in shared buffers when the batch runs). Optional work, so skipped while the
   * previous read of the same purpose still runs.
   */
  private readRange(w: Walker, purpose: "tidy" | "warm", range: { first: boolean; values: KeyValue }): void {
    if (w.reading.has(purpose)) return;
    w.reading.add(purpose);
    w.scout
      .query({ name: `lockstep_bf_range_${+range.first}`, text: this.sql.rangeRead(range.first), values: range.values })
      .finally(() => w.reading.delete(purpose))
      .catch(() => undefined);
  }

  /**
   * The upper key of the batch after `start` (null: the shard's start): the key `size` entries
   * on, or the shard's last key when fewer remain (`partial`); null when nothing is left. The
   * read-ahead bound is used when it starts at `start` and its size is near the sizer's current
   * size (it was read before the last batch's timing was known): up to AHEAD_OVER times larger
   * (the sizer aims at half the target, and keeps adjusting by a few percent either way; reading
   * a new bound on the walker's connection would cost ~3 ms between batches), down to 3/4 of it.
   */
  private async upperBound(w: Walker, start: KeyValue | null, size: number): Promise<{ upper: KeyValue; size: number; partial: boolean } | null> {
    const ahead = w.ahead;
    w.ahead = null;
    let upper: KeyValue | null;
    if (ahead && start && sameKey(ahead.from, start) && ahead.size <= size * AHEAD_OVER && ahead.size >= size * 0.75) {
      size = ahead.size;
      upper = await ahead.upper;
    } else {
      upper = await this.keyAfter(w.client, w, start, size);
    }
    if (upper) return { upper, size, partial: false };
    const first = start === null;
    const to = this.shards[w.index]!.to;
    const lastKey = await this.keyQuery(w.client, `lk_${+first}${+(to !== null)}`, this.sql.lastKey(first, to !== null), [...(start ?? []), ...(to ?? [])]);
    return lastKey ? { upper: lastKey, size, partial: true } : null;
  }

  /** The key `size` entries after `start` (null: the shard's start) in w's shard; null past its end. */
  private keyAfter(client: QueryRunner, w: Walker, start: KeyValue | null, size: number): Promise<KeyValue | null> {
    const first = start === null;
    const to = this.shards[w.index]!.to;
    return this.keyQuery(client, `ub_${+first}${+(to !== null)}`, this.sql.upperBound(first, to !== null), [...(start ?? []), ...(to ?? []), size - 1]);
  }

  private async keyQuery(client: QueryRunner, name: string, text: string, values: unknown[]): Promise<KeyValue | null> {
    const r = await client.query<string[]>({ name: `lockstep_bf_${name}`, text, values, rowMode: "array" });
    return r.rows[0] ?? null;
  }

  /** --max-rows-per-s and --sleep-ms, after a batch. */
  private async pace(): Promise<void> {
    const spec = this.opts.spec;
    if (spec.max_rows_per_s) {
      const due = (this.rowsThisSession / spec.max_rows_per_s) * 1000 - (Date.now() - this.startedAt);
      if (due > 0) {
        this.throttle = `rate limit ${spec.max_rows_per_s} rows/s`;
        this.emit("throttled", this.totals.batch_size);
        await sleep(due);
        this.controlSeen = null;
      }
    }
    if (spec.sleep_ms > 0) {
      await sleep(spec.sleep_ms);
      this.controlSeen = null;
    }
  }

  private async countRemaining(): Promise<number> {
    const r = await this.target.query<{ remaining: string }>(this.sql.remaining, [this.batchXids]);
    return Number(r.rows[0]!.remaining);
  }

  private progress(status: BackfillProgress["status"], batchSize: number): BackfillProgress {
    const seconds = this.elapsedSeconds();
    const sessionSeconds = (Date.now() - this.startedAt) / 1000;
    const scanRate = sessionSeconds > 0 ? this.totals.rows_scanned / sessionSeconds : 0;
    const total = this.info.estimatedRows || null;
    return {
      run_id: this.record.id,
      table: this.record.table_name,
      status,
      rows: this.totals.rows_done,
      scanned: this.totals.rows_scanned,
      estimated_total: total,
      batches: this.totals.batches,
      batch_size: batchSize,
      last_batch_ms: this.totals.batches ? round(this.totals.last_batch_ms, 1) : null,
      max_batch_ms: round(this.totals.max_batch_ms, 1),
      rows_per_s: seconds > 0 ? Math.round(this.totals.rows_done / seconds) : 0,
      eta_s: total && scanRate > 0 ? Math.max(0, Math.round((total - this.totals.rows_scanned) / scanRate)) : null,
      pass: this.totals.pass,
      seconds: round(seconds, 3),
      throttle: this.throttle,
    };
  }

  private emit(status: BackfillProgress["status"], batchSize: number): BackfillProgress {
    const p = this.progress(status, batchSize);
    this.opts.onProgress?.(p);
    return p;
  }

  private async finish(stop: Stop): Promise<BackfillResult> {
    const { status, reason, remaining, resumeAt, by } = stop;
    await this.state.query("RESET synchronous_commit");
    await setRunState(this.state, this.record.id, {
      status,
      seconds: this.elapsedSeconds(),
      throttle: status === "paused" || status === "queued" ? (reason ?? null) : null,
      error: status === "failed" ? (reason ?? null) : null,
      ...(remaining !== undefined ? { remaining } : {}),
      finished: status === "done" || status === "cancelled",
    });
    this.record = (await getRun(this.state, this.record.id))!;
    const result = finalResult(this.record, status === "queued" ? "paused" : status, { reason, resume_at: resumeAt, resumed: this.resumed, stopped_by: by });
    this.opts.onProgress?.({ ...this.progress(result.status, this.totals.batch_size), throttle: reason ?? null });
    return result;
  }
}

function describeError(e: unknown): string {
  const err = e as { code?: string; message?: string };
  // a restart or outage of the target: say so, and that the run resumes from its checkpoint
  if (isUnavailable(e) || /not queryable|Connection terminated/i.test(err.message ?? "")) {
    return redact(`the target database went away (restarted or unreachable): ${err.message ?? String(e)}; the run resumes from its last checkpoint when started again`);
  }
  const words = pgErrorWords(err.code);
  return redact(words ? `${words}: ${err.message}` : (err.message ?? String(e)));
}
