/**
 * Starting describe-ahead's worker thread (describe-worker.ts). Kept apart from describe-ahead.ts,
 * with nothing but Node built-ins to load, so that `check` can start the worker first thing
 * (prewarm) and the worker loads its parser while the main thread loads the rest of the command.
 */
import { existsSync, statSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";

const WORKER_URL = new URL("./describe-worker.js", import.meta.url);

/** Fewer files than this: a worker's start-up costs more than it saves. */
export const AHEAD_MIN_FILES = 64;

/** A worker started early by prewarm(), waiting for its job. */
let warm: Worker | undefined;

/**
 * Start the worker now when `args` (the command line) may name enough files to use it: a
 * directory, or many arguments. takeWorker() adopts it; unused, it does not keep the process alive.
 */
export function prewarm(args: string[]): void {
  if (!warm && mayNameManyFiles(args) && worthAThread() && existsSync(fileURLToPath(WORKER_URL))) warm = spawn();
}

function mayNameManyFiles(args: string[]): boolean {
  const operands = args.filter((a) => !a.startsWith("-"));
  return operands.length >= AHEAD_MIN_FILES || operands.some((a) => statSync(a, { throwIfNoEntry: false })?.isDirectory());
}

/** The prewarmed worker, else a new one; undefined when no worker script is at hand (running from sources). */
export function takeWorker(): Worker | undefined {
  const worker = warm ?? (existsSync(fileURLToPath(WORKER_URL)) ? spawn() : undefined);
  warm = undefined;
  return worker;
}

/**
 * With one core, a second thread only competes with the first. On a busy machine it still pays:
 * the scheduler shares the cores among threads, so two of them get this run a larger share
 * (measured on 2 cores with two CPU hogs: 2.1 s instead of 2.3 s; with one hog about even).
 * The load average is no guide: it counts the last minute's runs, our own included (CI running
 * check several times in a row), and turned the thread off on idle cores.
 */
export function worthAThread(): boolean {
  return availableParallelism() > 1;
}

function spawn(): Worker {
  const worker = new Worker(WORKER_URL);
  worker.unref(); // never keeps the process alive
  // a failing worker only slows things down: the main thread does whatever it leaves (a file it
  // had claimed after a short wait); its error must not end the process
  worker.on("error", () => undefined);
  return worker;
}
