/**
 * Worker thread of describe-ahead.ts: claims files in order (skipping those the main thread took),
 * parses and describes them, and posts the results. Parse trees stay here; positions and
 * summaries travel.
 */
import { parentPort } from "node:worker_threads";
import { BY_WORKER, FREE, type AheadJob, type AheadResult } from "./describe-ahead.js";
import { describeSql } from "./describe.js";
import { loadParser } from "./parse.js";

parentPort!.once("message", (job: AheadJob) => {
  void loadParser().then(() => run(job));
});

/** Main took a file: it has caught up, so jump this far ahead rather than race it file by file. */
const LEAP = 8;

function run({ texts, claims: shared, port }: AheadJob): void {
  const claims = new Int32Array(shared);
  const posted = texts.length;
  for (let index = 0; index < texts.length; index++) {
    const text = texts[index];
    if (text === undefined) continue;
    if (Atomics.compareExchange(claims, index, FREE, BY_WORKER) !== FREE) {
      index += LEAP - 1;
      continue;
    }
    port.postMessage(describeOne(index, text));
    Atomics.add(claims, posted, 1);
    Atomics.notify(claims, posted);
  }
}

function describeOne(index: number, text: string): AheadResult {
  try {
    const d = describeSql(text);
    const statements = d.statements.map(({ st, summary }) => ({ st: { index: st.index, sql: st.sql, byteStart: st.byteStart, line: st.line, column: st.column }, summary }));
    return { index, described: { errors: d.errors, statements } };
  } catch {
    return { index, error: true };
  }
}
