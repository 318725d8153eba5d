import { describe, expect, it } from "vitest";
import type { BackfillProgress } from "../../src/backfill/engine.js";
import { parseBackfillExpressions } from "../../src/backfill/expressions.js";
import { progressBar } from "../../src/backfill/progress.js";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { loadSpecFile, parseSpec, runKey } from "../../src/backfill/spec.js";
import { BatchSizer } from "../../src/backfill/throttle.js";
import { nextWindowOpening, parseWindows } from "../../src/backfill/windows.js";

const event = (over: Partial<BackfillProgress> = {}): BackfillProgress => ({
  run_id: "bf_1", table: "public.t", status: "running", rows: 10, scanned: 50, estimated_total: 100, batches: 1, batch_size: 50,
  last_batch_ms: 10, max_batch_ms: 10, rows_per_s: 100, eta_s: 5, pass: 1, seconds: 1, throttle: null, ...over,
});

describe("backfill pieces", () => {
  it("batch size grows towards its aim below the target duration, at most 4x a batch, and shrinks fast", () => {
    const s = new BatchSizer({ targetMs: 200 });
    const aim = 200 * BatchSizer.AIM;
    expect(s.current).toBe(100);
    s.observe(100, aim / 20); // 20x under the aim: 4x
    expect(s.current).toBe(400);
    s.observe(400, aim / 3); // 3x under: 2x
    expect(s.current).toBe(800);
    s.observe(800, aim / 1.25); // close: to the ideal
    expect(s.current).toBe(1000);
    s.observe(1000, aim * 4); // 4x over: down to the ideal
    expect(s.current).toBe(250);
    s.observe(50, 1, { partial: true }); // a short final batch says nothing
    expect(s.current).toBe(250);
    s.observe(200, aim); // judged by the keys it really had
    expect(s.current).toBe(200);
    const fixed = new BatchSizer({ targetMs: 200, fixed: 77 });
    fixed.observe(77, 1);
    expect(fixed.current).toBe(77);
  });

  it("windows: inside, outside, and wrapping midnight", () => {
    const w = parseWindows(["01:00-05:00", "22:00-23:30"]);
    expect(nextWindowOpening(w, new Date(2026, 0, 1, 2, 0))).toBeNull();
    const next = nextWindowOpening(w, new Date(2026, 0, 1, 12, 0))!;
    expect([next.opensAt.getHours(), next.opensAt.getDate(), next.window.text]).toEqual([22, 1, "22:00-23:30"]);
    const wrap = parseWindows(["23:00-02:00"]);
    expect(nextWindowOpening(wrap, new Date(2026, 0, 1, 1, 0))).toBeNull();
    expect(nextWindowOpening(wrap, new Date(2026, 0, 1, 3, 0))!.opensAt.getHours()).toBe(23);
    expect(() => parseWindows(["1am-5am"])).toThrow(/HH:MM-HH:MM/);
  });

  it("progress bar: percent of the estimate, rows, ETA, throttle", () => {
    expect(progressBar(event({ throttle: "replication lag 3.0 s > 1.0 s" }))).toMatch(/\[#{12}\.{12}\]\s+50%.*10 rows.*ETA 5s.*\(replication lag/);
  });

  it("spec: snake_case fields, one or many sets; the run key ignores whitespace", () => {
    const s = parseSpec({ table: "t", set: "a = b", batch_size: "500", target_batch_ms: 100, save_old: true }, "x");
    expect(s).toMatchObject({ table: "t", set: ["a = b"], batch_size: 500, target_batch_ms: 100, save_old: true, sleep_ms: 0 });
    expect(parseSpec({ table: "t", set: ["a = b", "c = d"] }, "x").batch_size).toBe("auto");
    expect(() => parseSpec({ table: "t", set: "a = b", batchsize: 1 }, "spec.yml")).toThrow(/invalid backfill spec spec.yml/);
    const bad = path.join(mkdtempSync(path.join(os.tmpdir(), "bf-spec-")), "bad.yml");
    writeFileSync(bad, "table: t\nset: [a = b\n");
    expect(() => loadSpecFile(bad)).toThrow(/invalid YAML in .*bad.yml: line \d+, column \d+/);
    expect(runKey("db", "public.t", ["a  =  b"], " x > 1")).toBe(runKey("db", "public.t", ["a = b"], "x > 1"));
    expect(runKey("db", "public.t", ["a = b"], "x > 1")).not.toBe(runKey("db", "public.t", ["a = b"], "x > 2"));
  });

  it("parses --set and --where, with line and column on errors, refusing statement injection", async () => {
    const e = await parseBackfillExpressions(['"Full Name" = initcap(first) || \' \' || public.clean(last, 2)'], "a > 1");
    expect(e.sets[0]).toMatchObject({ column: "Full Name" });
    expect(e.functions).toEqual([{ name: ["initcap"], args: 1 }, { name: ["public", "clean"], args: 2 }]);
    await expect(parseBackfillExpressions(["a = 1; DROP TABLE t"], undefined)).rejects.toThrow(/line 1, column 6: only one expression/);
    await expect(parseBackfillExpressions(["a = b"], "x > 1\n  AND y >")).rejects.toThrow(/--where [\s\S]*line 2, column \d+/);
    await expect(parseBackfillExpressions(["a"], undefined)).rejects.toThrow(/expected "column = expression"/);
  });
});
