import { loadParser as loadModule, parseSync, scanSync } from "../analyze/parse.js";
import { UserError } from "../errors.js";

/** One `--set "col = expr"`: the column and the expression text exactly as the user wrote it. */
export interface SetClause {
  column: string;
  expr: string;
  /** The flag's full text, for messages. */
  source: string;
}

export interface BackfillExpressions {
  sets: SetClause[];
  where?: string;
  /** Every function called in the SET expressions and WHERE ([schema, name] or [name]), with its argument count. */
  functions: Array<{ name: string[]; args: number }>;
}

export function loadParser(): Promise<void> {
  return loadModule();
}

/**
 * Parse and check the `--set` and `--where` texts without a database: each must be exactly one
 * expression (balanced parentheses, no `;`), so it can be embedded in our statements safely.
 * Problems are reported with the flag, line and column (exit 2).
 */
export async function parseBackfillExpressions(sets: string[], where: string | undefined): Promise<BackfillExpressions> {
  await loadParser();
  if (sets.length === 0) throw new UserError("usage", "backfill: at least one --set \"column = expression\" is needed");
  const clauses = sets.map(parseSet);
  const seen = new Set<string>();
  for (const c of clauses) {
    if (seen.has(c.column)) throw new UserError("usage", `--set "${c.source}": column ${c.column} is set twice`);
    seen.add(c.column);
  }
  const functions: BackfillExpressions["functions"] = [];
  for (const c of clauses) {
    checkSingleExpression("--set", c.source, c.expr, c.source.length - c.expr.length);
    const ast = parseFragment("--set", c.source, `SELECT (${c.expr}\n)`, "SELECT (".length, c.source.length - c.expr.length);
    collectFunctions(ast, functions);
  }
  if (where !== undefined) {
    if (!where.trim()) throw new UserError("usage", "--where is empty");
    checkSingleExpression("--where", where, where, 0);
    const ast = parseFragment("--where", where, `SELECT 1 WHERE (${where}\n)`, "SELECT 1 WHERE (".length, 0);
    collectFunctions(ast, functions);
  }
  return { sets: clauses, where, functions };
}

function parseSet(source: string): SetClause {
  const tokens = scanSync(source).tokens;
  const [col, eq] = tokens;
  if (!col || !eq || eq.text !== "=" || tokens.length < 3) {
    throw new UserError("usage", `--set "${source}": expected "column = expression"`, {
      hint: 'e.g. --set "normalized_email = lower(email)"',
    });
  }
  const bytes = Buffer.from(source, "utf8");
  const column = unquoteIdent(bytes.subarray(col.start, col.end).toString("utf8"));
  const expr = bytes.subarray(eq.end).toString("utf8");
  return { column, expr, source };
}

function unquoteIdent(text: string): string {
  if (text.startsWith('"')) return text.slice(1, -1).replace(/""/g, '"');
  if (!/^[A-Za-z_][A-Za-z0-9_$]*$/.test(text)) throw new UserError("usage", `not a column name: ${text}`);
  return text.toLowerCase();
}

/** Parentheses must balance and no statement separator may appear: the text is embedded in ours. */
function checkSingleExpression(flag: string, source: string, text: string, offsetInSource: number) {
  let tokens;
  try {
    tokens = scanSync(text).tokens;
  } catch (e) {
    throw syntaxError(flag, source, offsetInSource + byteToChar(text, (e as { sqlDetails?: { cursorPosition?: number } }).sqlDetails?.cursorPosition ?? 0), (e as Error).message);
  }
  let depth = 0;
  for (const t of tokens) {
    const at = offsetInSource + byteToChar(text, t.start);
    if (t.text === ";") throw syntaxError(flag, source, at, "only one expression is allowed (found ;)");
    if (t.text === "(") depth++;
    if (t.text === ")" && --depth < 0) throw syntaxError(flag, source, at, "unbalanced )");
  }
  if (depth !== 0) throw syntaxError(flag, source, source.length, "unbalanced (");
}

function parseFragment(flag: string, source: string, sql: string, prefixChars: number, offsetInSource: number): unknown {
  try {
    return parseSync(sql);
  } catch (e) {
    const details = (e as { sqlDetails?: { cursorPosition?: number; message?: string } }).sqlDetails;
    const charPos = byteToChar(sql, details?.cursorPosition ?? 0) - prefixChars;
    throw syntaxError(flag, source, offsetInSource + Math.max(0, charPos), details?.message ?? (e as Error).message);
  }
}

export function syntaxError(flag: string, source: string, offset: number, message: string): UserError {
  const { line, column } = lineColumn(source, Math.min(offset, source.length));
  return new UserError("sql-syntax", `${flag} "${source}": line ${line}, column ${column}: ${message}`);
}

/** 1-based line and column of a character offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const lines = before.split("\n");
  return { line: lines.length, column: lines[lines.length - 1]!.length + 1 };
}

function byteToChar(text: string, byteOffset: number): number {
  return Buffer.from(text, "utf8").subarray(0, byteOffset).toString("utf8").length;
}

function collectFunctions(node: unknown, out: BackfillExpressions["functions"]): void {
  if (Array.isArray(node)) {
    for (const n of node) collectFunctions(n, out);
    return;
  }
  if (!node || typeof node !== "object") return;
  const fc = (node as { FuncCall?: { funcname?: Array<{ String?: { sval: string } }>; args?: unknown[] } }).FuncCall;
  if (fc?.funcname) out.push({ name: fc.funcname.map((p) => p.String?.sval ?? ""), args: fc.args?.length ?? 0 });
  for (const v of Object.values(node)) collectFunctions(v, out);
}
