import type pg from "pg";
import type { RowQuestion } from "../analyze/effects/rows.js";

export interface RowProbeOptions {
  /** per question (statement_timeout); a question that takes longer stays unanswered */
  timeoutMs?: number;
  /** questions asked per run at most; the rest stay unanswered (the cautious assumption holds) */
  maxQuestions?: number;
}

/**
 * Answer effects/rows.ts questions on the target database: `SELECT EXISTS (SELECT 1 FROM t WHERE
 * <the statement's WHERE> ...)` in a READ ONLY transaction under a short statement_timeout, one
 * statement per query (extended protocol). Anything that fails or times out stays unanswered.
 * Returns a prober that remembers its budget across files.
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
  const { text, values } = probeQuery(q);
  try {
    await client.query("BEGIN READ ONLY");
    await client.query("SELECT set_config('statement_timeout', $1, true)", [String(timeoutMs)]);
    const { rows } = await client.query<{ found: boolean }>({ text, values, queryMode: "extended" } as pg.QueryConfig);
    return rows[0]?.found === true;
  } catch {
    return undefined; // timed out, no privilege, or a WHERE that only makes sense inside its statement
  } finally {
    await client.query("ROLLBACK").catch(() => undefined);
  }
}

/** The probe's SQL; the values of `differs` go as parameters. */
export function probeQuery(q: RowQuestion): { text: string; values: Array<string | null> } {
  const values: Array<string | null> = [];
  const target = `${qualifiedIdent(q.table)}${q.alias ? ` AS ${ident(q.alias)}` : ""}`;
  const terms = [q.where ? `(${q.where})` : "true"];
  if (q.differs?.length) {
    const col = (c: string) => `${q.alias ? `${ident(q.alias)}.` : ""}${ident(c)}`;
    terms.push(`(${q.differs.map((d) => (values.push(d.value), `${col(d.column)} IS DISTINCT FROM $${values.length}`)).join(" OR ")})`);
  }
  return { text: `SELECT EXISTS (SELECT 1 FROM ${target} WHERE ${terms.join(" AND ")}) AS found`, values };
}

function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function qualifiedIdent(name: string): string {
  const dot = name.indexOf(".");
  return dot < 0 ? ident(name) : `${ident(name.slice(0, dot))}.${ident(name.slice(dot + 1))}`;
}
