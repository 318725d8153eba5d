import path from "node:path";
import type pg from "pg";
import { durationMs, getTarget, type LoadedConfig, type TargetConfig } from "../config.js";
import { connect, resolveDatabaseUrl } from "../db/connection.js";
import { contentHash } from "../approval/content-hash.js";
import { executeMigrations, type BlockerDecision } from "./executor.js";
import { openHistory, parseTableName, type History } from "./history/index.js";
import { loadMigrations } from "./source.js";
import { takeSnapshot } from "./snapshot.js";
import { tryLockTarget, unlockTarget } from "./target-lock.js";
import type { AppliedMigration, ApplyEvent, ApplyFailure, Blocker, Migration } from "./types.js";

export interface MigrationRef {
  version: string;
  name: string;
  path: string;
  statements: number;
  transactional: boolean;
}

/** What an apply would do (dry run) or did. The JSON shape of `lockstep apply --format json`. */
export interface ApplyOutcome {
  target: string;
  status: "applied" | "nothing-to-do" | "dry-run" | "stopped" | "refused" | "busy";
  /** the history kept in step besides Lockstep's own table */
  history: string;
  pending: MigrationRef[];
  applied: AppliedMigration[];
  failure?: ApplyFailure;
  /** why it stopped or was refused */
  reason?: string;
  hint?: string;
  contentHash?: string;
  cleanups: string[];
  resolved: string[];
  lockWaits: number;
  /** the rollback of what applied, newest first: the down files the layout provides */
  rollback: Array<{ version: string; downPath?: string; note: string }>;
  jobId?: string;
  durationMs: number;
}

export interface TargetContext {
  name: string;
  target: TargetConfig;
  url: string;
  /** the migrations directory's base (the config file's folder, else cwd) */
  baseDir: string;
}

export function targetContext(loaded: LoadedConfig, name: string, env: NodeJS.ProcessEnv, cwd: string): TargetContext {
  const target = getTarget(loaded.config, name);
  const url = resolveDatabaseUrl({ target: name }, loaded.config, env)!;
  return { name, target, url, baseDir: loaded.path ? path.dirname(loaded.path) : cwd };
}

function refs(ms: Migration[]): MigrationRef[] {
  return ms.map((m) => ({ version: m.version, name: m.name, path: m.path, statements: m.statements.length, transactional: m.txMode === "file" && m.statements.every((s) => s.transactional) }));
}

function emptyOutcome(tc: TargetContext, status: ApplyOutcome["status"], extra: Partial<ApplyOutcome> = {}): ApplyOutcome {
  return { target: tc.name, status, history: "lockstep", pending: [], applied: [], cleanups: [], resolved: [], lockWaits: 0, rollback: [], durationMs: 0, ...extra };
}

export interface Inspection {
  history: History;
  local: Migration[];
  pending: Migration[];
  /** deployed migrations whose file changed since */
  edited: Migration[];
  /** refusal before anything runs (edited deployed migration, unfaithful history) */
  refusal?: { reason: string; hint?: string };
  contentHash: string;
}

/** Read the target's history and the local files: what is pending, and whether applying is allowed. */
export async function inspectTarget(client: pg.ClientBase, tc: TargetContext, opts: { create: boolean; only?: string[] }): Promise<Inspection> {
  const local = await loadMigrations(tc.target, tc.baseDir);
  const history = await openHistory(client, local, { layout: local[0]?.layout ?? "plain", mode: tc.target.apply.history, table: tc.target.apply.history_table, create: opts.create });
  const selected = opts.only ? local.filter((m) => opts.only!.includes(m.version)) : local;
  const pending = history.pending(selected);
  const hash = pendingHash(pending, tc.name);
  const edited = history.edited(local);
  if (edited.length > 0) {
    return {
      history, local, pending, edited, contentHash: hash,
      refusal: {
        reason: `edited deployed migration: write a new migration instead (${edited.map((m) => m.path).join(", ")} changed after it was applied)`,
        hint: "restore the applied version of the file from version control and put the change in a new migration",
      },
    };
  }
  if (history.problems.length > 0) {
    return {
      history, local, pending, edited, contentHash: hash,
      refusal: { reason: `cannot keep the ${history.native?.tool ?? "native"} history faithfully: ${history.problems.join("; ")}`, hint: "fix the tool's history, or set `apply.history: lockstep` for this target to keep history only in Lockstep's table" },
    };
  }
  return { history, local, pending, edited, contentHash: hash };
}

/** The content an approval is bound to: the pending migration files, in order. */
export function pendingHash(pending: Migration[], target: string): string {
  return contentHash(pending.map((m) => ({ path: m.path, bytes: m.bytes })), target);
}

/** Read-only look at what `apply` would do. */
export async function planApply(tc: TargetContext): Promise<ApplyOutcome> {
  const client = await connect(tc.url, { applicationName: `lockstep-plan:${tc.name}`.slice(0, 63) });
  try {
    const found = await inspectTarget(client, tc, { create: false });
    const base = { history: found.history.writes, pending: refs(found.pending), contentHash: found.contentHash };
    if (found.refusal) return emptyOutcome(tc, "refused", { ...base, ...found.refusal });
    return emptyOutcome(tc, found.pending.length ? "dry-run" : "nothing-to-do", base);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export interface RunApplyOptions {
  appliedBy: string;
  /** the versions this apply was approved for, and the hash of their files; omitted = all pending */
  versions?: string[];
  contentHash?: string;
  onEvent: (e: ApplyEvent) => void;
  ask?: (blockers: Blocker[], where: { version: string; statement: number; sql: string }) => Promise<BlockerDecision>;
  signal?: AbortSignal;
  /** state store pool: the schema snapshot after the apply is saved there (for drift) */
  statePool?: pg.Pool;
  jobId?: string;
}

/**
 * Apply the target's pending migrations under its apply lock. Used by the CLI and the Slack job.
 * Leftover sessions of a crashed earlier run (same job) are ended first.
 */
export async function runApply(tc: TargetContext, opts: RunApplyOptions): Promise<ApplyOutcome> {
  const t0 = performance.now();
  const appName = `lockstep-apply:${tc.name}`.slice(0, 63);
  const monitor = await connect(tc.url, { applicationName: `${appName}:monitor`.slice(0, 63) });
  let client: pg.Client | undefined;
  try {
    if (!(await tryLockTarget(monitor))) {
      return emptyOutcome(tc, "busy", { reason: `another apply is running on target ${tc.name}`, jobId: opts.jobId });
    }
    try {
      const leftovers = await endLeftoverSessions(monitor, appName);
      client = await connect(tc.url, { applicationName: appName });
      const found = await inspectTarget(client, tc, { create: true, only: opts.versions });
      const base = { history: found.history.writes, pending: refs(found.pending), contentHash: found.contentHash, jobId: opts.jobId };
      if (found.refusal) return emptyOutcome(tc, "refused", { ...base, ...found.refusal });
      if (opts.contentHash && opts.versions) {
        const approved = found.local.filter((m) => opts.versions!.includes(m.version));
        if (pendingHash(approved, tc.name) !== opts.contentHash || approved.length !== opts.versions.length) {
          return emptyOutcome(tc, "refused", { ...base, reason: "the migration files changed after the apply was approved; check and approve them again" });
        }
      }
      const resolvedLeftovers = leftovers.map((pid) => `ended session ${pid} left running by an interrupted apply`);
      if (found.pending.length === 0) return emptyOutcome(tc, "nothing-to-do", { ...base, resolved: resolvedLeftovers, durationMs: performance.now() - t0 });
      opts.onEvent({ type: "start", target: tc.name, migrations: found.pending.length, steps: found.pending.reduce((n, m) => n + m.statements.length, 0), history: found.history.writes });
      const a = tc.target.apply;
      const result = await executeMigrations({ client, monitor }, found.history, found.pending, {
        lockTimeoutMs: durationMs(a.lock_timeout),
        statementTimeoutMs: durationMs(a.statement_timeout),
        retries: a.retries,
        onBlocker: a.on_blocker,
        ask: opts.ask,
        onEvent: opts.onEvent,
        signal: opts.signal,
        appliedBy: opts.appliedBy,
      });
      if (result.status === "applied" && opts.statePool) await saveSnapshot(opts.statePool, client, tc, opts.jobId);
      return {
        ...emptyOutcome(tc, result.status, base),
        applied: result.applied,
        failure: result.failure,
        reason: result.stopReason,
        cleanups: result.cleanups,
        resolved: [...resolvedLeftovers, ...result.resolved],
        lockWaits: result.lockWaits,
        rollback: [...result.applied].reverse().map((m) => ({
          version: m.version,
          downPath: m.downPath,
          note: m.downPath ? `apply ${m.downPath} as a new forward migration` : "no down file: write the inverse as a new forward migration (see `lockstep plan`)",
        })),
        durationMs: performance.now() - t0,
      };
    } finally {
      await unlockTarget(monitor).catch(() => undefined);
    }
  } finally {
    await client?.end().catch(() => undefined);
    await monitor.end().catch(() => undefined);
  }
}

/** Sessions of an apply whose runner died (we hold the apply lock now, so none of them is live). */
async function endLeftoverSessions(monitor: pg.ClientBase, appName: string): Promise<number[]> {
  const r = await monitor.query<{ pid: number }>(
    `WITH leftover AS MATERIALIZED (
       SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid() AND datname = current_database())
     SELECT pid FROM leftover WHERE pg_terminate_backend(pid)`,
    [appName],
  );
  return r.rows.map((row) => row.pid);
}

export async function saveSnapshot(pool: pg.Pool, client: pg.ClientBase, tc: TargetContext, jobId?: string): Promise<void> {
  const snapshot = await takeSnapshot(client, [parseTableName(tc.target.apply.history_table).schema]);
  await pool.query(
    `INSERT INTO lockstep_state.schema_snapshots (target, taken_at, job_id, snapshot) VALUES ($1, now(), $2, $3)
     ON CONFLICT (target) DO UPDATE SET taken_at = now(), job_id = EXCLUDED.job_id, snapshot = EXCLUDED.snapshot`,
    [tc.name, jobId ?? null, JSON.stringify(snapshot)],
  );
}
