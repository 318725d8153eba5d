/**
 * Parsing and describing a file do not depend on the schema (describeSql), so with many files a
 * worker thread describes files ahead while the main thread analyses earlier ones in order (locks,
 * rules, risk and rollback need the schema the files before built). The main thread never waits
 * for a file the worker has not started: it claims and describes that one itself, so a busy
 * machine (where the worker gets little CPU) costs no more than describing everything in-process.
 * Results are the same either way: summaries are structured-cloned (key order kept).
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from "node:worker_threads";
import { describeSql, type DescribedSql } from "./describe.js";
import type { StatementPosition } from "./parse.js";

/** Who describes file i: FREE until the worker or the main thread claims it (Atomics.compareExchange). */
export const FREE = 0;
export const BY_WORKER = 1;
export const BY_MAIN = 2;

/** What the worker gets: the texts (undefined: nothing to describe), the claims, and where to post. */
export interface AheadJob {
  texts: Array<string | undefined>;
  /** Int32Array over a SharedArrayBuffer: one claim per file, then a counter of posted results */
  claims: SharedArrayBuffer;
  port: MessagePort;
}

/** One described file; `error` when describing threw (the main thread then repeats it to throw the same). */
export type AheadResult = { index: number; described?: DescribedSql<StatementPosition>; error?: true };

/** Below this much SQL, a worker's start-up costs more than it saves. */
export const AHEAD_MIN_CHARS = 256 * 1024;

/** How long to wait for a file the worker is on before describing it here anyway (a stuck worker). */
const STUCK_MS = 2000;
/** The same when the main thread leaves every file to the worker (tests): its start-up included. */
const STUCK_NO_STEAL_MS = 30_000;

const WORKER_URL = new URL("./describe-worker.js", import.meta.url);

export class DescribeAhead {
  private readonly claims: Int32Array;
  private readonly posted: number;
  private readonly results = new Map<number, AheadResult>();
  private readonly port: MessagePort;

  private constructor(
    private readonly worker: Worker,
    texts: Array<string | undefined>,
    private readonly steal: boolean,
  ) {
    this.claims = new Int32Array(new SharedArrayBuffer((texts.length + 1) * Int32Array.BYTES_PER_ELEMENT));
    this.posted = texts.length;
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    const job: AheadJob = { texts, claims: this.claims.buffer as SharedArrayBuffer, port: port2 };
    worker.postMessage(job, [port2]);
    worker.unref(); // never keeps the process alive
  }

  /**
   * Start a worker for `texts`; undefined when no worker script is at hand (running from sources).
   * `steal: false` leaves every file to the worker (tests), instead of taking those it has not started.
   */
  static start(texts: Array<string | undefined>, opts: { steal?: boolean } = {}): DescribeAhead | undefined {
    if (!existsSync(fileURLToPath(WORKER_URL))) return undefined;
    return new DescribeAhead(new Worker(WORKER_URL), texts, opts.steal ?? true);
  }

  /** File `index` (whose text is `text`) described: by the worker if it got to it, else here. */
  describe(index: number, text: string): DescribedSql<StatementPosition> {
    if (this.steal && Atomics.compareExchange(this.claims, index, FREE, BY_MAIN) === FREE) return describeSql(text);
    const since = Date.now();
    const stuck = this.steal ? STUCK_MS : STUCK_NO_STEAL_MS;
    for (;;) {
      const seen = Atomics.load(this.claims, this.posted);
      this.drain();
      const r = this.results.get(index);
      if (r) {
        this.results.delete(index);
        return r.described ?? describeSql(text); // on error: throw it from here, as in-process
      }
      if (Date.now() - since > stuck) return describeSql(text);
      Atomics.wait(this.claims, this.posted, seen, stuck);
    }
  }

  close(): void {
    this.port.close();
    void this.worker.terminate();
  }

  private drain(): void {
    for (let m = receiveMessageOnPort(this.port); m; m = receiveMessageOnPort(this.port)) {
      const r = m.message as AheadResult;
      this.results.set(r.index, r);
    }
  }
}
