/**
 * Work that runs after the ack, a few at a time: the ack path (signature check, ack) never queues
 * behind analyses for the event loop or for state-database connections.
 */
export interface WorkQueue {
  /** Schedule; never throws (the job reports its own errors). */
  push(job: () => Promise<void>): void;
  /** Resolves when nothing is queued or running (shutdown, tests). */
  idle(): Promise<void>;
}

export function workQueue(concurrency: number, onError: (e: unknown) => void): WorkQueue {
  const waiting: Array<() => Promise<void>> = [];
  let running = 0;
  let idleWaiters: Array<() => void> = [];

  const pump = () => {
    while (running < concurrency && waiting.length > 0) {
      const job = waiting.shift()!;
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
      waiting.push(job);
      pump();
    },
    idle() {
      return running === 0 && waiting.length === 0 ? Promise.resolve() : new Promise((resolve) => idleWaiters.push(resolve));
    },
  };
}
