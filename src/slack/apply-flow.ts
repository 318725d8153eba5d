import path from "node:path";
import type { webApi } from "@slack/bolt";
import { getTarget } from "../config.js";
import { startDriftMonitor, type DriftReport } from "../apply/drift.js";
import { enqueueApply, startApplyWorker, waitForBlockerDecision, type OpenApplyJob } from "../apply/job.js";
import type { ApplyOutcome } from "../apply/run.js";
import { loadMigrations } from "../apply/source.js";
import type { ApplyEvent } from "../apply/types.js";
import { writeAudit } from "../store/audit.js";
import type { Store } from "../store/store.js";
import { applyProgressMessage, applySummaryMessage, blockerQuestionMessage, driftMessage, type ApplyProgressView } from "./blocks/apply.js";
import { noteMessage } from "./blocks/lists.js";
import type { BotDeps } from "./deps.js";
import { onApplyRequested, type ApplyRequestedEvent } from "./hooks.js";
import { escapeMrkdwn } from "./mrkdwn.js";
import { progressCadence } from "../progress-cadence.js";
import { postInThread, updateInThread, type ThreadRef } from "./thread.js";

type WebClient = webApi.WebClient;

/**
 * The Apply button's executor: a click (recorded by the approval flow) queues a durable apply
 * job; this process's worker runs queued jobs (and resumes ones whose runner died), with one
 * progress message in the thread updated in place and a final summary.
 */
export async function startSlackApply(deps: BotDeps, store: Store, client: WebClient, opts: { takeoverIntervalMs?: number } = {}): Promise<() => Promise<void>> {
  const reporters = new Map<string, ThreadProgress>();
  const reporter = (job: OpenApplyJob): ThreadProgress | undefined => {
    if (!job.data.thread) return undefined;
    let r = reporters.get(job.id);
    if (!r) {
      r = new ThreadProgress(client, { channel: job.data.thread.channel, threadTs: job.data.thread.ts }, job, store);
      reporters.set(job.id, r);
    }
    return r;
  };
  const unregister = onApplyRequested((ev) => queueFromClick(deps, store, ev));
  const stopWorker = await startApplyWorker({
    boss: store.boss,
    pool: store.pool,
    config: deps.loaded,
    env: deps.env,
    cwd: deps.cwd,
    takeoverIntervalMs: opts.takeoverIntervalMs,
    onEvent: (job, e) => reporter(job)?.event(e),
    ask: async (job, blockers, where) => {
      if (!job.data.thread) return "abort";
      const thread = { channel: job.data.thread.channel, threadTs: job.data.thread.ts };
      await postInThread(client, thread, blockerQuestionMessage(job.id, job.data.target, blockers, where.sql));
      return waitForBlockerDecision(store.pool, job.id);
    },
    onOutcome: (job, outcome) => {
      // another runner runs this job (or settled it) and reports it
      if (outcome.status === "busy") return;
      const r = reporter(job);
      reporters.delete(job.id);
      void r?.finish(outcome).catch((e) => deps.log.error({ err: e }, "could not post the apply summary"));
      void writeAudit(store.pool, { actor: job.data.requestedBy, action: "apply", target: job.data.target, contentHash: job.data.contentHash, decision: outcome.status, detail: { job: job.id, check: job.data.checkId ?? null, applied: outcome.applied.map((m) => m.version) } }).catch(() => undefined);
    },
  });
  const stopDrift = startDriftMonitor({ pool: store.pool, loaded: deps.loaded, env: deps.env, cwd: deps.cwd, log: deps.log, post: (r) => postDrift(deps, client, r) });
  return async () => {
    unregister();
    await stopDrift();
    await stopWorker();
  };
}

/** Post a drift report to each of the target's channels. */
export async function postDrift(deps: BotDeps, client: WebClient, report: DriftReport): Promise<void> {
  const message = driftMessage(report);
  for (const channel of getTarget(deps.loaded.config, report.target).channels) {
    await client.chat.postMessage({ channel, text: message.text, blocks: message.blocks });
  }
}

/** Apply-click -> durable job for exactly the checked migrations (a second click finds the same job). */
async function queueFromClick(deps: BotDeps, store: Store, ev: ApplyRequestedEvent): Promise<void> {
  const { check, request, thread } = ev;
  const say = (text: string) => postInThread(ev.client, thread, noteMessage(text));
  if (check.source === "backfill") return; // the backfill flow runs it
  if (check.source !== "files") {
    await say(":no_entry: Lockstep applies migration files only; put this SQL in a migration in the migrations dir.");
    return;
  }
  const target = getTarget(deps.loaded.config, check.target);
  const base = deps.loaded.path ? path.dirname(deps.loaded.path) : deps.cwd;
  const migrations = await loadMigrations(target, base);
  const chosen = migrations.filter((m) => check.paths.includes(m.path) || check.paths.includes(path.dirname(m.path)));
  if (chosen.length !== check.paths.length) {
    await say(`:no_entry: Cannot apply: ${escapeMrkdwn(check.paths.join(", "))} ${chosen.length ? "is not exactly a list of" : "are not"} migrations of \`${escapeMrkdwn(check.target)}\`.`);
    return;
  }
  const { created } = await enqueueApply(store.boss, store.pool, {
    target: check.target,
    requestedBy: request.requestedBy,
    source: "slack",
    versions: chosen.map((m) => m.version),
    contentHash: check.contentHash,
    thread: { channel: thread.channel, ts: thread.threadTs },
    checkId: check.id,
  });
  if (!created) await say(`An apply for \`${escapeMrkdwn(check.target)}\` is already queued or running; this one waits for it.`);
}

/** Folds apply events into one thread message, posted once and then updated at most once a second. */
class ThreadProgress {
  private ts: string | undefined;
  private readonly started = Date.now();
  private readonly view: ApplyProgressView;
  private readonly updates = progressCadence(() => this.send());

  constructor(private readonly client: WebClient, private readonly thread: ThreadRef, job: OpenApplyJob, private readonly store: Store) {
    this.view = { jobId: job.id, target: job.data.target, requestedBy: job.data.requestedBy, step: 0, steps: 0, elapsedMs: 0, lockWaits: 0, notes: [] };
  }

  event(e: ApplyEvent): void {
    const v = this.view;
    switch (e.type) {
      case "start":
        v.steps = e.steps;
        break;
      case "statement-start":
        v.step = e.step;
        v.steps = e.steps;
        v.current = { path: e.version, sql: e.sql };
        break;
      case "retry":
        v.lockWaits++;
        v.notes.push(`lock wait on ${e.version} statement ${e.statement + 1}: retry ${e.attempt}/${e.of} in ${(e.delayMs / 1000).toFixed(1)}s`);
        break;
      case "preflight":
        v.notes.push(`${e.blockers.length} blocking session(s) before ${e.version} statement ${e.statement + 1}: ${e.blockers.map((b) => `pid ${b.pid} (${b.application || b.user || "?"}, ${b.state})`).join(", ")} — ${e.action}`);
        break;
      case "cleanup":
      case "resolved":
        v.notes.push(e.message);
        break;
      case "migration-done":
        v.notes.push(`applied ${e.version} ${e.name} in ${(e.durationMs / 1000).toFixed(2)}s`);
        break;
      default:
        break;
    }
    // the view is the state: each send shows it as it is then
    this.updates.update(undefined);
  }

  private async send(): Promise<void> {
    this.view.elapsedMs = Date.now() - this.started;
    const run = await this.store.pool.query<{ c: string | null; ts: string | null }>(
      `SELECT cancel_requested_by AS c, progress_ts AS ts FROM lockstep_state.apply_runs WHERE job_id = $1`,
      [this.view.jobId],
    );
    this.view.cancelRequestedBy = run.rows[0]?.c ?? undefined;
    // a resumed apply (its runner died) goes on updating the message its first runner posted
    this.ts ??= run.rows[0]?.ts ?? undefined;
    const message = applyProgressMessage(this.view);
    if (this.ts) return updateInThread(this.client, this.thread, this.ts, message);
    this.ts = await postInThread(this.client, this.thread, message);
    await this.store.pool.query(`UPDATE lockstep_state.apply_runs SET progress_ts = $2 WHERE job_id = $1`, [this.view.jobId, this.ts]);
  }

  /** Replace the progress message with the summary (or post it, when nothing was shown yet). */
  async finish(outcome: ApplyOutcome): Promise<void> {
    await this.updates.finish();
    this.ts ??= (await this.store.pool.query<{ ts: string | null }>(`SELECT progress_ts AS ts FROM lockstep_state.apply_runs WHERE job_id = $1`, [this.view.jobId])).rows[0]?.ts ?? undefined;
    const message = applySummaryMessage(outcome);
    if (this.ts) await updateInThread(this.client, this.thread, this.ts, message);
    else await postInThread(this.client, this.thread, message);
  }
}
