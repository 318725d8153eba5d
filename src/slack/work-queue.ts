/**
 * Work that runs after the ack, a few at a time: the ack path (signature check, ack) never queues
 * behind analyses for the event loop or for state-database connections.
 *
 * Acks go first for the machine's cores too: during a burst of requests (slash commands), jobs not
 * yet started wait until no request is being answered and none came in for `quietMs`, or until the
 * oldest has waited `maxHoldMs` (so a steady stream of requests cannot starve them). A job's
 * analysis, its Postgres work and its Slack calls would otherwise compete with the burst's acks
 * on a small machine. (The quiet period, not just "none in flight": the bot may answer every
 * request in flight while the clients' next ones are still on their way.)
 */
export interface WorkQueue {
  /** Schedule; never throws (the job reports its own errors). */
  push(job: () => Promise<void>): void;
  /** Resolves when nothing is queued or running (shutdown, tests). */
  idle(): Promise<void>;
  /** A request is being answered (the HTTP receiver calls these; Socket Mode does not hold work). */
  ackStarted(): void;
  ackFinished(): void;
}

export const DEFAULT_MAX_HOLD_MS = 1000;
export const DEFAULT_QUIET_MS = 25;

export function workQueue(concurrency: number, onError: (e: unknown) => void, opts: { maxHoldMs?: number; quietMs?: number } = {}): WorkQueue {
  const maxHoldMs = opts.maxHoldMs ?? DEFAULT_MAX_HOLD_MS;
  const quietMs = opts.quietMs ?? DEFAULT_QUIET_MS;
  const waiting: Array<{ job: () => Promise<void>; since: number }> = [];
  let running = 0;
  let acks = 0;
  let lastAckAt = -Infinity;
  let holdTimer: NodeJS.Timeout | undefined;
  let idleWaiters: Array<() => void> = [];

  /** true (and a timer set to look again) while the oldest job may still wait for the acks */
  const holding = (): boolean => {
    const now = Date.now();
    const heldFor = now - waiting[0]!.since;
    const quietFor = now - lastAckAt;
    if ((acks === 0 && quietFor >= quietMs) || heldFor >= maxHoldMs) return false;
    const lookAgain = Math.min(maxHoldMs - heldFor, acks === 0 ? quietMs - quietFor : quietMs);
    holdTimer ??= setTimeout(() => {
      holdTimer = undefined;
      pump();
    }, Math.max(1, lookAgain)).unref();
    return true;
  };

  const pump = () => {
    while (running < concurrency && waiting.length > 0 && !holding()) {
      const { job } = waiting.shift()!;
      running++;
      // a macrotask: the acks already in the event loop go out first
      setImmediate(() => {
        job()
          .catch(onError)
          .finally(() => {
            running--;
            pump();
          });
      });
    }
    if (running === 0 && waiting.length === 0) {
      const w = idleWaiters;
      idleWaiters = [];
      w.forEach((f) => f());
    }
  };

  return {
    push(job) {
      waiting.push({ job, since: Date.now() });
      pump();
    },
    idle() {
      return running === 0 && waiting.length === 0 ? Promise.resolve() : new Promise((resolve) => idleWaiters.push(resolve));
    },
    ackStarted() {
      acks++;
      lastAckAt = Date.now();
    },
    ackFinished() {
      acks--;
      lastAckAt = Date.now();
      if (acks === 0 && waiting.length > 0) pump();
    },
  };
}
