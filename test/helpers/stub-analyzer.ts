import type { CheckReport, Risk, StatementReport } from "../../src/analyze/types.js";
import type { Analyzer } from "../../src/slack/run-check.js";

/**
 * Stand-in for the analyzer branch until it lands on main: a crude reading of the SQL that is
 * enough to drive the Slack flow (risk levels, locks, findings). Not a test of analysis.
 */
export const stubAnalyzer: Analyzer = async ({ files }) => {
  const report: CheckReport = { version: 1, files: [] };
  for (const f of files) {
    const sql = f.bytes.toString("utf8");
    const statements: StatementReport[] = sql
      .split(";")
      .map((s) => s.trim())
      .filter(Boolean)
      .map((s, index) => describe(s, index, sql.slice(0, sql.indexOf(s)).split("\n").length));
    const risk = statements.reduce<Risk>((r, s) => (rank(s.risk) > rank(r) ? s.risk : r), "low");
    report.files.push({ path: f.path, risk, statements, errors: [] });
  }
  return report;
};

const RANK: Risk[] = ["low", "medium", "high", "critical"];
const rank = (r: Risk) => RANK.indexOf(r);

function describe(sql: string, index: number, line: number): StatementReport {
  const table = /(?:TABLE|ON)\s+([a-z_."]+)/i.exec(sql)?.[1]?.replace(/"/g, "") ?? "unknown";
  const relation = table.includes(".") ? table : `public.${table}`;
  const base = { index, line, column: 1, sql, transactional: true, rewrites: [] as string[] };
  if (/ADD\s+COLUMN.*NOT\s+NULL/i.test(sql) && !/DEFAULT/i.test(sql)) {
    return {
      ...base,
      kind: "alter-table",
      risk: "high",
      locks: [{ relation, mode: "AccessExclusiveLock" }],
      findings: [{ rule: "adding-required-field", severity: "error", message: `NOT NULL column without a default on ${relation}`, fix: "add it nullable, backfill, then add the constraint", ignored: false }],
    };
  }
  if (/CREATE\s+INDEX\s+(?!CONCURRENTLY)/i.test(sql)) {
    return {
      ...base,
      kind: "create-index",
      risk: "medium",
      locks: [{ relation, mode: "ShareLock" }],
      findings: [{ rule: "require-concurrent-index", severity: "error", message: "CREATE INDEX without CONCURRENTLY blocks writes", fix: "CREATE INDEX CONCURRENTLY", ignored: false }],
    };
  }
  return { ...base, kind: "other", risk: "low", locks: [], findings: [] };
}
