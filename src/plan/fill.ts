import { loadParser, parseSql } from "../analyze/parse.js";
import { UserError } from "../errors.js";

/** `--fill "role = 'member'"`: the value existing rows get for a column the plan backfills. */
export interface Fill {
  /** as given, for messages */
  text: string;
  /** optional table qualifier (users.role = ...) */
  table?: string;
  column: string;
  expression: string;
}

const FILL = /^\s*(?:("(?:[^"]|"")+"|[A-Za-z_][\w$]*)\s*\.\s*)?("(?:[^"]|"")+"|[A-Za-z_][\w$]*)\s*=(?!=)([\s\S]*)$/;

/** Parse and check each --fill: `column = expression` (or `table.column = ...`); the expression must parse. */
export async function parseFills(texts: string[]): Promise<Fill[]> {
  if (!texts.length) return [];
  await loadParser();
  return texts.map((text) => {
    const m = FILL.exec(text);
    const expression = m?.[3]?.trim();
    if (!m || !expression) throw new UserError("usage", `--fill ${JSON.stringify(text)}: expected "column = expression", e.g. --fill "role = 'member'"`);
    const parsed = parseSql(`SELECT ${expression}`);
    const error = parsed.errors[0] ?? (parsed.statements.length !== 1 ? { message: "more than one expression", column: 1 } : undefined);
    if (error) throw new UserError("usage", `--fill ${JSON.stringify(text)}: ${error.message}${error.column ? ` (column ${Math.max(1, error.column - 7)} of the expression)` : ""}`);
    return { text, ...(m[1] ? { table: unquote(m[1]) } : {}), column: unquote(m[2]!), expression };
  });
}

function unquote(name: string): string {
  return name.startsWith('"') ? name.slice(1, -1).replace(/""/g, '"') : name.toLowerCase();
}

/** The fill for `relation.column` (relation schema-qualified), if one was given. */
export function fillFor(fills: Fill[], relation: string, column: string): Fill | undefined {
  const bare = relation.slice(relation.indexOf(".") + 1);
  return fills.find((f) => f.column === column && (!f.table || f.table === bare || f.table === relation));
}
