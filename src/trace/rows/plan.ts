import { parseSync, type RawNode } from "../../analyze/parse.js";
import { parsePlPgSQLSync } from "../../analyze/pg-wasm.js";
import { quoteIdent } from "../../db/connection.js";
import { constantFacts, constantOf } from "./facts.js";
import { Segments } from "../../analyze/segments.js";

/**
 * Which rows a DML statement touches, worked out from its text so it can be asked of the source
 * database with a read-only SELECT (the statement's own clauses, verbatim), and, failing that,
 * which values a synthesized row needs for the statement to reach it.
 */

export interface RelRef {
  schema?: string;
  name: string;
}

export interface RowPlan {
  /** SELECT: a DO block's reads (its target is the first of them) */
  verb: "DELETE" | "UPDATE" | "INSERT" | "MERGE" | "SELECT";
  target: RelRef;
  /**
   * SELECT listing the rows the statement reaches: for each relation of its target and FROM/USING
   * list, a pair of columns (tableoid, ctid). Read-only, LIMIT-ed by the caller.
   */
  match?: {
    sql: string;
    relations: number;
    /** SELECT 1 of the same rows: works when the target is a view */
    probe: string;
    /** SELECT `list` over the same rows (the statement's WITH, FROM and WHERE) */
    over: (list: string) => string;
  };
  /** the statement writes through a view: the tables beneath it, whose rows it reaches */
  beneath?: RelRef[];
  /** relations read elsewhere in the statement (subqueries, the query of an INSERT ... SELECT) */
  reads: RelRef[];
  /** names of the functions it calls (their bodies may read tables whose rows decide the values it writes) */
  calls?: string[];
  /** what an INSERT (or MERGE's INSERT action) writes: a query whose output columns fill `columns` (all of the table's, in order, when absent) */
  inserts?: { query: string; columns?: string[]; width?: number };
  /** INSERT ... ON CONFLICT: the existing rows an insert collides with are reached too */
  onConflict: boolean;
  /** column -> SQL constant a row must have for the statement's WHERE to hold (simple equalities) */
  facts: Record<string, string>;
  /** UPDATE ... SET column = constant, and INSERT ... ON CONFLICT DO UPDATE SET column = constant */
  assigned: Record<string, string>;
  /** UPDATE ... SET column = expression (constants too), as written: evaluated over the rows `match` finds */
  computed?: Record<string, string>;
}

const VERBS: Record<string, RowPlan["verb"]> = { DeleteStmt: "DELETE", UpdateStmt: "UPDATE", InsertStmt: "INSERT", MergeStmt: "MERGE" };

/**
 * The row plans of one statement: itself and each data-modifying CTE, or the SQL statements of a
 * DO block's body. Empty for anything else.
 */
export function planRows(sql: string): RowPlan[] {
  let tree: RawNode;
  try {
    const stmts = (parseSync(sql) as { stmts?: Array<{ stmt: RawNode }> }).stmts ?? [];
    if (stmts.length !== 1) return [];
    tree = stmts[0]!.stmt;
  } catch {
    return [];
  }
  if (tree.DoStmt) return doBlockPlans(sql);
  return plansOf(sql, tree);
}

/**
 * A DO block: the plans of the SQL statements its body runs, as written (with its variables: those
 * fail on the source and are said so), and one plan reading the tables its conditions, loops and
 * other expressions read, whose rows decide which branches run.
 */
function doBlockPlans(sql: string): RowPlan[] {
  let body: unknown;
  try {
    body = parsePlPgSQLSync(sql.endsWith(";") ? sql : `${sql};`);
  } catch {
    return []; // another language
  }
  const statements: string[] = [];
  const expressions: string[] = [];
  const walk = (n: unknown) => {
    if (Array.isArray(n)) return n.forEach(walk);
    if (!n || typeof n !== "object") return;
    const exec = (n as RawNode).PLpgSQL_stmt_execsql as RawNode | undefined;
    const query = ((exec?.sqlstmt as RawNode | undefined)?.PLpgSQL_expr as RawNode | undefined)?.query;
    if (typeof query === "string") statements.push(query);
    else {
      const expr = (n as RawNode).PLpgSQL_expr as RawNode | undefined;
      if (typeof expr?.query === "string") expressions.push(expr.query);
    }
    for (const v of Object.values(n)) walk(v);
  };
  walk(body);
  const parsed = [...statements, ...expressions].map(parseQuery);
  const reads = parsed.flatMap(relationsRead);
  const variables = blockVariables(body);
  const plans = statements.map((q) => withoutVariables(q, variables)).flatMap(planRows);
  // the rows its conditions and loops read come first: made-up rows must not take their keys
  const calls = [...new Set(parsed.flatMap((stmts) => functionNames(stmts)))];
  if (reads.length === 0 && calls.length === 0) return plans;
  const target = reads[0] ?? { name: "" };
  return [{ verb: "SELECT", target, reads, onConflict: false, facts: {}, assigned: {}, ...(calls.length ? { calls } : {}) }, ...plans];
}

/** The names a PL/pgSQL block declares (its variables, records and loop variables; FOUND). */
function blockVariables(body: unknown): Set<string> {
  const names = new Set<string>(["found"]);
  const walk = (n: unknown) => {
    if (Array.isArray(n)) return n.forEach(walk);
    if (!n || typeof n !== "object") return;
    for (const [k, v] of Object.entries(n)) {
      if (/^PLpgSQL_(var|rec|row)$/.test(k) && typeof (v as RawNode).refname === "string") names.add(String((v as RawNode).refname).toLowerCase());
      walk(v);
    }
  };
  walk(body);
  return names;
}

const REFERENCE = /^(?:"(?:[^"]|"")*"|[A-Za-z_\u0080-\uffff][\w$\u0080-\uffff]*)(?:\s*\.\s*(?:"(?:[^"]|"")*"|[A-Za-z_\u0080-\uffff][\w$\u0080-\uffff]*|\*))*/;

/**
 * A statement of a DO block with its variables (`r.id`, `n`) as NULL: their values are not known
 * before the block runs, and the statement can then be asked of the source (a NULL key matches
 * nothing: the rows are made up).
 */
function withoutVariables(query: string, variables: Set<string>): string {
  let tree: unknown;
  try {
    tree = parseSync(query);
  } catch {
    return query;
  }
  const spans: Array<[number, number]> = [];
  const walk = (n: unknown) => {
    if (Array.isArray(n)) return n.forEach(walk);
    if (!n || typeof n !== "object") return;
    const ref = (n as RawNode).ColumnRef as RawNode | undefined;
    const first = ((ref?.fields as RawNode[] | undefined)?.[0]?.String as RawNode | undefined)?.sval;
    if (ref && typeof first === "string" && variables.has(first.toLowerCase()) && typeof ref.location === "number") {
      const start = Buffer.from(query, "utf8").subarray(0, ref.location).toString("utf8").length;
      const m = REFERENCE.exec(query.slice(start));
      if (m) spans.push([start, start + m[0].length]);
      return;
    }
    for (const v of Object.values(n)) walk(v);
  };
  walk(tree);
  let out = query;
  for (const [a, b] of spans.sort((x, y) => y[0] - x[0])) out = `${out.slice(0, a)}NULL${out.slice(b)}`;
  return out;
}

/** The relations a read-only query or a PL/pgSQL expression (`x > (SELECT ...)`, a FOR loop's query), as parseQuery read it, names. */
function relationsRead(stmts: Array<{ stmt: RawNode }>): RelRef[] {
  if (stmts.length !== 1 || !stmts[0]!.stmt.SelectStmt) return [];
  const ctes = new Set(cteList(stmts[0]!.stmt.SelectStmt as RawNode).map((c) => String(c.ctename)));
  return rangeVarNodes(stmts[0]!.stmt).filter((rv) => rv.schemaname || !ctes.has(String(rv.relname))).map(relRef);
}

/** A query as written, or a PL/pgSQL expression (`x > (SELECT ...)`) read as a SELECT list: its statements (none when neither parses). */
function parseQuery(query: string): Array<{ stmt: RawNode }> {
  for (const text of [query, `SELECT ${query}`]) {
    try {
      return (parseSync(text) as { stmts?: Array<{ stmt: RawNode }> }).stmts ?? [];
    } catch {
      // an expression, not a query: try it as a SELECT list
    }
  }
  return [];
}

function plansOf(sql: string, tree: RawNode): RowPlan[] {
  const node = Object.keys(tree)[0]!;
  const verb = VERBS[node];
  if (!verb && node !== "SelectStmt") return [];
  const stmt = tree[node] as RawNode;
  const seg = new Segments(sql);
  const ctes = cteList(stmt);
  const plans: RowPlan[] = [];
  // data-modifying CTEs are statements of their own (under a SELECT too); a read-only WITH prefix goes with the main statement
  const bodies = cteBodies(seg);
  ctes.forEach((cte, i) => {
    const query = cte.ctequery as RawNode | undefined;
    if (query && VERBS[Object.keys(query)[0]!] && bodies[i]) plans.push(...plansOf(bodies[i]!, query));
  });
  if (!verb) return plans;
  const verbAt = seg.find([verb]);
  if (verbAt < 0) return plans;
  const withText = ctes.length > 0 && plans.length === 0 ? `${seg.text(0, verbAt)} ` : "";
  const cteNames = new Set(ctes.map((c) => String(c.ctename)));
  const target = relRef(stmt.relation as RawNode);
  const base: RowPlan = { verb, target, reads: [], onConflict: false, facts: {}, assigned: {} };
  const qualifier = aliasOf(stmt.relation as RawNode);
  /** the first of these clause starts (-1: absent), or the statement's end */
  const end = (...starts: number[]) => Math.min(...starts.filter((i) => i >= 0), seg.tokens.length);
  /** relations the statement reads besides its target and the plain relations of its FROM/USING list (whose rows `match` finds) */
  const readsBesides = (plain: RawNode[]) => {
    const skip = new Set(plainRangeVars(plain));
    return rangeVarNodes({ ...stmt, relation: undefined }).filter((rv) => !skip.has(rv) && !(cteNames.has(String(rv.relname)) && !rv.schemaname)).map(relRef);
  };

  switch (verb) {
    case "DELETE": {
      const from = seg.find(["FROM"], verbAt + 1);
      const using = seg.find(["USING"], from + 1);
      const where = seg.find(["WHERE"], from + 1);
      const returning = seg.find(["RETURNING"], from + 1);
      const targetText = seg.text(from + 1, end(using, where, returning));
      const usingText = using >= 0 ? seg.text(using + 1, end(where, returning)) : "";
      const whereText = where >= 0 ? seg.text(where + 1, end(returning)) : "";
      if (/^CURRENT\s+OF\b/i.test(whereText)) return plans;
      const others = fromItems((stmt.usingClause as RawNode[] | undefined) ?? []);
      base.match = matchSelect(withText, [qualifier, ...others], [targetText, usingText], whereText);
      base.reads = readsBesides((stmt.usingClause as RawNode[] | undefined) ?? []);
      base.facts = constantFacts(stmt.whereClause as RawNode | undefined, qualifier);
      break;
    }
    case "UPDATE": {
      const set = seg.find(["SET"], verbAt + 1);
      const where = seg.find(["WHERE"], set + 1);
      const returning = seg.find(["RETURNING"], set + 1);
      const fromClause = (stmt.fromClause as RawNode[] | undefined) ?? [];
      // the FROM list's keyword: the last one before WHERE/RETURNING that is not IS DISTINCT FROM
      let from = -1;
      if (fromClause.length > 0) {
        for (let i = end(where, returning) - 1; i > set; i--) {
          const t = seg.tokens[i]!;
          if (t.depth === 0 && t.keyword && t.word === "FROM" && seg.tokens[i - 1]?.word !== "DISTINCT") {
            from = i;
            break;
          }
        }
      }
      const targetText = seg.text(verbAt + 1, set);
      const fromText = from >= 0 ? seg.text(from + 1, end(where, returning)) : "";
      const whereText = where >= 0 ? seg.text(where + 1, end(returning)) : "";
      if (/^CURRENT\s+OF\b/i.test(whereText)) return plans;
      base.match = matchSelect(withText, [qualifier, ...fromItems(fromClause)], [targetText, fromText], whereText);
      base.reads = readsBesides(fromClause);
      base.facts = constantFacts(stmt.whereClause as RawNode | undefined, qualifier);
      base.assigned = assignments((stmt.targetList as RawNode[] | undefined) ?? []);
      base.computed = setExpressions(seg, set, end(from, where, returning));
      break;
    }
    case "INSERT": {
      const query = stmt.selectStmt as RawNode | undefined;
      if (!query) break; // DEFAULT VALUES
      const cols = ((stmt.cols as RawNode[] | undefined) ?? []).map((c) => String((c.ResTarget as RawNode).name));
      const conflict = seg.tokens.findIndex((t, i) => t.depth === 0 && t.word === "ON" && seg.tokens[i + 1]?.word === "CONFLICT");
      const returning = seg.find(["RETURNING"], verbAt + 1);
      const stop = end(conflict, returning);
      const start = queryStart(seg, verbAt, cols.length > 0);
      if (start < 0 || start >= stop) break;
      const select = query.SelectStmt as RawNode | undefined;
      base.inserts = {
        query: (withText + (select?.valuesLists ? seg.textWithoutDefaults(start, stop) : seg.text(start, stop))).trim(),
        ...(cols.length ? { columns: cols } : {}),
        ...(width(select) !== undefined ? { width: width(select)! } : {}),
      };
      base.onConflict = stmt.onConflictClause !== undefined;
      base.assigned = assignments(((stmt.onConflictClause as RawNode | undefined)?.targetList as RawNode[] | undefined) ?? []);
      base.reads = readsBesides([]);
      break;
    }
    case "MERGE": {
      const using = seg.find(["USING"], verbAt + 1);
      const when = seg.find(["WHEN"], using + 1);
      const on = seg.findLast(["ON"], using + 1, when < 0 ? seg.tokens.length : when);
      if (using < 0 || on < 0 || when < 0) break;
      const targetText = seg.text(seg.find(["INTO"], verbAt) + 1, using);
      const sourceText = seg.text(using + 1, on);
      const source = stmt.sourceRelation as RawNode;
      const others = fromItems([source]);
      base.match = matchSelect(withText, [qualifier, ...others], [`${targetText} JOIN ${sourceText} ON ${seg.text(on + 1, when)}`], "");
      base.reads = readsBesides([source]);
      base.inserts = mergeInsert(seg, stmt, when, withText, sourceText);
      break;
    }
  }
  const calls = functionNames(stmt);
  if (calls.length) base.calls = calls;
  return [...plans, base];
}

/** The (unqualified, as the catalog spells them) names of the functions called under `node`. */
function functionNames(node: unknown): string[] {
  const out = new Set<string>();
  const walk = (n: unknown) => {
    if (Array.isArray(n)) return n.forEach(walk);
    if (!n || typeof n !== "object") return;
    const call = (n as RawNode).FuncCall as RawNode | undefined;
    const name = ((call?.funcname as RawNode[] | undefined)?.at(-1)?.String as RawNode | undefined)?.sval;
    if (typeof name === "string") out.add(name);
    for (const v of Object.values(n)) walk(v);
  };
  walk(node);
  return [...out];
}

function cteList(stmt: RawNode): RawNode[] {
  const w = stmt.withClause as RawNode | undefined;
  return ((w?.WithClause as RawNode | undefined)?.ctes as RawNode[] | undefined ?? (w?.ctes as RawNode[] | undefined) ?? []).map((c) => (c.CommonTableExpr ?? c) as RawNode);
}

/** The text inside `name [(cols)] AS [NOT] [MATERIALIZED] ( ... )` for each CTE of a leading WITH. */
function cteBodies(seg: Segments): string[] {
  if (seg.tokens[0]?.word !== "WITH") return [];
  const out: string[] = [];
  for (let i = 1; i < seg.tokens.length; i++) {
    const t = seg.tokens[i]!;
    if (t.depth !== 0) continue;
    if (t.keyword && t.word === "AS") {
      let open = i + 1;
      while (seg.tokens[open] && seg.tokens[open]!.word !== "(") open++;
      const close = seg.closing(open);
      out.push(seg.text(open + 1, close));
      i = close;
      continue;
    }
    if (t.keyword && ["SELECT", "INSERT", "UPDATE", "DELETE", "MERGE", "VALUES", "TABLE"].includes(t.word)) break;
  }
  return out;
}

/** The first token of an INSERT's query: after the target, its alias, its column list and OVERRIDING ... VALUE. */
function queryStart(seg: Segments, verbAt: number, hasColumns: boolean): number {
  let i = seg.find(["INTO"], verbAt) + 1;
  const isName = (k: number) => !seg.tokens[k]!.keyword || !["VALUES", "SELECT", "WITH", "TABLE", "OVERRIDING", "DEFAULT"].includes(seg.tokens[k]!.word);
  while (i < seg.tokens.length && seg.tokens[i]!.word !== "(" && isName(i)) i++; // name, dots, AS alias
  if (hasColumns && seg.tokens[i]?.word === "(") i = seg.closing(i) + 1;
  if (seg.tokens[i]?.word === "OVERRIDING") i += 3;
  return seg.tokens[i]?.word === "DEFAULT" ? -1 : i;
}

/** MERGE ... WHEN NOT MATCHED THEN INSERT [(cols)] VALUES (...): the values, over the source rows. */
function mergeInsert(seg: Segments, stmt: RawNode, firstWhen: number, withText: string, sourceText: string): RowPlan["inserts"] {
  const clause = ((stmt.mergeWhenClauses as RawNode[] | undefined) ?? []).map((c) => c.MergeWhenClause as RawNode).find((c) => c.commandType === "CMD_INSERT");
  if (!clause || !clause.values) return undefined;
  const insert = seg.find(["INSERT"], firstWhen);
  const values = insert < 0 ? -1 : seg.find(["VALUES"], insert);
  if (values < 0 || seg.tokens[values + 1]?.word !== "(") return undefined;
  const close = seg.closing(values + 1);
  const cols = ((clause.targetList as RawNode[] | undefined) ?? []).map((c) => String((c.ResTarget as RawNode).name));
  return {
    query: `${withText}SELECT ${seg.textWithoutDefaults(values + 2, close)} FROM ${sourceText}`,
    ...(cols.length ? { columns: cols } : { width: (clause.values as unknown[]).length }),
  };
}

/** How many columns an INSERT's query gives, when its text says so (VALUES, or a SELECT list without *). */
function width(select: RawNode | undefined): number | undefined {
  if (!select) return undefined;
  const values = select.valuesLists as RawNode[] | undefined;
  if (values?.length) return ((values[0]!.List as RawNode).items as unknown[]).length;
  const targets = select.targetList as RawNode[] | undefined;
  if (!targets || JSON.stringify(targets).includes('"A_Star"')) return undefined;
  return targets.length;
}

function matchSelect(withText: string, qualifiers: string[], fromParts: string[], where: string): RowPlan["match"] {
  const columns = qualifiers.map((q, i) => `${quoteIdent(q)}.tableoid::oid AS rel${i}, ${quoteIdent(q)}.ctid AS tid${i}`).join(", ");
  const rest = `FROM ${fromParts.filter(Boolean).join(", ")}${where ? ` WHERE ${where}` : ""}`;
  return { sql: `${withText}SELECT ${columns} ${rest}`, relations: qualifiers.length, probe: `${withText}SELECT 1 ${rest}`, over: (list) => `${withText}SELECT ${list} ${rest}` };
}

function relRef(rv: RawNode): RelRef {
  return { ...(rv.schemaname ? { schema: String(rv.schemaname) } : {}), name: String(rv.relname) };
}

function aliasOf(rv: RawNode): string {
  return String((rv.alias as RawNode | undefined)?.aliasname ?? rv.relname);
}

/** The plain relations of a FROM / USING list (joins followed; subqueries and functions are not plain). */
function plainRangeVars(items: RawNode[]): RawNode[] {
  const out: RawNode[] = [];
  const walk = (n: RawNode | undefined) => {
    if (!n) return;
    if (n.RangeVar) out.push(n.RangeVar as RawNode);
    const j = n.JoinExpr as RawNode | undefined;
    if (j && !j.alias) (walk(j.larg as RawNode), walk(j.rarg as RawNode));
  };
  items.forEach(walk);
  return out;
}

/** The names the plain relations of a FROM / USING list go by in the statement. */
function fromItems(items: RawNode[]): string[] {
  return plainRangeVars(items).map(aliasOf);
}

/** Every RangeVar under `node`. */
function rangeVarNodes(node: unknown): RawNode[] {
  const out: RawNode[] = [];
  const walk = (n: unknown) => {
    if (Array.isArray(n)) return n.forEach(walk);
    if (!n || typeof n !== "object") return;
    const o = n as RawNode;
    if (o.RangeVar) out.push(o.RangeVar as RawNode);
    for (const v of Object.values(o)) walk(v);
  };
  walk(node);
  return out;
}

/** UPDATE ... SET col = expression, column by column (a (a, b) = (...) list is left out), as written. */
function setExpressions(seg: Segments, set: number, stop: number): Record<string, string> {
  const out: Record<string, string> = {};
  let start = set + 1;
  for (let i = set + 1; i <= stop; i++) {
    const t = seg.tokens[i];
    if (i < stop && (t!.depth !== 0 || t!.word !== ",")) continue;
    if (seg.tokens[start + 1]?.word === "=" && start + 2 < i) {
      const name = seg.text(start, start + 1);
      out[name.startsWith('"') ? name.slice(1, -1).replace(/""/g, '"') : name.toLowerCase()] = seg.text(start + 2, i);
    }
    start = i + 1;
  }
  return out;
}

/** UPDATE ... SET col = constant. */
function assignments(targets: RawNode[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of targets) {
    const r = t.ResTarget as RawNode;
    const value = constantOf(r.val as RawNode | undefined);
    if (value !== undefined && !r.indirection) out[String(r.name)] = value;
  }
  return out;
}
