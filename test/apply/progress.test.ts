import { Writable } from "node:stream";
import { describe, expect, it, vi } from "vitest";
import { progressReporter } from "../../src/apply/progress.js";
import type { ApplyEvent } from "../../src/apply/types.js";

function sink(isTTY: boolean): Writable & { isTTY?: boolean; text: () => string } {
  let out = "";
  const w = new Writable({
    write(chunk, _enc, cb) {
      out += String(chunk);
      cb();
    },
  }) as Writable & { isTTY?: boolean; text: () => string };
  w.isTTY = isTTY;
  w.text = () => out;
  return w;
}

const events: ApplyEvent[] = [
  { type: "start", target: "prod", migrations: 1, steps: 2, history: "golang-migrate" },
  { type: "statement-start", step: 1, steps: 2, version: "1", statement: 0, sql: "ALTER TABLE users ADD COLUMN a int" },
  { type: "retry", version: "1", statement: 0, attempt: 1, of: 5, delayMs: 200, reason: "could not get the lock in time (lock_timeout)" },
  { type: "statement-start", step: 2, steps: 2, version: "1", statement: 1, sql: "CREATE INDEX CONCURRENTLY i ON users (a)" },
  { type: "migration-done", version: "1", name: "a", durationMs: 1234 },
];

describe("CLI progress", () => {
  it("is JSON lines, one event per line, when not on a terminal", async () => {
    const out = sink(false);
    const report = progressReporter(out);
    events.forEach((e) => report.event(e));
    await report.close();
    const lines = out.text().trim().split("\n").map((l) => JSON.parse(l));
    // the second statement-start comes within the second of the first: it waits (and is dropped at the end)
    expect(lines.map((l) => l.type)).toEqual(["start", "statement-start", "retry", "migration-done"]);
    expect(lines[2]).toMatchObject({ attempt: 1, of: 5, at: expect.any(String) });
  });

  it("writes where the run is at most once a second, the latest, and what happened at once", async () => {
    vi.useFakeTimers();
    try {
      const out = sink(false);
      const report = progressReporter(out);
      for (let step = 1; step <= 30; step++) {
        report.event({ type: "statement-start", step, steps: 30, version: "1", statement: step - 1, sql: `SELECT ${step}` });
        if (step === 15) report.event({ type: "retry", version: "1", statement: 14, attempt: 1, of: 5, delayMs: 100, reason: "lock" });
        await vi.advanceTimersByTimeAsync(100);
      }
      await vi.advanceTimersByTimeAsync(1000);
      await report.close();
      const lines = out.text().trim().split("\n").map((l) => JSON.parse(l) as { type: string; step?: number; at: string });
      const positions = lines.filter((l) => l.type === "statement-start");
      // 3 s of statements, one every 100 ms: the first at once, then one a second; the last one shown
      expect(positions.map((l) => l.step)).toEqual([1, 10, 20, 30]);
      expect(lines.filter((l) => l.type === "retry")).toHaveLength(1);
      const times = positions.map((l) => Date.parse(l.at));
      expect(times.slice(1).every((t, i) => t - times[i]! >= 1000)).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });

  it("is a redrawn bar with step n/m and lock waits on a terminal", () => {
    const out = sink(true);
    const report = progressReporter(out);
    events.forEach((e) => report.event(e));
    const text = out.text();
    expect(text).toContain("1/2 1 #1 ALTER TABLE users ADD COLUMN a int");
    expect(text).toMatch(/\[#{12}-{12}\] 2\/2 1 #2 CREATE INDEX CONCURRENTLY/);
    expect(text).toContain("lock waits 1");
    expect(text).toContain("retry 1/5");
    expect(text).toContain("applied 1 a in 1.23s");
  });
});
