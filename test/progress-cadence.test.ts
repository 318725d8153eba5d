import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { progressCadence } from "../src/progress-cadence.js";

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

/** A recording send: when each state went out (fake clock), optionally taking `ms` to complete. */
function recorder(ms = 0) {
  const sent: Array<{ state: number; at: number }> = [];
  let inFlight = 0;
  let overlapped = false;
  const send = async (state: number) => {
    if (inFlight++ > 0) overlapped = true;
    sent.push({ state, at: Date.now() });
    if (ms) await new Promise((r) => setTimeout(r, ms));
    inFlight--;
  };
  return { sent, send, overlapped: () => overlapped };
}

describe("progressCadence", () => {
  it("sends the first state at once, then at most one a second, always ending on the latest", async () => {
    const r = recorder();
    const c = progressCadence(r.send, 1000);
    const t0 = Date.now();
    // a status that flips with every batch, ten batches a second, for 5 s
    for (let i = 1; i <= 50; i++) {
      c.update(i);
      await vi.advanceTimersByTimeAsync(100);
    }
    await vi.advanceTimersByTimeAsync(2000);
    expect(r.sent[0]).toEqual({ state: 1, at: t0 });
    expect(r.sent.length).toBeLessThanOrEqual(6);
    expect(r.sent.at(-1)!.state).toBe(50);
    expect(r.sent.slice(1).every((s, i) => s.at - r.sent[i]!.at >= 1000)).toBe(true);
  });

  it("a trailing send carries the latest state once the second is up", async () => {
    const r = recorder();
    const c = progressCadence(r.send, 1000);
    c.update(1);
    await vi.advanceTimersByTimeAsync(10);
    c.update(2);
    c.update(3);
    await vi.advanceTimersByTimeAsync(500);
    expect(r.sent.map((s) => s.state)).toEqual([1]);
    await vi.advanceTimersByTimeAsync(500);
    expect(r.sent.map((s) => s.state)).toEqual([1, 3]);
  });

  it("never sends two at once: a slow send delays the next", async () => {
    const r = recorder(2500);
    const c = progressCadence(r.send, 1000);
    c.update(1);
    await vi.advanceTimersByTimeAsync(100);
    c.update(2);
    await vi.advanceTimersByTimeAsync(2000);
    expect(r.sent.map((s) => s.state)).toEqual([1]);
    await vi.advanceTimersByTimeAsync(500);
    expect(r.sent.map((s) => s.state)).toEqual([1, 2]);
    expect(r.overlapped()).toBe(false);
  });

  it("finish drops the pending state and sends the final one at once, after the send in flight", async () => {
    const r = recorder(300);
    const c = progressCadence(r.send, 1000);
    c.update(1);
    await vi.advanceTimersByTimeAsync(50);
    c.update(2);
    const done = c.finish(99);
    await vi.advanceTimersByTimeAsync(300);
    await vi.advanceTimersByTimeAsync(300);
    await done;
    expect(r.sent.map((s) => s.state)).toEqual([1, 99]);
    expect(r.overlapped()).toBe(false);
    c.update(3);
    await vi.advanceTimersByTimeAsync(2000);
    expect(r.sent.map((s) => s.state)).toEqual([1, 99]);
  });

  it("a failed send is dropped; the next state goes out", async () => {
    const sent: number[] = [];
    const c = progressCadence((s: number) => {
      sent.push(s);
      if (s === 1) throw new Error("429");
    }, 1000);
    c.update(1);
    c.update(2);
    await vi.advanceTimersByTimeAsync(1000);
    expect(sent).toEqual([1, 2]);
  });
});
