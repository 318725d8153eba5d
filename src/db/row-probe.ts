import type pg from "pg";
import type { RowQuestion } from "../analyze/effects/rows.js";

export interface RowProbeOptions {
  /** per question (statement_timeout); a question that takes longer stays unanswered */
  timeoutMs?: number;
  /** questions asked per run at most; the rest stay unanswered (the cautious assumption holds) */
  maxQuestions?: number;
}

/**
 * Answer effects/rows.ts questions on the target database: `SELECT EXISTS (<the rows in
 * question>)` in a READ ONLY transaction under a short statement_timeout, one statement per query
 * (extended protocol). Anything that fails or times out stays unanswered. Returns a prober that
 * remembers answers and its budget across files.
 */
export function rowProber(client: pg.ClientBase, opts: RowProbeOptions = {}): (questions: RowQuestion[]) => Promise<Map<string, boolean>> {
  const timeout = opts.timeoutMs ?? 300;
  let left = opts.maxQuestions ?? 200;
  const answered = new Map<string, boolean | undefined>();
  return async (questions) => {
    const out = new Map<string, boolean>();
    for (const q of questions) {
      if (!answered.has(q.key) && left > 0) {
        left--;
        answered.set(q.key, await ask(client, q, timeout));
      }
      const a = answered.get(q.key);
      if (a !== undefined) out.set(q.key, a);
    }
    return out;
  };
}

async function ask(client: pg.ClientBase, q: RowQuestion, timeoutMs: number): Promise<boolean | undefined> {
  try {
    await client.query("BEGIN READ ONLY");
    await client.query("SELECT set_config('statement_timeout', $1, true)", [String(timeoutMs)]);
    const text = `SELECT EXISTS (${q.sql}) AS found`;
    const { rows } = await client.query<{ found: boolean }>({ text, values: q.values, queryMode: "extended" } as pg.QueryConfig);
    return rows[0]?.found === true;
  } catch {
    return undefined; // timed out, no privilege, or a WHERE that only makes sense inside its statement
  } finally {
    await client.query("ROLLBACK").catch(() => undefined);
  }
}
