import "./liftoff.js"; // before libpg-query: see there
import { loadModule, parsePlPgSQLSync, parseSync } from "./pg-wasm.js";
import type { AnalysisError } from "./types.js";

/** A raw libpg-query node: `{ NodeType: { ...fields } }`. Only describe.ts looks inside. */
export type RawNode = Record<string, unknown>;

/** Where a statement is and its text: what reports need once the statement is described. */
export interface StatementPosition {
  index: number;
  /** statement text, from its first token to its end (without the terminating semicolon) */
  sql: string;
  /** UTF-8 byte offset of the first token in the source */
  byteStart: number;
  /** 1-based line / column (characters) of the first token */
  line: number;
  column: number;
}

export interface ParsedStatement extends StatementPosition {
  /** the raw parse tree of the statement (a `{ StmtType: {...} }` node) */
  ast: RawNode;
  /** for DO blocks: the PL/pgSQL parse tree of the body, when it parses */
  plpgsql?: RawNode;
}

export interface ParsedSql {
  statements: ParsedStatement[];
  errors: AnalysisError[];
}

export { parseSync, scanSync } from "./pg-wasm.js";

/** Load the WASM parser once per process (again after an input crashed it: pg-wasm.ts). */
export function loadParser(): Promise<void> {
  return loadModule();
}

interface RawStmt {
  stmt?: RawNode;
  stmt_location?: number;
  stmt_len?: number;
}

/**
 * Parse a whole SQL text into statements with positions. Call `await loadParser()` first.
 * A syntax error yields one error entry with line/column and no statements (like Postgres, which
 * rejects the whole string).
 */
export function parseSql(text: string): ParsedSql {
  const locator = new Locator(text);
  if (skipTrivia(locator.bytes, 0) >= locator.bytes.length) return { statements: [], errors: [] };
  let stmts: RawStmt[];
  try {
    stmts = (parseSync(text) as unknown as { stmts?: RawStmt[] }).stmts ?? [];
  } catch (e) {
    return { statements: [], errors: [syntaxError(e, text)] };
  }
  const statements: ParsedStatement[] = [];
  const bytes = locator.bytes;
  for (const raw of stmts) {
    if (!raw.stmt) continue;
    const start = skipTrivia(bytes, raw.stmt_location ?? 0);
    const end = raw.stmt_len ? (raw.stmt_location ?? 0) + raw.stmt_len : bytes.length;
    const sql = bytes.toString("utf8", start, end).trimEnd();
    const pos = locator.position(start);
    const st: ParsedStatement = { index: statements.length, sql, byteStart: start, line: pos.line, column: pos.column, ast: raw.stmt };
    if ("DoStmt" in raw.stmt) {
      const body = parsePlpgsql(sql);
      if (body) st.plpgsql = body;
    }
    statements.push(st);
  }
  return { statements, errors: [] };
}

/** The PL/pgSQL parse tree of a DO block or CREATE FUNCTION statement; undefined when it does not parse. */
export function parsePlpgsql(sql: string): RawNode | undefined {
  try {
    const r = parsePlPgSQLSync(sql.endsWith(";") ? sql : `${sql};`) as unknown as { plpgsql_funcs?: RawNode[] };
    return r.plpgsql_funcs?.[0];
  } catch {
    return undefined; // e.g. DO blocks in other languages; the statement itself parsed
  }
}

/** Parse a single SQL statement text (e.g. from a PL/pgSQL body); undefined if it does not parse. */
export function parseFragment(sql: string): RawNode[] | undefined {
  try {
    const r = parseSync(sql) as unknown as { stmts?: RawStmt[] };
    return (r.stmts ?? []).map((s) => s.stmt).filter((s): s is RawNode => Boolean(s));
  } catch {
    return undefined;
  }
}

/** V8's "Maximum call stack size exceeded": what a statement thousands of levels deep does to a walk of its tree. */
export function isStackOverflow(e: unknown): boolean {
  return e instanceof RangeError && /call stack/i.test(e.message);
}

function syntaxError(e: unknown, text: string): AnalysisError {
  const err = e as { message?: string; sqlDetails?: { message?: string; cursorPosition?: number } };
  const message = err.sqlDetails?.message ?? err.message ?? String(e);
  // libpg-query reports the cursor as a 0-based character offset
  const cursor = err.sqlDetails?.cursorPosition;
  const { line, column } = cursor === undefined || cursor < 0 ? { line: 1, column: 1 } : charPosition(text, cursor);
  // the parse tree of a statement thousands of levels deep overflows the stack reading it
  if (isStackOverflow(e)) {
    return { code: "too-deeply-nested", message: "a statement is nested too deeply to parse (thousands of levels of expressions or subqueries); split it or check it by hand", line, column };
  }
  // the WebAssembly parser gives up on a file too big to hold its parse tree (tens of megabytes)
  if (!err.sqlDetails && /Program terminated|out of memory|memory access out of bounds/i.test(message)) {
    return { code: "too-large", message: `too large for the SQL parser to read in one piece (${Buffer.byteLength(text)} bytes); split the file`, line, column };
  }
  return { code: "syntax-error", message, line, column };
}

function charPosition(text: string, charOffset: number): { line: number; column: number } {
  let line = 1;
  let column = 1;
  // iterate by code point: columns count characters, not UTF-16 units
  let i = 0;
  for (const ch of text) {
    if (i >= charOffset) break;
    if (ch === "\n") {
      line++;
      column = 1;
    } else column++;
    i++;
  }
  return { line, column };
}

/** Skip whitespace, `--` comments and (nested) block comments from byte offset `i`. */
export function skipTrivia(b: Buffer, i: number): number {
  const n = b.length;
  while (i < n) {
    const c = b[i]!;
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x0c || c === 0x0b) i++;
    else if (c === 0x2d && b[i + 1] === 0x2d) {
      while (i < n && b[i] !== 0x0a) i++;
    } else if (c === 0x2f && b[i + 1] === 0x2a) {
      let depth = 1;
      i += 2;
      while (i < n && depth > 0) {
        if (b[i] === 0x2f && b[i + 1] === 0x2a) (depth++, (i += 2));
        else if (b[i] === 0x2a && b[i + 1] === 0x2f) (depth--, (i += 2));
        else i++;
      }
    } else break;
  }
  return i;
}

/** Byte offset -> line/column, walking forward once for ascending offsets (O(file) in total). */
class Locator {
  readonly bytes: Buffer;
  private byte = 0;
  private line = 1;
  private column = 1;
  constructor(text: string) {
    this.bytes = Buffer.from(text, "utf8");
  }
  position(target: number): { line: number; column: number } {
    if (target < this.byte) ((this.byte = 0), (this.line = 1), (this.column = 1));
    const b = this.bytes;
    while (this.byte < target) {
      const c = b[this.byte]!;
      if (c === 0x0a) {
        this.line++;
        this.column = 1;
      } else if ((c & 0xc0) !== 0x80) this.column++; // count lead bytes only: one per character
      this.byte++;
    }
    return { line: this.line, column: this.column };
  }
}
