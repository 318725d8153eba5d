import type { AnalysisError, FileReport, StatementReport } from "../analyze/types.js";
import { maxRisk, riskFromLocks } from "../analyze/risk.js";
import type { Shadow } from "../db/shadow.js";
import { ScriptSyntaxError, positionIn, splitScript } from "../db/sql-script.js";
import { describeNode } from "../analyze/describe.js";
import { Observer } from "./observe.js";
import type { RowFeeder } from "./rows/feeder.js";

const DML = new Set(["InsertStmt", "UpdateStmt", "DeleteStmt", "MergeStmt"]);

/**
 * `lockstep trace`: run a migration's statements one by one on a shadow database and report the
 * locks and rewrites Postgres really performed, in the same shape as `check`.
 * Transaction control (BEGIN/COMMIT/...) is not run: every statement gets its own transaction so
 * its locks are its own. With `keep: false` transactional statements are rolled back (the shadow
 * stays as it was, for tracing statements independently); non-transactional ones still take effect.
 * With `rows`, each DML statement first gets the rows it needs in the shadow (see rows/feeder.ts);
 * what was copied or made up, and a statement that still touched no row, are said in `assumptions`.
 */
export async function traceSql(
  path: string,
  sql: string,
  shadow: Pick<Shadow, "url" | "client">,
  opts: { keep?: boolean; rows?: RowFeeder } = {},
): Promise<FileReport> {
  const report: FileReport = { path, risk: "low", statements: [], errors: [] };
  let statements;
  try {
    statements = await splitScript(sql);
  } catch (e) {
    if (!(e instanceof ScriptSyntaxError)) throw e;
    report.errors.push({ code: "syntax-error", message: e.message, line: e.line, column: e.column });
    return report;
  }
  const observer = new Observer(shadow.url, shadow.client);
  try {
    for (const s of statements) {
      const kind = describeNode(s.tree, undefined).kind; // the same kinds as `check`
      const entry: StatementReport = {
        index: s.index,
        line: s.line,
        column: s.column,
        sql: s.sql,
        kind,
        transactional: true,
        risk: "low",
        locks: [],
        rewrites: [],
        findings: [],
      };
      report.statements.push(entry);
      if (s.node === "TransactionStmt") continue;
      const notes = opts.rows ? await opts.rows.prepare(s.sql) : [];
      const seen = await observer.observe(s.sql, opts);
      if (opts.rows && DML.has(s.node) && seen.rowCount === 0) {
        notes.push("it touched no row on the shadow database: the row triggers, foreign-key checks and cascades it would fire were not observed");
      }
      if (notes.length) (report.assumptions ??= []).push(...notes.map((n) => `${path}:${s.line}: ${n}`));
      entry.transactional = seen.transactional;
      entry.locks = seen.locks;
      entry.rewrites = seen.rewrites;
      entry.risk = riskFromLocks(seen.locks);
      if (seen.error) report.errors.push(statementError(sql, s, seen.error));
    }
  } finally {
    await observer.close();
  }
  report.risk = maxRisk(report.statements.map((s) => s.risk));
  return report;
}

function statementError(
  text: string,
  s: { offset: number; line: number; column: number; index: number },
  error: { code?: string; message: string; position?: number },
): AnalysisError {
  const at = error.position ? positionIn(text, s.offset + error.position - 1) : { line: s.line, column: s.column };
  return { code: "statement-failed", message: `statement ${s.index} failed on the shadow database: ${error.message}`, ...at };
}
