/**
 * Reading, parsing and describing a file do not depend on the schema (describeSql), so with many
 * files a worker thread does them ahead while the main thread analyses earlier files in order
 * (locks, rules, risk and rollback need the schema the files before built). The main thread never
 * waits for a file the worker has not started: it claims that one and does it itself, so a busy
 * machine (where the worker gets little CPU) costs no more than doing everything in-process.
 * Results are the same either way: sources and summaries are structured-cloned (key order kept).
 */
import { MessageChannel, receiveMessageOnPort, type MessagePort, type Worker } from "node:worker_threads";
import { takeWorker } from "./ahead-worker.js";
import { describeSql, expandSummary, type CompactSummary, type DescribedSql } from "./describe.js";
import type { StatementPosition } from "./parse.js";
import { readListed, type ListedFile, type SourceFile } from "./sources.js";

/** Who handles file i: FREE until the worker or the main thread claims it (Atomics.compareExchange). */
export const FREE = 0;
export const BY_WORKER = 1;
export const BY_MAIN = 2;

/** A file as listSources gives it: to read, or already read (stdin, a problem). */
export type AheadItem = SourceFile | ListedFile;

/** What the worker gets: the files, the claims, and where to post. */
export interface AheadJob {
  items: AheadItem[];
  /** the main thread takes files the worker has not started: the worker leaps ahead of it */
  steal: boolean;
  /** Int32Array over a SharedArrayBuffer: one claim per file, then a counter of posted results, then the file the main thread is at (-1: not started) */
  claims: SharedArrayBuffer;
  port: MessagePort;
}

/**
 * One file done by the worker; `error` when describing threw (the main thread repeats it, to throw
 * the same). Summaries travel compacted (compactSummary).
 */
export interface AheadResult {
  index: number;
  source: SourceFile;
  described?: { errors: DescribedSql["errors"]; statements: Array<{ st: StatementPosition; summary: CompactSummary }> };
  error?: true;
}

export interface AheadFile {
  source: SourceFile;
  /** undefined when there is nothing to describe (no text) */
  described?: DescribedSql<StatementPosition>;
}

/** The worker stays at most this many files ahead of the main thread (memory stays flat on huge inputs). */
export const AHEAD_WINDOW = 256;

/**
 * How long to wait for a file the worker is on before doing it here anyway: a file takes the worker
 * ~0.3 ms on average; on a busy machine the worker may not be running at all, and waiting for the
 * scheduler would cost more than describing the file twice.
 */
const PATIENCE_MS = 2;
/** The same when the main thread leaves every file to the worker (tests): its start-up included. */
const PATIENCE_NO_STEAL_MS = 30_000;

export class DescribeAhead {
  private readonly claims: Int32Array;
  private readonly posted: number;
  private readonly mainAt: number;
  private readonly results = new Map<number, AheadResult>();
  private readonly port: MessagePort;

  private constructor(
    private readonly worker: Worker,
    items: AheadItem[],
    private readonly steal: boolean,
  ) {
    this.claims = new Int32Array(new SharedArrayBuffer((items.length + 2) * Int32Array.BYTES_PER_ELEMENT));
    this.posted = items.length;
    this.mainAt = items.length + 1;
    this.claims[this.mainAt] = -1;
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    const job: AheadJob = { items, steal, claims: this.claims.buffer as SharedArrayBuffer, port: port2 };
    worker.postMessage(job, [port2]);
  }

  /**
   * Start a worker on `items`; undefined when no worker script is at hand (running from sources).
   * `steal: false` leaves every file to the worker (tests), instead of taking those it has not started.
   */
  static start(items: AheadItem[], opts: { steal?: boolean } = {}): DescribeAhead | undefined {
    const worker = takeWorker();
    return worker && new DescribeAhead(worker, items, opts.steal ?? true);
  }

  /** File `index` (`item` in the list) read and described: by the worker if it got to it, else here. */
  take(index: number, item: AheadItem): AheadFile {
    Atomics.store(this.claims, this.mainAt, index);
    Atomics.notify(this.claims, this.mainAt);
    if (this.steal && Atomics.compareExchange(this.claims, index, FREE, BY_MAIN) === FREE) return readAndDescribe(item);
    const since = performance.now();
    const patience = this.steal ? PATIENCE_MS : PATIENCE_NO_STEAL_MS;
    for (;;) {
      const seen = Atomics.load(this.claims, this.posted);
      const r = this.receive(index);
      if (r) return r.error ? readAndDescribe(r.source) : { source: r.source, ...(r.described ? { described: expanded(r.described) } : {}) };
      const waited = performance.now() - since;
      if (waited >= patience) return readAndDescribe(item); // the worker's result, when it comes, is dropped
      Atomics.wait(this.claims, this.posted, seen, patience - waited);
    }
  }

  close(): void {
    this.port.close();
    void this.worker.terminate();
  }

  /**
   * The worker's result for file `index`, if posted. Messages are taken off the port only up to it:
   * the worker runs up to AHEAD_WINDOW files ahead, and results left serialized in the port's
   * queue (outside the JS heap) until needed are not copied around by the garbage collector.
   */
  private receive(index: number): AheadResult | undefined {
    const stashed = this.results.get(index);
    if (stashed) {
      this.results.delete(index);
      return stashed;
    }
    for (let m = receiveMessageOnPort(this.port); m; m = receiveMessageOnPort(this.port)) {
      const r = m.message as AheadResult;
      if (r.index < index) continue; // a file this thread did itself
      if (r.index === index) return r;
      this.results.set(r.index, r); // not expected: the worker posts in file order
      return undefined;
    }
    return undefined;
  }
}

function expanded(d: NonNullable<AheadResult["described"]>): DescribedSql<StatementPosition> {
  return { errors: d.errors, statements: d.statements.map(({ st, summary }) => ({ st, summary: expandSummary(summary) })) };
}

/** What the worker does for one file (the main thread too, for the files it takes). */
export function readAndDescribe(item: AheadItem): AheadFile & { described?: DescribedSql } {
  const source = "abs" in item ? readListed(item) : item;
  return source.text === undefined ? { source } : { source, described: describeSql(source.text) };
}
