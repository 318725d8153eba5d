import { z } from "zod";
import { defineCommand, type CommandContext } from "../src/command.js";
import { getTarget } from "../src/config.js";
import { resolveDatabaseUrl } from "../src/db/connection.js";
import { ExitCode, UserError } from "../src/errors.js";
import { progressCadence } from "../src/progress-cadence.js";
import { dryRunBackfill, runBackfill, type BackfillProgress, type BackfillResult } from "../src/backfill/engine.js";
import { enqueueBackfill } from "../src/backfill/job.js";
import { progressBar } from "../src/backfill/progress.js";
import { restoreBackfill } from "../src/backfill/restore.js";
import { isRunLive, listRuns, requestControl, requireRun, type BackfillRun } from "../src/backfill/runs.js";
import { databaseIdentity, loadSpecFile, parseSpec, withTargetDefaults, type BackfillSpec } from "../src/backfill/spec.js";
import { openStateDatabase } from "../src/store/state-db.js";
import { openStore, type Store } from "../src/store/store.js";

const ACTIONS = ["run", "status", "pause", "resume", "cancel", "restore"] as const;

const args = z.object({
  action: z.enum(ACTIONS).optional(),
  db: z.string().optional(),
  target: z.string().optional(),
  table: z.string().optional(),
  set: z.array(z.string()).optional(),
  where: z.string().optional(),
  batchSize: z.string().optional(),
  targetBatchMs: z.string().optional(),
  maxRowsPerS: z.string().optional(),
  sleepMs: z.string().optional(),
  lockTimeoutMs: z.string().optional(),
  statementTimeoutMs: z.string().optional(),
  retries: z.string().optional(),
  maxReplicationLagMs: z.string().optional(),
  maxXactAgeS: z.string().optional(),
  workers: z.string().optional(),
  saveOld: z.boolean().optional(),
  restart: z.boolean().optional(),
  dryRun: z.boolean().optional(),
  spec: z.string().optional(),
  run: z.string().optional(),
  background: z.boolean().optional(),
});
type Args = z.infer<typeof args>;

interface DryRunReport {
  kind: "dry-run";
  status: "dry-run";
  table: string;
  key: string[];
  key_source: string;
  remaining: number;
  estimated_rows: number;
  statements: string[];
}
type RunReport = BackfillResult & { kind: "run" };
type StatusReport = { kind: "status"; runs: Array<BackfillRun & { live: boolean }> };
type ControlReport = { kind: "control"; action: string; run: BackfillRun };
type QueuedReport = { kind: "queued"; status: "queued"; job_id: string; target: string; table: string };
type Report = DryRunReport | RunReport | StatusReport | ControlReport | QueuedReport;

/**
 * `lockstep backfill`: run a batched backfill (flags or --spec FILE), or act on runs in the
 * state database: `status [--run ID]`, `pause|resume|cancel --run ID`, `restore --run ID`.
 */
export const backfillCommand = defineCommand({
  name: "backfill",
  summary: "run a batched, resumable data backfill (keyset batches, adaptive size, throttles, checkpoints)",
  description: `Actions: (none) run | status [--run ID] | pause --run ID | resume --run ID | cancel --run ID | restore --run ID.
Running the same --table/--set/--where again resumes from its checkpoint; --restart discards it.
Exit 4 when a run stops before done (paused, cancelled, failed). See docs/backfill.md.`,
  arguments: [{ name: "action", description: `one of ${ACTIONS.join(", ")} (default: run)` }],
  options: [
    { flags: "--db <url>", description: "target database URL, or env:VAR" },
    { flags: "--target <name>", description: "target from the config" },
    { flags: "--table <table>", description: "table to backfill (schema.table)" },
    { flags: "--set <assignment>", description: '"column = expression" (repeatable)', repeatable: true },
    { flags: "--where <condition>", description: "only rows matching this condition" },
    { flags: "--batch-size <n|auto>", description: "keys per batch, or auto (adapts to --target-batch-ms; default)" },
    { flags: "--target-batch-ms <ms>", description: "target batch duration for auto batch size (default 200)" },
    { flags: "--max-rows-per-s <n>", description: "rate limit on rows changed per second" },
    { flags: "--sleep-ms <ms>", description: "pause between batches" },
    { flags: "--lock-timeout-ms <ms>", description: "lock_timeout per batch (default 2000; retried with backoff)" },
    { flags: "--statement-timeout-ms <ms>", description: "statement_timeout per batch (default 30000)" },
    { flags: "--retries <n>", description: "retries of a batch after lock timeouts (default 10)" },
    { flags: "--max-replication-lag-ms <ms>", description: "wait while a replica lags more than this" },
    { flags: "--max-xact-age-s <s>", description: "wait while a transaction on the table is older than this (default 300)" },
    { flags: "--workers <n>", description: "parallel walkers on disjoint key ranges (default 1)" },
    { flags: "--save-old", description: "keep the old values in lockstep.backfill_old_<run> (for restore)" },
    { flags: "--restart", description: "discard the checkpoint of this backfill and start over" },
    { flags: "--dry-run", description: "validate and count the rows to change; change nothing" },
    { flags: "--spec <file>", description: "YAML spec (same fields as the flags, snake_case)" },
    { flags: "--run <id>", description: "run id for status, pause, resume, cancel, restore" },
    { flags: "--background", description: "queue the run as a durable job (pg-boss) instead of running it here" },
  ],
  formats: ["text", "json"],
  args,
  async run(ctx, a): Promise<Report> {
    const action = a.action ?? "run";
    if (action === "run") {
      const { spec, url, label } = resolveSpec(ctx, a);
      if (a.dryRun) return { kind: "dry-run", status: "dry-run", ...(await dryRunBackfill(url, spec)) };
      return withStore(ctx, Boolean(a.background), async (store) => {
        if (a.background) {
          if (!spec.target) throw new UserError("usage", "--background needs --target (a job never stores a connection string)");
          const jobId = await enqueueBackfill(store.boss, { target: spec.target, spec, restart: a.restart, actor: actor(ctx) });
          return { kind: "queued", status: "queued", job_id: jobId, target: spec.target, table: spec.table };
        }
        return { kind: "run", ...(await runInline(ctx, store, { spec, url, label, restart: a.restart })) };
      });
    }
    return withStore(ctx, false, async (store) => {
      if (action === "status") {
        const runs = a.run ? [await requireRun(store.pool, a.run)] : await listRuns(store.pool);
        return { kind: "status", runs: await Promise.all(runs.map(async (r) => ({ ...r, live: await isRunLive(store.pool, r.id) }))) };
      }
      if (!a.run) throw new UserError("usage", `backfill ${action}: --run ID is required (lockstep backfill status lists runs)`);
      if (action === "pause" || action === "cancel") {
        return { kind: "control", action, run: await requestControl(store.pool, a.run, action, actor(ctx)) };
      }
      const run = await requireRun(store.pool, a.run);
      const target = resolveTargetOf(ctx, a, run);
      if (action === "resume") {
        await requestControl(store.pool, run.id, "run", actor(ctx));
        return { kind: "run", ...(await runInline(ctx, store, { spec: run.spec, url: target.url, label: run.target, runId: run.id })) };
      }
      const result = await withEngineIO(ctx, (io) => restoreBackfill({ ...io, targetUrl: target.url, targetLabel: run.target, state: store.pool, runId: run.id, actor: actor(ctx), clearPause: true }));
      return { kind: "run", ...result };
    });
  },
  render: renderReport,
  exitCode(report) {
    if (report.kind === "run" && report.status !== "done") return ExitCode.stopped;
    return ExitCode.ok;
  },
});

function actor(ctx: CommandContext): string {
  return `cli:${ctx.env.USER || ctx.env.LOGNAME || "unknown"}`;
}

/** Flags over the spec file; the target's configured backfill settings under both. */
function resolveSpec(ctx: CommandContext, a: Args): { spec: BackfillSpec; url: string; label: string } {
  const base: Record<string, unknown> = a.spec ? { ...loadSpecFile(a.spec) } : {};
  const flags: Record<string, unknown> = {
    target: a.target, db: a.db, table: a.table, set: a.set, where: a.where, batch_size: a.batchSize,
    target_batch_ms: a.targetBatchMs, max_rows_per_s: a.maxRowsPerS, sleep_ms: a.sleepMs, lock_timeout_ms: a.lockTimeoutMs,
    statement_timeout_ms: a.statementTimeoutMs, retries: a.retries, max_replication_lag_ms: a.maxReplicationLagMs,
    max_xact_age_s: a.maxXactAgeS, workers: a.workers, save_old: a.saveOld,
  };
  for (const [k, v] of Object.entries(flags)) if (v !== undefined) base[k] = v;
  if (a.target) delete base.db;
  if (a.db) delete base.target;
  if (!base.table || !base.set) throw new UserError("usage", "backfill: --table and --set are required (or --spec FILE)");
  let spec = parseSpec(base, a.spec ?? "flags");
  const url = resolveDatabaseUrl({ db: spec.db, target: spec.target }, ctx.config.config, ctx.env);
  if (!url) throw new UserError("usage", "backfill: give --db URL (or env:VAR) or --target NAME");
  if (spec.target) spec = withTargetDefaults(spec, getTarget(ctx.config.config, spec.target));
  return { spec, url, label: spec.target ?? databaseIdentity(url) };
}

function resolveTargetOf(ctx: CommandContext, a: Args, run: BackfillRun): { url: string } {
  const url = resolveDatabaseUrl(a.db || a.target ? { db: a.db, target: a.target } : { db: run.spec.db, target: run.spec.target }, ctx.config.config, ctx.env);
  if (!url) throw new UserError("usage", `backfill ${run.id}: give --db URL or --target NAME for its database`);
  return { url };
}

async function withStore<T>(ctx: CommandContext, queue: boolean, fn: (store: Store) => Promise<T>): Promise<T> {
  const stateDb = await openStateDatabase(ctx.config.config, ctx.env);
  try {
    const store = await openStore(stateDb.url, { startQueue: queue });
    try {
      return await fn(store);
    } finally {
      await store.close();
    }
  } finally {
    await stateDb.close();
  }
}

/** A run's progress as the user sees it; `close` once the run returned (drops a pending line). */
interface EngineIO {
  onProgress?: (p: BackfillProgress) => void;
  close(): Promise<void>;
}

/**
 * Progress: JSON lines on stdout with --format json (at most one a second, the latest state;
 * the result is the last line), else a bar on stderr when it is a terminal.
 */
function engineIO(ctx: CommandContext): EngineIO {
  const live = (p: BackfillProgress) => p.status === "running" || p.status === "throttled";
  if (ctx.format === "json" && ctx.stdout) {
    const out = ctx.stdout;
    const lines = progressCadence<BackfillProgress>((p) => void out.write(`${JSON.stringify(p)}\n`));
    return { onProgress: (p) => (live(p) ? lines.update(p) : undefined), close: () => lines.finish() };
  }
  if (ctx.stderr.isTTY) {
    const err = ctx.stderr;
    let drawn = false;
    const bar = progressCadence<BackfillProgress>((p) => {
      err.write(`\r\x1b[2K${progressBar(p)}`);
      drawn = true;
    }, 200);
    return {
      onProgress: (p) => (live(p) ? bar.update(p) : undefined),
      close: async () => {
        await bar.finish();
        if (drawn) err.write("\n");
      },
    };
  }
  return { close: async () => undefined };
}

/** Run with the CLI's progress output, closed however the run ends. */
async function withEngineIO<T>(ctx: CommandContext, run: (io: Pick<EngineIO, "onProgress">) => Promise<T>): Promise<T> {
  const io = engineIO(ctx);
  try {
    return await run({ onProgress: io.onProgress });
  } finally {
    await io.close();
  }
}

async function runInline(
  ctx: CommandContext,
  store: Store,
  r: { spec: BackfillSpec; url: string; label: string; restart?: boolean; runId?: string },
): Promise<BackfillResult> {
  const windows = r.spec.target ? getTarget(ctx.config.config, r.spec.target).backfill.windows : [];
  // Ctrl-C: stop cleanly after the current batch (status paused, exit 4); a second one kills.
  const interrupt = new AbortController();
  const onSigint = () => interrupt.abort();
  if (!ctx.signal) process.once("SIGINT", onSigint);
  try {
    return await withEngineIO(ctx, (io) => runBackfill({
      ...io,
      spec: r.spec,
      targetUrl: r.url,
      targetLabel: r.label,
      state: store.pool,
      runId: r.runId,
      restart: r.restart,
      actor: actor(ctx),
      windows,
      waitForWindow: true,
      clearPause: true,
      signal: ctx.signal ?? interrupt.signal,
    }));
  } finally {
    process.removeListener("SIGINT", onSigint);
  }
}

function renderReport(report: Report, format: string): string {
  if (format === "json") {
    if (report.kind === "run") {
      const { kind: _k, ...rest } = report;
      return JSON.stringify(rest);
    }
    const { kind: _k, ...rest } = report;
    return JSON.stringify(rest, null, 2);
  }
  switch (report.kind) {
    case "dry-run":
      return [
        `dry run: ${report.table} walked by ${report.key_source} (${report.key.join(", ")}), ~${report.estimated_rows} rows`,
        `${report.remaining} rows need the change; nothing was written`,
        ...report.statements.map((s) => `  ${s}`),
      ].join("\n");
    case "queued":
      return `queued backfill of ${report.table} on ${report.target} as job ${report.job_id}`;
    case "control":
      return `backfill ${report.run.id}: ${report.action} requested (status ${report.run.status})`;
    case "status":
      if (report.runs.length === 0) return "no backfill runs";
      return report.runs.map(describeRun).join("\n");
    case "run":
      return [
        `backfill ${report.run_id} of ${report.table}: ${report.status}${report.reason ? ` (${report.reason})` : ""}`,
        `  ${report.rows} rows changed in ${report.batches} batches, ${report.seconds} s, ${report.rows_per_s} rows/s, longest batch ${report.max_batch_ms} ms`,
        `  remaining: ${report.remaining ?? "not verified"}`,
        ...(report.status === "done" ? [] : [`  resume: lockstep backfill resume --run ${report.run_id}`]),
      ].join("\n");
  }
}

function describeRun(r: BackfillRun & { live: boolean }): string {
  const state = r.status === "running" && !r.live ? "running (no live process: resume it)" : r.status;
  const note = r.error ?? r.throttle;
  const shards = r.shards && r.shards.length > 1 ? `, ${r.shards.length} shards` : "";
  return `${r.id}  ${r.target}  ${r.table_name}  ${state}  ${r.rows_done} rows, ${r.batches} batches, pass ${r.pass}${shards}${note ? `  (${note})` : ""}`;
}
