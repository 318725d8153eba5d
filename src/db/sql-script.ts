import { loadParser as loadModule, parseSync } from "../analyze/parse.js";

/**
 * Splitting SQL scripts (pg_dump output, migration files) into statements with positions, for
 * replaying them on a shadow database and tracing them. psql meta-commands (`\restrict`,
 * `\connect`, ...) and COPY ... FROM stdin data blocks are blanked out first, keeping every
 * other character where it was so positions still point into the user's file.
 */

export interface ScriptStatement {
  index: number;
  /** the statement text, from its first token up to (not including) the terminating semicolon */
  sql: string;
  /** 0-based character offset of the first token in the script */
  offset: number;
  /** 1-based line and column (in characters) of the first token */
  line: number;
  column: number;
  /** the statement's top-level parse node name, e.g. "AlterTableStmt" */
  node: string;
  /** the parse tree of the statement (libpg-query JSON) */
  tree: Record<string, unknown>;
}

export class ScriptSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(message);
    this.name = "ScriptSyntaxError";
  }
}

let loaded: Promise<void> | undefined;
export function loadParser(): Promise<void> {
  loaded ??= loadModule();
  return loaded;
}

/** Split a script into statements; throws ScriptSyntaxError with the line and column of the problem. */
export async function splitScript(text: string): Promise<ScriptStatement[]> {
  await loadParser();
  const clean = blankMetaCommands(text);
  const positions = new PositionMap(clean);
  let parsed: { stmts?: Array<{ stmt: Record<string, unknown>; stmt_location?: number; stmt_len?: number }> };
  try {
    parsed = parseSync(clean) as typeof parsed;
  } catch (e) {
    const err = e as { message?: string; sqlDetails?: { cursorPosition?: number } };
    const at = positions.fromByte(err.sqlDetails?.cursorPosition ?? 0);
    throw new ScriptSyntaxError(err.message ?? String(e), at.line, at.column);
  }
  const totalBytes = Buffer.byteLength(clean);
  return (parsed.stmts ?? []).map((s, index) => {
    const startByte = s.stmt_location ?? 0;
    const endByte = s.stmt_len ? startByte + s.stmt_len : totalBytes;
    const start = positions.charOffset(startByte);
    const end = positions.charOffset(endByte);
    const first = skipSpaceAndComments(clean, start, end);
    const at = positions.lineColumn(first);
    const node = Object.keys(s.stmt)[0]!;
    return { index, sql: clean.slice(first, end).trimEnd(), offset: first, line: at.line, column: at.column, node, tree: s.stmt };
  });
}

/** Map a character offset inside a statement (e.g. a Postgres error position) to a line and column of the script. */
export function positionIn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === "\n") {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/** Lexer states that matter for finding top-level line starts. */
type LexState = "code" | "single" | "double" | "dollar" | "line-comment" | "block-comment";

/**
 * Replace psql meta-command lines (a backslash at the start of a top-level line) and the data of
 * `COPY ... FROM stdin;` blocks with spaces, newlines kept.
 */
export function blankMetaCommands(text: string): string {
  if (!text.includes("\\")) return text;
  const out = text.split("");
  let state: LexState = "code";
  let dollarTag = "";
  let depth = 0;
  let i = 0;
  const blank = (from: number, to: number) => {
    for (let k = from; k < to; k++) if (out[k] !== "\n") out[k] = " ";
  };
  const lineEnd = (from: number) => {
    const e = text.indexOf("\n", from);
    return e < 0 ? text.length : e;
  };
  while (i < text.length) {
    const ch = text[i]!;
    const atLineStart = i === 0 || text[i - 1] === "\n";
    if (state === "code") {
      if (atLineStart && ch === "\\") {
        const end = lineEnd(i);
        blank(i, end);
        i = end;
        continue;
      }
      if (ch === "-" && text[i + 1] === "-") state = "line-comment";
      else if (ch === "/" && text[i + 1] === "*") {
        state = "block-comment";
        depth = 1;
        i += 2;
        continue;
      } else if (ch === "'") state = "single";
      else if (ch === '"') state = "double";
      else if (ch === "$") {
        const m = /^\$([A-Za-z_\u0080-\uffff][\w\u0080-\uffff]*)?\$/.exec(text.slice(i, i + 64));
        if (m && !/[\w$]/.test(text[i - 1] ?? "")) {
          state = "dollar";
          dollarTag = m[0];
          i += m[0].length;
          continue;
        }
      } else if (ch === ";" && isCopyFromStdin(text, i)) {
        // data follows on the next line until a line holding only \.
        const dataStart = lineEnd(i) + 1;
        let k = dataStart;
        while (k < text.length) {
          const e = lineEnd(k);
          if (text.slice(k, e).replace(/\r$/, "") === "\\.") {
            blank(dataStart, e);
            k = e;
            break;
          }
          k = e + 1;
        }
        i = Math.max(k, i + 1);
        continue;
      }
    } else if (state === "single" && ch === "'") state = "code";
    else if (state === "double" && ch === '"') state = "code";
    else if (state === "line-comment" && ch === "\n") state = "code";
    else if (state === "block-comment") {
      if (ch === "*" && text[i + 1] === "/") {
        depth--;
        i += 2;
        if (depth === 0) state = "code";
        continue;
      }
      if (ch === "/" && text[i + 1] === "*") {
        depth++;
        i += 2;
        continue;
      }
    } else if (state === "dollar" && text.startsWith(dollarTag, i)) {
      state = "code";
      i += dollarTag.length;
      continue;
    }
    i++;
  }
  return out.join("");
}

function isCopyFromStdin(text: string, semicolon: number): boolean {
  const stmtStart = Math.max(text.lastIndexOf(";", semicolon - 1) + 1, 0);
  return /^\s*COPY\b[\s\S]*\bFROM\s+stdin\b/i.test(text.slice(stmtStart, semicolon));
}

function skipSpaceAndComments(text: string, from: number, to: number): number {
  let i = from;
  while (i < to) {
    if (/\s/.test(text[i]!)) i++;
    else if (text.startsWith("--", i)) {
      const e = text.indexOf("\n", i);
      i = e < 0 ? to : e + 1;
    } else if (text.startsWith("/*", i)) {
      let depth = 0;
      do {
        if (text.startsWith("/*", i)) {
          depth++;
          i += 2;
        } else if (text.startsWith("*/", i)) {
          depth--;
          i += 2;
        } else i++;
      } while (depth > 0 && i < to);
    } else break;
  }
  return Math.min(i, to);
}

/** UTF-8 byte offsets (libpg-query) to character offsets and 1-based lines/columns. */
class PositionMap {
  private readonly byteToChar: Uint32Array;
  private readonly lineStarts: number[] = [0];
  constructor(private readonly text: string) {
    const bytes = Buffer.byteLength(text);
    this.byteToChar = new Uint32Array(bytes + 1);
    let b = 0;
    for (let c = 0; c < text.length; c++) {
      const code = text.codePointAt(c)!;
      const len = code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
      for (let k = 0; k < len; k++) this.byteToChar[b + k] = c;
      b += len;
      if (code >= 0x10000) c++; // surrogate pair: two UTF-16 units, one character
      if (text[c] === "\n") this.lineStarts.push(c + 1);
    }
    this.byteToChar[bytes] = text.length;
  }
  charOffset(byte: number): number {
    return this.byteToChar[Math.min(Math.max(byte, 0), this.byteToChar.length - 1)]!;
  }
  lineColumn(char: number): { line: number; column: number } {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid]! <= char) lo = mid;
      else hi = mid - 1;
    }
    const lineStart = this.lineStarts[lo]!;
    return { line: lo + 1, column: [...this.text.slice(lineStart, char)].length + 1 };
  }
  fromByte(byte: number): { line: number; column: number } {
    return this.lineColumn(this.charOffset(byte));
  }
}
