/**
 * The rows a data-modifying statement writes, as a SELECT of them: for INSERT ... SELECT its query;
 * for UPDATE ... FROM and DELETE ... USING the target joined with the other relations under the
 * WHERE. `check --db` asks the database whether this SELECT returns any row (effects/rows.ts):
 * when it returns none, no row trigger fires and no foreign key is checked. Built from the
 * statement's own text, cut at its top-level keywords, so expressions keep their exact meaning.
 */
import { scanSync } from "./parse.js";

interface Token {
  start: number;
  end: number;
  /** keywords upper-cased */
  word: string;
  keyword: boolean;
  /** punctuation: ( ) ; , ... */
  punct: boolean;
  depth: number;
}

class Tokens {
  readonly list: Token[] = [];
  private readonly bytes: Buffer;
  constructor(sql: string) {
    this.bytes = Buffer.from(sql, "utf8");
    let depth = 0;
    for (const t of scanSync(sql).tokens) {
      if (t.tokenName === "SQL_COMMENT" || t.tokenName === "C_COMMENT") continue;
      if (t.text === ")" || t.text === "]") depth = Math.max(0, depth - 1);
      const keyword = t.keywordName !== "NO_KEYWORD";
      this.list.push({ start: t.start, end: t.end, word: keyword ? t.text.toUpperCase() : t.text, keyword, punct: t.tokenName.startsWith("ASCII_"), depth });
      if (t.text === "(" || t.text === "[") depth++;
    }
  }
  /** first top-level token at or after `from` that is one of `words` (keywords, or `;`), else the end */
  find(words: string[], from: number): number {
    for (let i = from; i < this.list.length; i++) {
      const t = this.list[i]!;
      if (t.depth === 0 && (t.keyword || t.punct) && words.includes(t.word)) return i;
    }
    return this.list.length;
  }
  /** the text of tokens [from, to) */
  text(from: number, to: number): string {
    if (from >= to || from >= this.list.length) return "";
    return this.bytes.toString("utf8", this.list[from]!.start, this.list[Math.min(to, this.list.length) - 1]!.end).trim();
  }
  word(i: number): string | undefined {
    return this.list[i]?.word;
  }
  /** index after the parenthesised group opening at `i` */
  afterGroup(i: number): number {
    const depth = this.list[i]!.depth;
    for (let j = i + 1; j < this.list.length; j++) if (this.list[j]!.depth === depth && this.list[j]!.word === ")") return j + 1;
    return this.list.length;
  }
}

export interface RowSourceInput {
  kind: "insert" | "update" | "delete";
  /** the statement's text from its WITH clause, when it has one (up to at least the target) */
  withText?: string;
  /** the statement's text from the target relation's name on (to its end or further statements) */
  targetText: string;
  /** INSERT: a column list follows the target */
  columnList: boolean;
  /** UPDATE / DELETE: how the target's rows are named in the statement (its alias, else its name) */
  rowName: string;
}

/** The SELECT of the rows the statement writes; undefined when it cannot be cut out (VALUES, WHERE CURRENT OF, text it does not follow). */
export function rowSourceQuery(input: RowSourceInput): string | undefined {
  try {
    return build(input);
  } catch {
    return undefined;
  }
}

const END = [";"];

function build({ kind, withText, targetText, columnList, rowName }: RowSourceInput): string | undefined {
  const prefix = withText ? withPrefix(withText) : "";
  if (prefix === undefined) return undefined;
  const t = new Tokens(targetText);
  if (kind === "insert") {
    let i = t.find(["(", "SELECT", "VALUES", "DEFAULT", "WITH", "OVERRIDING", "TABLE", ...END], 0);
    if (columnList) {
      if (t.word(i) !== "(") return undefined;
      i = t.afterGroup(i);
    }
    if (t.word(i) === "OVERRIDING") i += 3;
    if (["VALUES", "DEFAULT", ";", undefined].includes(t.word(i))) return undefined;
    // the query ends at ON CONFLICT (not a join's ON), RETURNING or the statement's end
    let end = t.find(["ON", "RETURNING", ...END], i);
    while (t.word(end) === "ON" && t.word(end + 1) !== "CONFLICT") end = t.find(["ON", "RETURNING", ...END], end + 1);
    const query = t.text(i, end);
    return query ? `${prefix}${query}` : undefined;
  }
  const marker = kind === "update" ? ["SET"] : ["USING", "WHERE", "RETURNING", ...END];
  const targetEnd = t.find(marker, 0);
  const target = t.text(0, targetEnd);
  if (!target) return undefined;
  let from = "";
  let i = targetEnd;
  if (kind === "update") {
    i = t.find(["FROM", "WHERE", "RETURNING", ...END], targetEnd + 1);
    if (t.word(i) === "FROM") {
      const end = t.find(["WHERE", "RETURNING", ...END], i + 1);
      from = t.text(i + 1, end);
      i = end;
    }
  } else if (t.word(i) === "USING") {
    const end = t.find(["WHERE", "RETURNING", ...END], i + 1);
    from = t.text(i + 1, end);
    i = end;
  }
  let where = "";
  if (t.word(i) === "WHERE") {
    if (t.word(i + 1) === "CURRENT") return undefined;
    where = t.text(i + 1, t.find(["RETURNING", ...END], i + 1));
  }
  return `${prefix}SELECT ${rowName}.* FROM ${target}${from ? `, ${from}` : ""}${where ? ` WHERE ${where}` : ""}`;
}

/** `WITH ... ` up to the statement's own command keyword */
function withPrefix(text: string): string | undefined {
  const t = new Tokens(text);
  const i = t.find(["INSERT", "UPDATE", "DELETE", "MERGE", ...END], 1);
  if (i >= t.list.length || t.word(i) === ";") return undefined;
  return `${t.text(0, i)} `;
}
