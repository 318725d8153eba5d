/** Progress messages (Slack threads, CLI JSON lines) change at most once a second. */
export const PROGRESS_INTERVAL_MS = 1000;

export interface ProgressCadence<T> {
  /**
   * A new state. Sent at once when the interval since the last send is up; otherwise kept (the
   * latest wins, whatever changed) and sent when it is up.
   */
  update(state: T): void;
  /**
   * The end: a pending state is dropped, `last` (the final summary) is sent at once, after a send
   * still in flight; later updates are ignored. Resolves when everything sent is done.
   */
  finish(last?: T): Promise<void>;
}

/**
 * Paces the sends of one progress message: at most one per `intervalMs` (counted from the start
 * of the previous send, and never two at once), the latest state always shown in the end. A send
 * that fails is dropped (the next state replaces it).
 */
export function progressCadence<T>(send: (state: T) => void | Promise<void>, intervalMs = PROGRESS_INTERVAL_MS): ProgressCadence<T> {
  let pending: { state: T } | undefined;
  let lastStart = -Infinity;
  let inFlight: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let finished = false;

  const start = (state: T) => {
    lastStart = Date.now();
    // called at once, so a synchronous send (a line on stdout) keeps its place among other output
    let sending: void | Promise<void>;
    try {
      sending = send(state);
    } catch {
      sending = undefined;
    }
    inFlight = Promise.resolve(sending)
      .catch(() => undefined)
      .finally(() => {
        inFlight = undefined;
        pump();
      });
  };

  const pump = () => {
    if (!pending || finished || inFlight || timer) return;
    const wait = lastStart + intervalMs - Date.now();
    if (wait > 0) {
      timer = setTimeout(() => {
        timer = undefined;
        pump();
      }, wait);
      timer.unref();
      return;
    }
    const { state } = pending;
    pending = undefined;
    start(state);
  };

  return {
    update(state) {
      if (finished) return;
      pending = { state };
      pump();
    },
    async finish(last) {
      if (finished) return;
      finished = true;
      pending = undefined;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await inFlight;
      if (last !== undefined) await send(last);
    },
  };
}
