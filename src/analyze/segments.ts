import { scanSync } from "./parse.js";

/**
 * A statement's tokens with their nesting depth, to cut it into clauses (target, USING/FROM, WHERE,
 * the query of an INSERT) by the keywords at depth 0, and to take the clauses' text verbatim.
 * Offsets are UTF-8 bytes, as the scanner gives them. Call loadParser() first.
 */

export interface Token {
  start: number;
  end: number;
  /** upper-cased keyword, or the token's text for anything else */
  word: string;
  keyword: boolean;
  /** punctuation: ( ) ; , ... */
  punct: boolean;
  /** parentheses and brackets open around it */
  depth: number;
}

export class Segments {
  readonly tokens: Token[];
  private readonly bytes: Buffer;

  constructor(sql: string) {
    this.bytes = Buffer.from(sql, "utf8");
    let depth = 0;
    this.tokens = [];
    for (const t of scanSync(sql).tokens) {
      if (t.tokenName === "SQL_COMMENT" || t.tokenName === "C_COMMENT") continue;
      if (t.text === ")" || t.text === "]") depth = Math.max(0, depth - 1);
      const keyword = t.keywordName !== "NO_KEYWORD";
      this.tokens.push({ start: t.start, end: t.end, word: keyword ? t.text.toUpperCase() : t.text, keyword, punct: t.tokenName.startsWith("ASCII_"), depth });
      if (t.text === "(" || t.text === "[") depth++;
    }
  }

  /** Index of the first depth-0 keyword among `words` at or after `from` (before `to`), or -1. */
  find(words: string[], from = 0, to = this.tokens.length): number {
    for (let i = from; i < to; i++) {
      const t = this.tokens[i]!;
      if (t.depth === 0 && t.keyword && words.includes(t.word)) return i;
    }
    return -1;
  }

  /** Index of the first depth-0 keyword or punctuation (`;`, `(`) among `words` at or after `from`, or the end. */
  upto(words: string[], from: number): number {
    for (let i = from; i < this.tokens.length; i++) {
      const t = this.tokens[i]!;
      if (t.depth === 0 && (t.keyword || t.punct) && words.includes(t.word)) return i;
    }
    return this.tokens.length;
  }

  /** Index of the last depth-0 keyword among `words` in [from, to), or -1. */
  findLast(words: string[], from: number, to: number): number {
    for (let i = to - 1; i >= from; i--) {
      const t = this.tokens[i]!;
      if (t.depth === 0 && t.keyword && words.includes(t.word)) return i;
    }
    return -1;
  }

  /** The index of the token closing the parenthesis opened at `open`. */
  closing(open: number): number {
    const depth = this.tokens[open]!.depth;
    for (let i = open + 1; i < this.tokens.length; i++) if (this.tokens[i]!.depth === depth && this.tokens[i]!.word === ")") return i;
    return this.tokens.length - 1;
  }

  /** The text of tokens [from, to) as written (comments between them included). */
  text(from: number, to: number = this.tokens.length): string {
    if (from >= to || from >= this.tokens.length) return "";
    return this.bytes.subarray(this.tokens[from]!.start, this.tokens[Math.min(to, this.tokens.length) - 1]!.end).toString("utf8");
  }

  /** Like text(), with every DEFAULT keyword written NULL (VALUES lists read outside an INSERT). */
  textWithoutDefaults(from: number, to: number = this.tokens.length): string {
    let out = "";
    let at = this.tokens[from]?.start ?? 0;
    for (let i = from; i < Math.min(to, this.tokens.length); i++) {
      const t = this.tokens[i]!;
      if (t.keyword && t.word === "DEFAULT") {
        out += `${this.bytes.subarray(at, t.start).toString("utf8")}NULL`;
        at = t.end;
      }
    }
    const end = this.tokens[Math.min(to, this.tokens.length) - 1]?.end ?? at;
    return out + this.bytes.subarray(at, end).toString("utf8");
  }

  /** The index of the first token starting at or after byte `offset`. */
  at(offset: number): number {
    const i = this.tokens.findIndex((t) => t.start >= offset);
    return i < 0 ? this.tokens.length : i;
  }
}
