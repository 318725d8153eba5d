import type { RawNode } from "../../analyze/parse.js";
import { quoteLiteral } from "../../db/connection.js";

/**
 * Constants a row must hold for a WHERE clause to select it, read from the parse tree: equalities
 * (`col = 5`, `'x' = col`), `col IN (...)` (its first value), `col IS NULL`, `col LIKE 'test-%'` (a
 * string it matches), BETWEEN and the
 * inclusive comparisons (their bound), under AND, and the first branch of an OR. What cannot be
 * read this way is left to the defaults of a synthesized row.
 */
export function constantFacts(where: RawNode | undefined, qualifier: string): Record<string, string> {
  const facts: Record<string, string> = {};
  const put = (col: string | undefined, value: string | undefined) => {
    if (col !== undefined && value !== undefined && !(col in facts)) facts[col] = value;
  };
  const walk = (n: RawNode | undefined) => {
    if (!n) return;
    const bool = n.BoolExpr as RawNode | undefined;
    if (bool) {
      const args = (bool.args as RawNode[] | undefined) ?? [];
      if (bool.boolop === "AND_EXPR") args.forEach(walk);
      else if (bool.boolop === "OR_EXPR") walk(args[0]);
      return;
    }
    const test = n.NullTest as RawNode | undefined;
    if (test) {
      if (test.nulltesttype === "IS_NULL") put(columnOf(test.arg as RawNode, qualifier), "NULL");
      return;
    }
    const e = n.A_Expr as RawNode | undefined;
    if (!e) return;
    const op = ((e.name as RawNode[] | undefined)?.[0]?.String as RawNode | undefined)?.sval;
    const l = e.lexpr as RawNode | undefined;
    const r = e.rexpr as RawNode | undefined;
    if (e.kind === "AEXPR_OP" && (op === "=" || op === ">=" || op === "<=")) {
      put(columnOf(l, qualifier), constantOf(r));
      put(columnOf(r, qualifier), constantOf(l));
    } else if (e.kind === "AEXPR_IN" && op === "=") {
      put(columnOf(l, qualifier), constantOf(((r?.List as RawNode | undefined)?.items as RawNode[] | undefined)?.[0]));
    } else if ((e.kind === "AEXPR_LIKE" && op === "~~") || (e.kind === "AEXPR_ILIKE" && op === "~~*")) {
      const pattern = (((r?.A_Const as RawNode | undefined)?.sval as RawNode | undefined)?.sval);
      if (typeof pattern === "string") put(columnOf(l, qualifier), quoteLiteral(likeExample(pattern)));
    } else if (e.kind === "AEXPR_BETWEEN") {
      put(columnOf(l, qualifier), constantOf(((r?.List as RawNode | undefined)?.items as RawNode[] | undefined)?.[0]));
    }
  };
  walk(where);
  return facts;
}

/** A constant as SQL text (`5`, `'x'`, `true`, `NULL`, `-1.5`), or undefined for anything else. */
export function constantOf(n: RawNode | undefined): string | undefined {
  if (!n) return undefined;
  const cast = n.TypeCast as RawNode | undefined;
  if (cast) return constantOf(cast.arg as RawNode);
  const c = n.A_Const as RawNode | undefined;
  if (!c) return undefined;
  if (c.isnull) return "NULL";
  if (c.ival) return String((c.ival as RawNode).ival ?? 0);
  if (c.fval) return String((c.fval as RawNode).fval);
  if (c.sval) return quoteLiteral(String((c.sval as RawNode).sval ?? ""));
  if (c.boolval) return (c.boolval as RawNode).boolval ? "true" : "false";
  if (c.bsval) return `B'${String((c.bsval as RawNode).bsval).replace(/^b/, "")}'`;
  return undefined;
}

/** `col` or `qualifier.col`: the column of the target a condition is about. */
function columnOf(n: RawNode | undefined, qualifier: string): string | undefined {
  const fields = ((n?.ColumnRef as RawNode | undefined)?.fields as RawNode[] | undefined)?.map((f) => (f.String as RawNode | undefined)?.sval);
  if (!fields || fields.some((f) => f === undefined)) return undefined;
  if (fields.length === 1) return String(fields[0]);
  if (fields.length === 2 && fields[0] === qualifier) return String(fields[1]);
  return undefined;
}

/** A string a LIKE pattern matches: % as nothing, _ as one character, an escaped character as itself. */
export function likeExample(pattern: string): string {
  return pattern.replace(/\\(.)|%|_/g, (m, escaped: string | undefined) => (escaped !== undefined ? escaped : m === "_" ? "x" : ""));
}
