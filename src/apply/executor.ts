import type pg from "pg";
import { pgErrorWords } from "../errors.js";
import { redact } from "../redact.js";
import type { History } from "./history/index.js";
import { describeBlocker, findBlockers, shorten, terminateBlockers } from "./preflight.js";
import { backoffDelay, sleep } from "./retry.js";
import { statementFacts, type StatementFacts } from "./statements.js";
import type { AppliedMigration, ApplyEvent, ApplyFailure, Blocker, ExecutionResult, Migration, MigrationStatement } from "./types.js";

export type BlockerPolicy = "wait" | "abort" | "ask";
export type BlockerDecision = "wait" | "abort" | "cancel-blockers";

export interface ExecutorOptions {
  lockTimeoutMs: number;
  /** 0 = none */
  statementTimeoutMs: number;
  /** retries after a lock_timeout (so 1 + retries attempts) */
  retries: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  onBlocker: BlockerPolicy;
  /** policy "ask": the Slack thread (or a terminal prompt) decides */
  ask?: (blockers: Blocker[], where: { version: string; statement: number; sql: string }) => Promise<BlockerDecision>;
  onEvent: (e: ApplyEvent) => void;
  signal?: AbortSignal;
  /** recorded in the history (Slack user, or the OS user for the CLI) */
  appliedBy: string;
}

export interface ExecutorConnections {
  /** runs the migrations */
  client: pg.Client;
  /** preflight queries and cancels; also holds the target's apply lock */
  monitor: pg.Client;
}

/** Statement index of the marker that says "this migration has started". */
const MIGRATION_MARKER = -1;

class Stop extends Error {
  constructor(readonly reason: string, readonly failure?: ApplyFailure) {
    super(reason);
  }
}

interface RunState {
  step: number;
  steps: number;
  lockWaits: number;
  cleanups: string[];
  resolved: string[];
  clientPid: number;
}

/**
 * Run pending migrations in order. Each statement runs under lock_timeout/statement_timeout; a
 * lock_timeout is retried with backoff. Transactional migrations commit together with their history
 * rows; others run statement by statement with progress markers, so a crash can be resumed.
 * Never throws for a migration failure: the result says what applied and why it stopped.
 */
export async function executeMigrations(conn: ExecutorConnections, history: History, migrations: Migration[], opts: ExecutorOptions): Promise<ExecutionResult> {
  const { client } = conn;
  const pidRow = await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
  await client.query(`SET lock_timeout = ${Math.max(0, Math.round(opts.lockTimeoutMs))}`);
  await client.query(`SET statement_timeout = ${Math.max(0, Math.round(opts.statementTimeoutMs))}`);
  // A killed runner's session must not keep running (and holding locks) on the server.
  await client.query("SET client_connection_check_interval = 1000").catch(() => undefined);

  const state: RunState = {
    step: 0,
    steps: migrations.reduce((n, m) => n + m.statements.length, 0),
    lockWaits: 0,
    cleanups: [],
    resolved: [],
    clientPid: pidRow.rows[0]!.pid,
  };
  const cancel = () => void conn.monitor.query("SELECT pg_cancel_backend($1)", [state.clientPid]).catch(() => undefined);
  opts.signal?.addEventListener("abort", cancel, { once: true });
  const applied: AppliedMigration[] = [];
  try {
    for (const [i, m] of migrations.entries()) {
      checkCancelled(opts);
      opts.onEvent({ type: "migration-start", version: m.version, name: m.name, index: i + 1, of: migrations.length });
      const startedAt = new Date();
      const t0 = performance.now();
      const facts = m.statements.map((s) => statementFacts(s));
      const oneTransaction = m.txMode === "file" && m.statements.every((s) => s.transactional);
      if (oneTransaction) {
        await runInTransaction(conn, m, m.statements, facts, opts, state, (c) =>
          history.record(c, m, { startedAt, durationMs: performance.now() - t0, appliedBy: opts.appliedBy }),
        );
      } else {
        await runStepwise(conn, history, m, facts, opts, state);
        await client.query("BEGIN");
        try {
          await history.record(client, m, { startedAt, durationMs: performance.now() - t0, appliedBy: opts.appliedBy });
          await client.query("COMMIT");
        } catch (e) {
          await client.query("ROLLBACK").catch(() => undefined);
          throw e;
        }
      }
      const durationMs = performance.now() - t0;
      applied.push({ version: m.version, name: m.name, path: m.path, downPath: m.downPath, durationMs });
      opts.onEvent({ type: "migration-done", version: m.version, name: m.name, durationMs });
    }
    return { status: "applied", applied, cleanups: state.cleanups, resolved: state.resolved, lockWaits: state.lockWaits };
  } catch (e) {
    if (!(e instanceof Stop)) throw e;
    opts.onEvent({ type: "stopped", reason: e.reason });
    return { status: "stopped", applied, failure: e.failure, stopReason: e.reason, cleanups: state.cleanups, resolved: state.resolved, lockWaits: state.lockWaits };
  } finally {
    opts.signal?.removeEventListener("abort", cancel);
  }
}

function checkCancelled(opts: ExecutorOptions): void {
  if (opts.signal?.aborted) throw new Stop(`cancelled${opts.signal.reason ? ` by ${String(opts.signal.reason)}` : ""}`);
}

/** All statements plus `finish` (the history rows) in one transaction; a lock timeout retries the whole of it. */
async function runInTransaction(
  conn: ExecutorConnections, m: Migration, statements: MigrationStatement[], facts: StatementFacts[],
  opts: ExecutorOptions, state: RunState, finish: (c: pg.ClientBase) => Promise<void>,
): Promise<void> {
  const firstStep = state.step;
  for (let attempt = 1; ; attempt++) {
    state.step = firstStep;
    let current: MigrationStatement | undefined;
    await conn.client.query("BEGIN");
    try {
      for (const s of statements) {
        current = s;
        await preflight(conn, m, s, facts[s.index]!, opts, state);
        await runOne(conn.client, m, s, opts, state);
      }
      current = undefined;
      await finish(conn.client);
      await conn.client.query("COMMIT");
      return;
    } catch (e) {
      await conn.client.query("ROLLBACK").catch(() => undefined);
      if (e instanceof Stop) throw e;
      const s = current ?? statements[statements.length - 1]!;
      if (await shouldRetry(e, attempt, m, s, opts, state)) continue;
      throw failure(e, m, s, opts);
    }
  }
}

/** Statement by statement, with markers: transactional ones commit with their "done" marker. */
async function runStepwise(conn: ExecutorConnections, history: History, m: Migration, facts: StatementFacts[], opts: ExecutorOptions, state: RunState): Promise<void> {
  const markers = await readMarkers(conn.client, history, m);
  if (markers.size === 0) {
    // The migration-level marker comes first, so a crash right after the tool's own "started"
    // mark (golang-migrate's dirty flag) is still recognised as ours and resumed.
    await setMarker(conn.client, history, m, MIGRATION_MARKER, "started");
    await history.markStarted(conn.client, m);
  }
  for (const s of m.statements) {
    checkCancelled(opts);
    const f = facts[s.index]!;
    const marker = markers.get(s.index);
    if (marker === "done") {
      state.step++;
      continue;
    }
    if (marker === "started" && (await resolveInterrupted(conn, m, s, f, opts, state)) === "done") {
      await setMarker(conn.client, history, m, s.index, "done");
      state.step++;
      continue;
    }
    if (s.transactional) {
      await runInTransaction(conn, m, [s], facts, opts, state, (c) => setMarker(c, history, m, s.index, "done"));
    } else {
      await setMarker(conn.client, history, m, s.index, "started");
      try {
        await runAlone(conn, m, s, f, opts, state);
      } catch (e) {
        // Postgres answered with an error: the statement did not take effect (its INVALID index is cleaned up).
        if (e instanceof Stop && e.failure) await clearMarker(conn.client, history, m, s.index);
        throw e;
      }
      await setMarker(conn.client, history, m, s.index, "done");
    }
  }
}

/** A statement that cannot run in a transaction: alone, retried on lock timeout, INVALID index cleaned up. */
async function runAlone(conn: ExecutorConnections, m: Migration, s: MigrationStatement, f: StatementFacts, opts: ExecutorOptions, state: RunState): Promise<void> {
  const firstStep = state.step;
  for (let attempt = 1; ; attempt++) {
    state.step = firstStep;
    const invalidBefore = f.buildsIndexConcurrently ? await invalidIndexes(conn.monitor) : [];
    try {
      await preflight(conn, m, s, f, opts, state);
      await runOne(conn.client, m, s, opts, state);
      return;
    } catch (e) {
      if (e instanceof Stop) throw e;
      if (f.buildsIndexConcurrently) await dropNewInvalidIndexes(conn, m, s, invalidBefore, opts, state);
      if (await shouldRetry(e, attempt, m, s, opts, state)) continue;
      throw failure(e, m, s, opts);
    }
  }
}

async function runOne(client: pg.Client, m: Migration, s: MigrationStatement, opts: ExecutorOptions, state: RunState): Promise<void> {
  state.step++;
  opts.onEvent({ type: "statement-start", step: state.step, steps: state.steps, version: m.version, statement: s.index, sql: shorten(s.sql, 200) });
  const t0 = performance.now();
  await client.query(s.sql);
  opts.onEvent({ type: "statement-done", step: state.step, steps: state.steps, version: m.version, statement: s.index, durationMs: performance.now() - t0 });
}

async function shouldRetry(e: unknown, attempt: number, m: Migration, s: MigrationStatement, opts: ExecutorOptions, state: RunState): Promise<boolean> {
  const code = (e as { code?: string }).code;
  if (code !== "55P03" || attempt > opts.retries || opts.signal?.aborted) return false;
  state.lockWaits++;
  const delayMs = backoffDelay(attempt, { baseMs: opts.backoffBaseMs, maxMs: opts.backoffMaxMs });
  opts.onEvent({ type: "retry", version: m.version, statement: s.index, attempt, of: opts.retries, delayMs, reason: pgErrorWords(code)! });
  await sleep(delayMs, opts.signal);
  return !opts.signal?.aborted;
}

function failure(e: unknown, m: Migration, s: MigrationStatement, opts: ExecutorOptions): Stop {
  const err = e as { code?: string; message?: string };
  if (opts.signal?.aborted && err.code === "57014") return new Stop(`cancelled${opts.signal.reason ? ` by ${String(opts.signal.reason)}` : ""}`);
  const message = redact(err.message ?? String(e));
  const words = pgErrorWords(err.code) ?? message;
  const retried = err.code === "55P03" ? ` after ${opts.retries} retries` : "";
  return new Stop(`${m.path} statement ${s.index + 1} failed${retried}: ${words}`, {
    version: m.version, name: m.name, statement: s.index, sql: shorten(s.sql, 500), code: err.code, message, words,
  });
}

async function preflight(conn: ExecutorConnections, m: Migration, s: MigrationStatement, f: StatementFacts, opts: ExecutorOptions, state: RunState): Promise<void> {
  if (f.strongLocks.length === 0) return;
  const blockers: Blocker[] = [];
  for (const lock of f.strongLocks) blockers.push(...(await findBlockers(conn.monitor, [lock.relation], lock.mode, [state.clientPid])));
  if (blockers.length === 0) return;
  let action: BlockerDecision = opts.onBlocker === "abort" ? "abort" : "wait";
  if (opts.onBlocker === "ask") action = opts.ask ? await opts.ask(blockers, { version: m.version, statement: s.index, sql: shorten(s.sql) }) : "abort";
  opts.onEvent({ type: "preflight", version: m.version, statement: s.index, blockers, action });
  if (action === "abort") throw new Stop(`blocked before ${m.path} statement ${s.index + 1}: ${blockers.map(describeBlocker).join("; ")}`);
  if (action === "cancel-blockers") await terminateBlockers(conn.monitor, blockers);
}

async function invalidIndexes(client: pg.ClientBase): Promise<string[]> {
  const r = await client.query<{ name: string }>(
    `SELECT format('%I.%I', n.nspname, c.relname) AS name FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace WHERE NOT i.indisvalid`,
  );
  return r.rows.map((row) => row.name);
}

async function dropNewInvalidIndexes(conn: ExecutorConnections, m: Migration, s: MigrationStatement, before: string[], opts: ExecutorOptions, state: RunState): Promise<void> {
  for (const name of (await invalidIndexes(conn.monitor)).filter((n) => !before.includes(n))) {
    await conn.monitor.query(`DROP INDEX CONCURRENTLY IF EXISTS ${name}`);
    const message = `dropped the INVALID index ${name} left by the failed statement`;
    state.cleanups.push(message);
    opts.onEvent({ type: "cleanup", version: m.version, statement: s.index, message });
  }
}

/**
 * A non-transactional statement was running when the previous runner died. Decide from the
 * database whether it took effect; clean up what it left half-done; or stop and say so.
 */
async function resolveInterrupted(conn: ExecutorConnections, m: Migration, s: MigrationStatement, f: StatementFacts, opts: ExecutorOptions, state: RunState): Promise<"done" | "rerun"> {
  const say = (message: string) => {
    state.resolved.push(message);
    opts.onEvent({ type: "resolved", version: m.version, statement: s.index, message });
  };
  if (f.kind === "create-index" && f.buildsIndexConcurrently) {
    const candidates = f.indexName ? [f.indexName] : [];
    const r = await conn.monitor.query<{ name: string; valid: boolean }>(
      `SELECT format('%I.%I', n.nspname, c.relname) AS name, i.indisvalid AS valid
         FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE i.indexrelid = ANY(SELECT to_regclass(x) FROM unnest($1::text[]) x)
           OR (cardinality($1::text[]) = 0 AND i.indrelid = to_regclass($2) AND NOT i.indisvalid)`,
      [candidates, f.table ?? ""],
    );
    const index = r.rows[0];
    if (index?.valid) {
      say(`statement ${s.index + 1} (interrupted) had finished: index ${index.name} is valid`);
      return "done";
    }
    for (const row of r.rows) {
      await conn.monitor.query(`DROP INDEX CONCURRENTLY IF EXISTS ${row.name}`);
      say(`statement ${s.index + 1} was interrupted: dropped the INVALID index ${row.name}; building it again`);
    }
    if (r.rows.length === 0) say(`statement ${s.index + 1} was interrupted before it created anything; running it again`);
    return "rerun";
  }
  if (f.rerunnable) {
    say(`statement ${s.index + 1} was interrupted; it is safe to run again`);
    return "rerun";
  }
  throw new Stop(
    `${m.path} statement ${s.index + 1} was interrupted by a crash and Lockstep cannot tell whether it took effect: ` +
      `check the database by hand (${shorten(s.sql, 100)}), then mark it in ${"the steps table"} and apply again`,
  );
}

async function readMarkers(client: pg.ClientBase, history: History, m: Migration): Promise<Map<number, "started" | "done">> {
  const r = await client.query<{ statement: number; status: "started" | "done" }>(`SELECT statement, status FROM ${history.stepsTable} WHERE version = $1`, [m.version]);
  return new Map(r.rows.map((row) => [row.statement, row.status]));
}

async function setMarker(client: pg.ClientBase, history: History, m: Migration, statement: number, status: "started" | "done"): Promise<void> {
  await client.query(
    `INSERT INTO ${history.stepsTable} (version, statement, status) VALUES ($1, $2, $3)
     ON CONFLICT (version, statement) DO UPDATE SET status = EXCLUDED.status, updated_at = now()`,
    [m.version, statement, status],
  );
}

async function clearMarker(client: pg.ClientBase, history: History, m: Migration, statement: number): Promise<void> {
  await client.query(`DELETE FROM ${history.stepsTable} WHERE version = $1 AND statement = $2`, [m.version, statement]);
}
