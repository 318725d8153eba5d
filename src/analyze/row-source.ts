/**
 * The rows a data-modifying statement writes, as a SELECT of them: for INSERT ... SELECT its query;
 * for UPDATE ... FROM and DELETE ... USING the target joined with the other relations under the
 * WHERE. `check --db` asks the database whether this SELECT returns any row (effects/rows.ts):
 * when it returns none, no row trigger fires and no foreign key is checked. Built from the
 * statement's own text, cut at its top-level keywords, so expressions keep their exact meaning.
 */
import { Segments } from "./segments.js";

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
  const t = new Segments(targetText);
  if (kind === "insert") {
    let i = t.upto(["(", "SELECT", "VALUES", "DEFAULT", "WITH", "OVERRIDING", "TABLE", ...END], 0);
    if (columnList) {
      if (t.tokens[i]?.word !== "(") return undefined;
      i = t.closing(i) + 1;
    }
    if (t.tokens[i]?.word === "OVERRIDING") i += 3;
    if (["VALUES", "DEFAULT", ";", undefined].includes(t.tokens[i]?.word)) return undefined;
    // the query ends at ON CONFLICT (not a join's ON), RETURNING or the statement's end
    let end = t.upto(["ON", "RETURNING", ...END], i);
    while (t.tokens[end]?.word === "ON" && t.tokens[end + 1]?.word !== "CONFLICT") end = t.upto(["ON", "RETURNING", ...END], end + 1);
    const query = t.text(i, end);
    return query ? `${prefix}${query}` : undefined;
  }
  const marker = kind === "update" ? ["SET"] : ["USING", "WHERE", "RETURNING", ...END];
  const targetEnd = t.upto(marker, 0);
  const target = t.text(0, targetEnd);
  if (!target) return undefined;
  let from = "";
  let i = targetEnd;
  if (kind === "update") {
    i = t.upto(["FROM", "WHERE", "RETURNING", ...END], targetEnd + 1);
    if (t.tokens[i]?.word === "FROM") {
      const end = t.upto(["WHERE", "RETURNING", ...END], i + 1);
      from = t.text(i + 1, end);
      i = end;
    }
  } else if (t.tokens[i]?.word === "USING") {
    const end = t.upto(["WHERE", "RETURNING", ...END], i + 1);
    from = t.text(i + 1, end);
    i = end;
  }
  let where = "";
  if (t.tokens[i]?.word === "WHERE") {
    if (t.tokens[i + 1]?.word === "CURRENT") return undefined;
    where = t.text(i + 1, t.upto(["RETURNING", ...END], i + 1));
  }
  return `${prefix}SELECT ${rowName}.* FROM ${target}${from ? `, ${from}` : ""}${where ? ` WHERE ${where}` : ""}`;
}

/** `WITH ... ` up to the statement's own command keyword */
function withPrefix(text: string): string | undefined {
  const t = new Segments(text);
  const i = t.upto(["INSERT", "UPDATE", "DELETE", "MERGE", ...END], 1);
  if (i >= t.tokens.length || t.tokens[i]?.word === ";") return undefined;
  return `${t.text(0, i)} `;
}
