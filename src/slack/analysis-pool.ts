import { existsSync } from "node:fs";
import os from "node:os";
import { Worker } from "node:worker_threads";
import type { CheckReport } from "../analyze/types.js";
import { shadowAdminUrl, spareShadows, type SpareShadows } from "../db/shadow.js";
import { reviveError, type AnalysisReply, type AnalysisRequest } from "./analysis-worker.js";
import type { Analyzer, CheckInput } from "./run-check.js";

/**
 * Analyses off the bot's event loop: parsing, rules, lock prediction, rollback plans and the
 * target's catalog reads (~all of a report's CPU) run in worker threads, so the acks of other
 * requests never wait behind them. The event loop keeps Slack calls and state writes.
 */
export interface AnalysisPool {
  analyze: Analyzer;
  /** settles when what `warm` started is up (the shadow server, when `warmShadows`); never rejects */
  ready(): Promise<void>;
  /** analyses answered so far (reports and errors) */
  readonly completed: number;
  /** Stop the workers; analyses still running are rejected. */
  close(): Promise<void>;
}

interface Pending {
  resolve: (r: CheckReport) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  pending: Map<number, Pending>;
}

/** The compiled worker entry; from the TypeScript sources (vitest) the one tsc wrote to dist/. */
function defaultEntry(): URL {
  const sibling = new URL("./analysis-worker-main.js", import.meta.url);
  return existsSync(sibling) ? sibling : new URL("../../dist/src/slack/analysis-worker-main.js", import.meta.url);
}

/**
 * `size` workers (default: one core left to the event loop, at least 1), started on first use
 * (`warm`: at once; `warmShadows`: the shadow server and spare shadow databases too, for the bot),
 * each running several analyses at once (they wait on the target's database). A worker that dies
 * fails only its own analyses (the user is told, as for any failed check) and is replaced on
 * the next one.
 */
export function analysisPool(opts: { size?: number; entry?: URL; warm?: boolean; warmShadows?: boolean } = {}): AnalysisPool {
  const size = opts.size ?? Math.max(1, os.availableParallelism() - 1);
  const entry = opts.entry ?? defaultEntry();
  const slots: Array<Slot | undefined> = new Array(size).fill(undefined);
  let nextId = 0;
  let completed = 0;
  let closed = false;

  const start = (index: number): Slot => {
    const worker = new Worker(entry);
    const slot: Slot = { worker, pending: new Map() };
    let crash: Error | undefined;
    const settle = (id: number, outcome: (p: Pending) => void) => {
      const p = slot.pending.get(id);
      if (!p) return;
      slot.pending.delete(id);
      completed++;
      // an idle worker does not keep the process alive
      if (slot.pending.size === 0) worker.unref();
      outcome(p);
    };
    worker.on("message", (reply: AnalysisReply) =>
      settle(reply.id, (p) => ("report" in reply ? p.resolve(reply.report) : p.reject(reviveError(reply.error)))),
    );
    worker.on("error", (e) => (crash = e));
    worker.on("exit", (code) => {
      if (slots[index] === slot) slots[index] = undefined;
      const why = closed ? "the bot is shutting down" : `the analysis worker stopped (exit code ${code}${crash ? `: ${crash.message}` : ""})`;
      for (const id of [...slot.pending.keys()]) settle(id, (p) => p.reject(new Error(`analysis failed: ${why}`, { cause: crash })));
    });
    worker.unref();
    return slot;
  };

  /** the least busy worker, started if needed */
  const pick = (): Slot => {
    let best = 0;
    for (let i = 1; i < size; i++) if ((slots[i]?.pending.size ?? 0) < (slots[best]?.pending.size ?? 0)) best = i;
    return (slots[best] ??= start(best));
  };

  // the shadow server (an embedded one is a child process) belongs to this thread: it outlives any worker
  let spares: Promise<{ adminUrl: string; spares?: SpareShadows }> | undefined;
  const shadowServer = () =>
    (spares ??= shadowAdminUrl().then((adminUrl) => ({ adminUrl, ...(opts.warmShadows ? { spares: spareShadows(adminUrl) } : {}) })));

  const withShadowServer = async (input: CheckInput): Promise<CheckInput> => {
    if (!input.verifyRollback || !input.schemaUrl || input.shadowAdminUrl) return input;
    const server = await shadowServer();
    const spare = server.spares?.take();
    return { ...input, shadowAdminUrl: server.adminUrl, ...(spare ? { shadowDatabase: spare } : {}) };
  };

  // what the first report needs, started now rather than on first use: the workers (each loads its
  // parser) and, where reports verify rollbacks, the shadow server with empty shadow databases on it
  if (opts.warm) for (let i = 0; i < size; i++) slots[i] = start(i);
  if (opts.warmShadows) shadowServer().catch(() => undefined); // a failure is met again, and reported, by the first report that needs it

  return {
    ready: () => (opts.warmShadows ? shadowServer().then(() => undefined, () => undefined) : Promise.resolve()),
    get completed() {
      return completed;
    },
    async analyze(input) {
      const ready = await withShadowServer(input);
      if (closed) throw new Error("analysis failed: the bot is shutting down");
      const request: AnalysisRequest = { id: ++nextId, input: ready };
      const slot = pick();
      return new Promise<CheckReport>((resolve, reject) => {
        slot.pending.set(request.id, { resolve, reject });
        slot.worker.ref();
        slot.worker.postMessage(request);
      });
    },
    async close() {
      closed = true;
      await Promise.all(slots.map((s) => s?.worker.terminate()));
      await (await spares?.catch(() => undefined))?.spares?.close();
    },
  };
}
