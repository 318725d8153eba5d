/**
 * Worker thread of describe-ahead.ts: claims files in order (skipping those the main thread took),
 * reads, parses and describes them, and posts the results. Parse trees stay here; sources,
 * positions and summaries travel.
 */
import { parentPort } from "node:worker_threads";
import { AHEAD_WINDOW, BY_WORKER, FREE, readAndDescribe, type AheadItem, type AheadJob, type AheadResult } from "./describe-ahead.js";
import { compactSummary } from "./describe.js";
import { loadParser } from "./parse.js";
import { readListed } from "./sources.js";

/** The main thread has caught up: leap this far ahead of it rather than race it file by file. */
const LEAP = 8;

const parser = loadParser(); // now: the worker may be started before its job is known (prewarm)
parentPort!.once("message", (job: AheadJob) => {
  void parser.then(() => run(job));
});

function run({ items, steal, claims: shared, port }: AheadJob): void {
  const claims = new Int32Array(shared);
  const posted = items.length;
  const mainAt = items.length + 1;
  for (let index = 0; index < items.length; index++) {
    for (let at = Atomics.load(claims, mainAt); index - at > AHEAD_WINDOW; at = Atomics.load(claims, mainAt)) Atomics.wait(claims, mainAt, at);
    const at = Atomics.load(claims, mainAt);
    if (steal && at >= 0 && index <= at + 1) index = at + LEAP; // the main thread would soon wait for this file
    if (index >= items.length) break;
    if (Atomics.compareExchange(claims, index, FREE, BY_WORKER) !== FREE) {
      index += LEAP - 1;
      continue;
    }
    port.postMessage(doOne(index, items[index]!));
    Atomics.add(claims, posted, 1);
    Atomics.notify(claims, posted);
  }
}

function doOne(index: number, item: AheadItem): AheadResult {
  try {
    const { source, described } = readAndDescribe(item);
    if (!described) return { index, source };
    const statements = described.statements.map(({ st, summary }) => ({ st: { index: st.index, sql: st.sql, byteStart: st.byteStart, line: st.line, column: st.column }, summary: compactSummary(summary) }));
    return { index, source, described: { errors: described.errors, statements } };
  } catch {
    return { index, source: "abs" in item ? readListed(item) : item, error: true };
  }
}
