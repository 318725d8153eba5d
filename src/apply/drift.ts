import cron from "node-cron";
import type pg from "pg";
import type { Logger } from "pino";
import type { LoadedConfig } from "../config.js";
import { connect, resolveDatabaseUrl } from "../db/connection.js";
import { parseTableName } from "./history/index.js";
import { inspectTarget, targetContext } from "./run.js";
import { diffSnapshots, takeSnapshot, type SchemaFingerprint } from "./snapshot.js";

export interface DriftReport {
  target: string;
  checkedAt: string;
  /** deployed migrations whose file changed: "edited deployed migration: write a new migration instead" */
  editedMigrations: string[];
  /** how the live schema differs from the snapshot taken after the last apply */
  schemaChanges: string[];
  /** when the compared snapshot was taken; absent when no apply has run through Lockstep yet */
  snapshotTakenAt?: string;
}

export function hasDrift(r: DriftReport): boolean {
  return r.editedMigrations.length > 0 || r.schemaChanges.length > 0;
}

export interface DriftDeps {
  /** the state store pool (snapshots) */
  pool: pg.Pool;
  loaded: LoadedConfig;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

/** Compare the migrations dir with the target's history, and the live schema with the last snapshot. Read-only. */
export async function checkDrift(deps: DriftDeps, targetName: string): Promise<DriftReport> {
  const tc = targetContext(deps.loaded, targetName, deps.env, deps.cwd);
  const url = resolveDatabaseUrl({ target: targetName, readonly: true }, deps.loaded.config, deps.env)!;
  const client = await connect(url, { applicationName: `lockstep-drift:${targetName}`.slice(0, 63), readonly: true });
  try {
    const found = await inspectTarget(client, tc, { create: false });
    const report: DriftReport = { target: targetName, checkedAt: new Date().toISOString(), editedMigrations: found.edited.map((m) => m.path), schemaChanges: [] };
    const saved = await deps.pool.query<{ snapshot: SchemaFingerprint; taken_at: Date }>(`SELECT snapshot, taken_at FROM lockstep_state.schema_snapshots WHERE target = $1`, [targetName]);
    const last = saved.rows[0];
    if (last) {
      const now = await takeSnapshot(client, [parseTableName(tc.target.apply.history_table).schema]);
      report.schemaChanges = diffSnapshots(last.snapshot, now);
      report.snapshotTakenAt = last.taken_at.toISOString();
    }
    return report;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Claim this cron tick for a target: one replica checks, the others skip. */
async function claimTick(pool: pg.Pool, target: string, minGapMs: number): Promise<boolean> {
  const r = await pool.query(
    `INSERT INTO lockstep_state.drift_checks (target, checked_at) VALUES ($1, now())
     ON CONFLICT (target) DO UPDATE SET checked_at = now()
       WHERE lockstep_state.drift_checks.checked_at < now() - $2 * interval '1 millisecond'`,
    [target, minGapMs],
  );
  return (r.rowCount ?? 0) === 1;
}

/**
 * A node-cron job per target (`drift.cron`, daily by default): when a deployed file changed or the
 * live schema left the last snapshot, `post` is called (the Slack layer posts to the target's channels).
 * Returns a function that stops every job.
 */
export function startDriftMonitor(deps: DriftDeps & { log: Logger; post: (report: DriftReport) => Promise<void> }): () => Promise<void> {
  const tasks = Object.entries(deps.loaded.config.targets)
    .filter(([, t]) => t.drift.enabled && t.migrations)
    .flatMap(([name, t]) => {
      if (!cron.validate(t.drift.cron)) {
        deps.log.error({ target: name, cron: t.drift.cron }, "drift.cron is not a valid cron expression; drift checks are off for this target");
        return [];
      }
      return [cron.schedule(t.drift.cron, () => runDriftCheck(deps, name), { name: `drift:${name}`, noOverlap: true })];
    });
  return async () => {
    for (const t of tasks) await t.stop();
  };
}

export async function runDriftCheck(deps: DriftDeps & { log: Logger; post: (report: DriftReport) => Promise<void> }, target: string): Promise<DriftReport | undefined> {
  try {
    if (!(await claimTick(deps.pool, target, 30_000))) return undefined;
    const report = await checkDrift(deps, target);
    await deps.pool.query(`UPDATE lockstep_state.drift_checks SET report = $2 WHERE target = $1`, [target, JSON.stringify(report)]);
    if (hasDrift(report)) await deps.post(report);
    return report;
  } catch (e) {
    deps.log.error({ err: e, target }, "drift check failed");
    return undefined;
  }
}
