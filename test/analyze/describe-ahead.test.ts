import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type * as Analyze from "../../src/analyze/analyze.js";
import type * as Describe from "../../src/analyze/describe.js";
import type * as Parse from "../../src/analyze/parse.js";
import { rules } from "../../src/analyze/rules/index.js";
import { REPO_ROOT } from "../helpers/cli.js";
import { LOCK_CASES } from "./lock-cases.js";

// The worker runs the built script (dist/src/analyze/describe-worker.js): test the built module,
// as the CLI runs it (`npm test` builds first).
const { analyzePathsDetailed } = (await import(path.join(REPO_ROOT, "dist/src/analyze/analyze.js"))) as typeof Analyze;
const { compactSummary, describeSql, expandSummary } = (await import(path.join(REPO_ROOT, "dist/src/analyze/describe.js"))) as typeof Describe;
const { loadParser } = (await import(path.join(REPO_ROOT, "dist/src/analyze/parse.js"))) as typeof Parse;

const dir = mkdtempSync(path.join(tmpdir(), "lockstep-ahead-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A few hundred migration files of many statement kinds, in one schema's order (a directory). */
function writeMigrations(): string {
  const sqls = [...LOCK_CASES.map((c) => `${c.setup ?? ""}\n${c.sql};`), ...rules.flatMap((r) => [r.docs.bad, r.docs.good]), "SELECT 1 FROM;", "", "-- only a comment\n"];
  sqls.forEach((sql, i) => writeFileSync(path.join(dir, `${String(i + 1).padStart(4, "0")}_m.sql`), sql));
  return dir;
}

describe("reading and describing ahead in a worker thread", () => {
  it("gives byte-identical reports to doing it in-process, in the same order", async () => {
    const inputs = [writeMigrations(), path.join(dir, "missing.sql")];
    const inProcess = await analyzePathsDetailed(inputs, { keepStatements: false, describeAhead: false });
    const ahead = await analyzePathsDetailed(inputs, { keepStatements: false, describeAhead: "worker-only" });
    const shared = await analyzePathsDetailed(inputs, { keepStatements: false, describeAhead: true }); // the main thread takes what the worker has not started
    expect(inProcess.length).toBeGreaterThan(250);
    expect(inProcess.some((f) => f.report.errors.some((e) => e.code === "syntax-error"))).toBe(true);
    expect(inProcess.at(-1)!.report.errors[0]!.code).toBe("not-found");
    expect(ahead.map((f) => f.source)).toEqual(inProcess.map((f) => f.source));
    expect(JSON.stringify(ahead.map((f) => f.report))).toBe(JSON.stringify(inProcess.map((f) => f.report)));
    expect(JSON.stringify(shared.map((f) => f.report))).toBe(JSON.stringify(inProcess.map((f) => f.report)));
  });

  it("compacts summaries for the trip between threads and restores them exactly, key order included", async () => {
    await loadParser();
    const sqls = [...LOCK_CASES.map((c) => `${c.setup ?? ""}\n${c.sql};`), ...rules.flatMap((r) => [r.docs.bad, r.docs.good])];
    const summaries = sqls.flatMap((sql) => describeSql(sql).statements.map((x) => x.summary));
    expect(summaries.length).toBeGreaterThan(250);
    for (const s of summaries) {
      const compact = compactSummary(s);
      expect(JSON.stringify(expandSummary(structuredClone(compact)))).toBe(JSON.stringify(s));
      expect(Object.keys(expandSummary(compact))).toEqual(Object.keys(s));
    }
    const plain = describeSql("SELECT 1").statements[0]!.summary;
    expect(Object.keys(compactSummary(plain)).length).toBeLessThan(Object.keys(plain).length / 2);
  });
});
