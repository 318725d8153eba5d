import path from "node:path";
import type { App, BlockButtonAction, webApi } from "@slack/bolt";
import type pg from "pg";
import { getTarget } from "../config.js";
import {
  enqueueBackfill, getRun, loadSpecFile, withTargetDefaults, requestControl, resumeInBackground, startBackfillWorker,
  type BackfillJobData, type BackfillProgress, type BackfillResult,
} from "../backfill/index.js";
import { runThread, setRunProgressTs, type RunThread } from "../backfill/runs.js";
import type { UserError } from "../errors.js";
import { writeAudit } from "../store/audit.js";
import type { Store } from "../store/store.js";
import { ACTION } from "./action-ids.js";
import { backfillProgressMessage, backfillSummaryMessage } from "./blocks/backfill.js";
import { noteMessage } from "./blocks/lists.js";
import type { Message } from "./blocks/types.js";
import type { BotDeps } from "./deps.js";
import { tellError } from "./errors.js";
import { onApplyRequested, type ApplyRequestedEvent } from "./hooks.js";
import { migrationsDir } from "../approval/migration-source.js";
import { escapeMrkdwn, userMention } from "./mrkdwn.js";
import { checkApprover } from "../approval/policy.js";
import { progressCadence, type ProgressCadence } from "../progress-cadence.js";
import { postInThread, updateInThread, type ThreadRef } from "./thread.js";

type WebClient = webApi.WebClient;

/**
 * The backfill side of the bot: "Run backfill" on an approved backfill check queues a durable
 * pg-boss job; this process's worker runs it (or takes it over from a replica that died), with one
 * progress message in the check's thread (updated in place, <= 1/s, whoever runs it) carrying
 * Pause / Resume / Cancel, then a summary in its place.
 */
export async function startSlackBackfill(deps: BotDeps, store: Store, app: App, opts: { takeoverIntervalMs?: number } = {}): Promise<() => Promise<void>> {
  const threads = new RunThreads(app.client, store.pool);
  const unregister = onApplyRequested((ev) => queueFromClick(deps, store, ev));
  registerBackfillActions(app, deps, store);
  const stopWorker = await startBackfillWorker(store, {
    config: deps.loaded.config,
    env: deps.env,
    pollingIntervalSeconds: 0.5,
    takeoverIntervalMs: opts.takeoverIntervalMs,
    onProgress: (p, data) => threads.progress(data, p),
    onResult: (r, data) => threads.finish(data, r),
    onRefused: (e: UserError, data: BackfillJobData) => threads.note(data, `:no_entry: Backfill refused: ${escapeMrkdwn(e.message)}`),
  });
  return async () => {
    unregister();
    await stopWorker().catch(() => undefined);
    await threads.close();
  };
}

/** Run-backfill click (recorded by the approval flow) -> a durable job carrying the thread. */
async function queueFromClick(deps: BotDeps, store: Store, ev: ApplyRequestedEvent): Promise<void> {
  const { check, request, thread } = ev;
  if (check.source !== "backfill" || !check.report.backfill) return;
  const target = getTarget(deps.loaded.config, check.target);
  // the bytes were re-verified against the approval's hash by the approval flow just before this
  const spec = withTargetDefaults(loadSpecFile(path.join(migrationsDir(deps.loaded, check.target, target, deps.cwd), check.paths[0]!)), target);
  const job = await enqueueBackfill(store.boss, { target: check.target, spec, actor: request.requestedBy, thread: { channel: thread.channel, ts: thread.threadTs } });
  await writeAudit(deps.pool, { actor: request.requestedBy, action: "backfill", target: check.target, contentHash: check.contentHash, decision: "queued", detail: { check: check.id, job } });
}

/**
 * One progress message per run, in the run's thread (stored with the run, so that a replica taking
 * it over or a resumed job updates the same message): posted once, then updated in place at most
 * once a second (the latest state; chat.update is rate limited per channel), and replaced by the
 * summary at once when the run stops.
 */
class RunThreads {
  private readonly runs = new Map<string, RunMessage>();

  constructor(
    private readonly client: WebClient,
    private readonly pool: pg.Pool,
  ) {}

  private message(runId: string, data: BackfillJobData): RunMessage {
    let m = this.runs.get(runId);
    if (!m) {
      m = new RunMessage(this.client, this.pool, runId, data);
      this.runs.set(runId, m);
    }
    return m;
  }

  progress(data: BackfillJobData, p: BackfillProgress): void {
    // the end of a run is shown by finish() as the summary
    if (p.status === "running" || p.status === "throttled") this.message(p.run_id, data).progress(p);
  }

  async finish(data: BackfillJobData, r: BackfillResult): Promise<void> {
    const m = this.message(r.run_id, data);
    this.runs.delete(r.run_id);
    // A time slice hands the run on to a fresh job, maybe on another replica: it goes on
    // updating the progress message; nothing of this job's may come after.
    await m.finish(r.status === "paused" && r.reason === "time slice over" ? undefined : r);
  }

  async note(data: BackfillJobData, text: string): Promise<void> {
    const thread = data.thread ?? (data.run_id ? await runThread(this.pool, data.run_id) : undefined);
    if (thread) await postInThread(this.client, threadOf(thread), noteMessage(text));
  }

  /** Stop updating (the bot stops): sends in flight finish, pending ones are dropped. */
  async close(): Promise<void> {
    await Promise.all([...this.runs.values()].map((m) => m.finish()));
  }
}

/** A run's progress message; its thread and ts are read from (and the ts written to) the run's row. */
class RunMessage {
  private where: Promise<RunThread | undefined> | undefined;
  private readonly updates: ProgressCadence<BackfillProgress>;

  constructor(
    private readonly client: WebClient,
    private readonly pool: pg.Pool,
    private readonly runId: string,
    private readonly data: BackfillJobData,
  ) {
    this.updates = progressCadence((p) => this.show(backfillProgressMessage(data.target, p)));
  }

  progress(p: BackfillProgress): void {
    this.updates.update(p);
  }

  /** The summary in place of the progress message (or, without one, just the end of the updates). */
  async finish(r?: BackfillResult): Promise<void> {
    await this.updates.finish();
    if (r) await this.show(backfillSummaryMessage(this.data.target, r)).catch(() => undefined);
  }

  private async show(message: Message): Promise<void> {
    this.where ??= runThread(this.pool, this.runId, this.data.thread).catch((e: unknown) => {
      this.where = undefined; // look again next time
      throw e;
    });
    const where = await this.where;
    if (!where) return;
    if (where.progress_ts) {
      await updateInThread(this.client, threadOf(where), where.progress_ts, message);
      return;
    }
    where.progress_ts = await postInThread(this.client, threadOf(where), message);
    await setRunProgressTs(this.pool, this.runId, where.progress_ts);
  }
}

function threadOf(t: { channel: string; ts: string }): ThreadRef {
  return { channel: t.channel, threadTs: t.ts };
}

/** Pause / Resume / Cancel on a run's progress message: approvers of its target only. */
function registerBackfillActions(app: App, deps: BotDeps, store: Store): void {
  const control = (actionId: string, words: string, act: (runId: string, user: string, thread: ThreadRef) => Promise<string>) =>
    app.action<BlockButtonAction>(actionId, async ({ ack, body, client }) => {
      await ack();
      if (!(await deps.firstDelivery(body))) return;
      const runId = body.actions[0]?.value ?? "";
      const user = body.user.id;
      const channel = body.channel?.id ?? body.container?.channel_id ?? "";
      const message = body.message as { ts?: string; thread_ts?: string } | undefined;
      const thread = { channel, threadTs: message?.thread_ts ?? message?.ts ?? "" };
      try {
        const run = await getRun(deps.pool, runId);
        const target = run ? deps.loaded.config.targets[run.target] : undefined;
        const who = target ? await checkApprover(target, user, deps.groups) : undefined;
        if (!run || !who?.approver) {
          await writeAudit(deps.pool, { actor: user, action: `backfill ${words}`, target: run?.target ?? null, decision: "refused", detail: { run: runId } });
          await client.chat.postEphemeral({ channel, user, text: run ? `Only approvers of ${run.target} can ${words} this backfill.` : "This backfill is no longer known." });
          return;
        }
        const outcome = await act(runId, user, thread);
        await writeAudit(deps.pool, { actor: user, action: `backfill ${words}`, target: run.target, decision: "recorded", detail: { run: runId, outcome } });
        await postInThread(client, thread, noteMessage(`${userMention(user)}: backfill ${words} — ${escapeMrkdwn(outcome)}.`));
      } catch (e) {
        await tellError(client, deps.log, { channel, user }, e);
      }
    });
  control(ACTION.backfillPause, "pause", async (id, user) => settled(await requestControl(deps.pool, id, "pause", user), "pausing after the current batch"));
  control(ACTION.backfillCancel, "cancel", async (id, user) => settled(await requestControl(deps.pool, id, "cancel", user), "stopping after the current batch"));
  control(ACTION.backfillResume, "resume", async (id, user, thread) => {
    const job = await resumeInBackground(store, id, user, { thread: { channel: thread.channel, ts: thread.threadTs } });
    return job === "running" ? "it is running already" : "queued to resume";
  });
}

function settled(run: { status: string }, pending: string): string {
  return run.status === "running" || run.status === "queued" ? pending : `now ${run.status}`;
}
