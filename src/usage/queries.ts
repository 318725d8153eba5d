import { scanSync } from "../analyze/parse.js";
import type { RecordedStatement } from "../db/query-stats.js";

/** A statement as recorded, reduced to what matching and showing it need. */
export interface ScannedStatement {
  calls: number;
  /** identifiers as Postgres resolves them: unquoted folded to lower case, quoted as written */
  names: Set<string>;
  /** schema changes (ALTER, CREATE, DROP, ...) are not the application's use of a name */
  ddl: boolean;
  /** the text with comments dropped and every constant as $n; undefined when it could not be scanned */
  shown?: string;
}

interface Token {
  start: number;
  end: number;
  text: string;
  tokenName: string;
  keywordKind: number;
}

const DDL = new Set(["alter", "create", "drop", "comment", "grant", "revoke", "analyze", "analyse", "vacuum", "reindex", "cluster", "security"]);
const CONSTANTS = new Set(["SCONST", "ICONST", "FCONST", "BCONST", "XCONST", "USCONST"]);
const EXAMPLE_CHARS = 200;

/** Scan a recorded statement (needs the parser loaded). One that does not scan keeps its words, unshown. */
export function scanStatement(s: RecordedStatement): ScannedStatement {
  let tokens: Token[];
  try {
    tokens = (scanSync(s.query) as unknown as { tokens: Token[] }).tokens;
  } catch {
    const words = s.query.match(/[A-Za-z_][A-Za-z0-9_$]*/g) ?? [];
    return { calls: s.calls, names: new Set(words.flatMap((w) => [w, w.toLowerCase()])), ddl: DDL.has(words[0]?.toLowerCase() ?? "") };
  }
  const code = tokens.filter((t) => t.tokenName !== "SQL_COMMENT" && t.tokenName !== "C_COMMENT");
  const names = new Set<string>();
  for (const t of code) {
    if (t.tokenName === "IDENT") names.add(t.text.startsWith('"') ? t.text.slice(1, -1).replace(/""/g, '"') : t.text.toLowerCase());
    else if (t.keywordKind > 0) names.add(t.text.toLowerCase());
  }
  return { calls: s.calls, names, ddl: DDL.has(code[0]?.text.toLowerCase() ?? ""), shown: shownText(s.query, code) };
}

/**
 * Rebuilt from the tokens: comments dropped (they may carry anything), constants Postgres left in
 * place (utility statements) replaced by $n like the ones it normalised, whitespace collapsed.
 * Never a literal: safe to post in Slack.
 */
function shownText(query: string, tokens: Token[]): string {
  const bytes = Buffer.from(query, "utf8");
  let param = Math.max(0, ...tokens.filter((t) => t.tokenName === "PARAM").map((t) => Number(t.text.slice(1)) || 0));
  let out = "";
  let prevEnd = -1;
  for (const t of tokens) {
    const literal = CONSTANTS.has(t.tokenName) || (t.tokenName !== "IDENT" && t.text.includes("'")) || t.text.startsWith("$$") || /^\$\w*\$/.test(t.text);
    const text = literal ? `$${++param}` : bytes.subarray(t.start, t.end).toString("utf8");
    out += (prevEnd >= 0 && t.start > prevEnd ? " " : "") + text;
    prevEnd = t.end;
  }
  return out.length > EXAMPLE_CHARS ? `${out.slice(0, EXAMPLE_CHARS - 1)}…` : out;
}

export interface QueryMatch {
  statements: number;
  calls: number;
  example?: string;
}

/** The application statements that name the table (and the column, when given). */
export function statementsUsing(scanned: ScannedStatement[], table: string, column?: string): QueryMatch {
  const using = scanned.filter((s) => !s.ddl && s.names.has(table) && (column === undefined || s.names.has(column)));
  const top = [...using].sort((a, b) => b.calls - a.calls).find((s) => s.shown !== undefined);
  return { statements: using.length, calls: using.reduce((n, s) => n + s.calls, 0), ...(top?.shown ? { example: top.shown } : {}) };
}
