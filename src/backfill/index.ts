/**
 * The backfill engine's public API, for the CLI command and the Slack layer.
 *
 * Run:      runBackfill(opts) -> BackfillResult (inline), or enqueueBackfill(boss, {target, spec})
 *           for the pg-boss worker started by startBackfillWorker(store, {config, onProgress, onResult}).
 * Control:  requestControl(pool, runId, "pause" | "cancel" | "run", actor) from any process;
 *           resumeInBackground(store, runId, actor) re-queues a paused run.
 * Watch:    onProgress events (pace a message with progressCadence for <= 1 update/s),
 *           getRun / listRuns / isRunLive for `/migrate backfill status`.
 * Rollback: restoreSpec(targetUrl, run) -> the inverse backfill of a --save-old run
 *           (run it inline with restoreBackfill, or enqueue it as a job).
 */
export { dryRunBackfill, prepareBackfill, runBackfill } from "./engine.js";
export type { BackfillOptions, BackfillProgress, BackfillResult, BackfillStatus } from "./engine.js";
export { BACKFILL_QUEUE, enqueueBackfill, resumeInBackground, startBackfillWorker } from "./job.js";
export type { BackfillJobData, BackfillWorkerDeps } from "./job.js";
export { formatSeconds, progressBar } from "./progress.js";
export { restoreBackfill, restoreSpec } from "./restore.js";
export { getRun, isRunLive, listRuns, requestControl, requireRun } from "./runs.js";
export type { BackfillRun, RunControl, RunStatus } from "./runs.js";
export { loadSpecFile, parseSpec, withTargetDefaults } from "./spec.js";
export type { BackfillSpec, BackfillSpecInput } from "./spec.js";
export type { LagSource } from "./throttle.js";
