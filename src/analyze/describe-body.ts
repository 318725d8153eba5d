/**
 * Bodies that run statements: DO blocks, functions and procedures (PL/pgSQL and SQL), rules, and
 * the conditions that decide what runs (IF in PL/pgSQL, a trigger's WHEN). Like describe.ts, this
 * walks raw parse trees and hands out typed summaries; describe.ts covers single statements.
 */
import { constantText, describeNode, drivingRelation, emptySummary, ExprSource, qualify, type CatalogCheck, type DescribeContext, type DoBlockSummary, type Guard, type StatementSummary } from "./describe.js";
import { parseFragment, parsePlpgsql, scanSync, type RawNode } from "./parse.js";

type N = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const NO_CONTEXT: DescribeContext = { isNew: () => false, tableOfIndex: () => undefined };
const LOOPS = new Set(["PLpgSQL_stmt_loop", "PLpgSQL_stmt_while", "PLpgSQL_stmt_fori", "PLpgSQL_stmt_fors", "PLpgSQL_stmt_forc", "PLpgSQL_stmt_foreach_a", "PLpgSQL_stmt_dynfors"]);
const DML = new Set(["update", "delete", "insert", "merge"]);

/** PL/pgSQL expression parse modes (RawParseMode): 0 a statement, 2 an expression, 3..5 an assignment */
const STATEMENT_MODE = 0;

/** A PL/pgSQL body (from parsePlpgsql) -> its statements in order, each with the IF conditions it runs under. */
export function describeDoBody(fn: RawNode | undefined, ctx: DescribeContext = NO_CONTEXT): DoBlockSummary {
  if (!fn) return { statements: [], loops: 0, commits: 0, batched: false, unparsed: true };
  const out: DoBlockSummary = { statements: [], loops: 0, commits: 0, batched: false };
  const variables = variableNames(fn);
  const datums = ((fn as N).PLpgSQL_function?.datums as N[] | undefined) ?? [];
  /** per variable declared without a default: the conditions each of its assignments so far runs under */
  const assignments = new Map<string, Guard[][]>();
  for (const d of datums) if (d.PLpgSQL_var && !d.PLpgSQL_var.default_val && typeof d.PLpgSQL_var.refname === "string") assignments.set(d.PLpgSQL_var.refname.toLowerCase(), []);
  assignments.delete("found");
  const assign = (name: string | undefined, guards: Guard[]) => {
    if (name && assignments.has(name.toLowerCase())) assignments.get(name.toLowerCase())!.push(guards);
  };
  const targetName = (t: N | undefined): string | undefined => t?.PLpgSQL_var?.refname ?? t?.PLpgSQL_row?.refname ?? t?.PLpgSQL_rec?.refname;
  /** an IF on a bare variable: the assignments that may have given it a value */
  const variableGuard = (text: string): Pick<Guard, "variable"> => {
    const name = text.trim().replace(/^"(.*)"$/, "$1").toLowerCase();
    const under = assignments.get(name);
    return under ? { variable: { name, assignedUnder: under.map((g) => [...g]) } } : {};
  };
  /** the last SELECT INTO among the statements visited: what FOUND and its target say */
  let lastInto: { target: string; query: string } | undefined;
  const add = (s: StatementSummary, guards: Guard[], inLoop: Loop | null) => {
    if (guards.length) s.guards = guards;
    out.statements.push(s);
    if (inLoop && DML.has(s.kind)) inLoop.dml = true;
  };
  const expr = (e: N | undefined, guards: Guard[], inLoop: Loop | null) => {
    if (typeof e?.query !== "string") return;
    if (e.parseMode === STATEMENT_MODE) for (const s of describeText(e.query, ctx)) add(s, guards, inLoop);
    else {
      const s = describeExpression(expressionTree(e.query, e.parseMode !== 2, ctx), ctx);
      if (s) add(s, guards, inLoop);
    }
  };
  const visit = (n: unknown, guards: Guard[], inLoop: Loop | null): void => {
    if (Array.isArray(n)) {
      // IF <condition> THEN ... RETURN; END IF: what follows runs only when the condition is false
      let after = guards;
      for (const x of n) {
        visit(x, after, inLoop);
        const early = earlyReturn(x as N);
        if (early) after = [...after, { ...dataCondition(early, variables, ctx, lastInto), condition: early, when: false }];
      }
      return;
    }
    if (!n || typeof n !== "object") return;
    for (const k in n as N) {
      const v = (n as N)[k];
      if (k === "PLpgSQL_stmt_execsql") {
        const q = v.sqlstmt?.PLpgSQL_expr?.query;
        const target = targetName(v.target);
        lastInto = v.into && typeof q === "string" && typeof target === "string" ? { target: target.toLowerCase(), query: q } : undefined;
        if (v.into) {
          assign(target, guards);
          // INTO a, b: a row of variables
          for (const f of (v.target?.PLpgSQL_row?.fields as N[] | undefined) ?? []) assign(f?.name, guards);
        }
      }
      if (k === "PLpgSQL_stmt_assign") assign(datums[v.varno as number]?.PLpgSQL_var?.refname, guards);
      if (k === "PLpgSQL_stmt_dynexecute" || k === "PLpgSQL_stmt_getdiag" || k === "PLpgSQL_stmt_fetch" || k === "PLpgSQL_stmt_call") for (const name of assignments.keys()) assign(name, guards);
      if (LOOPS.has(k)) assign(targetName(v.var), guards);
      if (LOOPS.has(k)) {
        out.loops++;
        const loop = { dml: false, commit: false };
        if (k === "PLpgSQL_stmt_dynfors") execute(v.query?.PLpgSQL_expr, guards, loop);
        // FOR r IN <query> LOOP / WHILE <condition> LOOP: the body runs only if the query returns a row (the condition holds)
        const query = k === "PLpgSQL_stmt_fors" ? v.query?.PLpgSQL_expr?.query : undefined;
        const cond = k === "PLpgSQL_stmt_while" ? v.cond?.PLpgSQL_expr?.query : undefined;
        const probe = typeof query === "string" ? queryProbe(query, variables, ctx) : typeof cond === "string" ? conditionProbe(cond, variables, ctx) : undefined;
        if (probe) {
          if (typeof query === "string") for (const s of describeText(query, ctx)) add(s, guards, inLoop);
          else if (typeof cond === "string") {
            const s = describeExpression(expressionTree(cond, false, ctx), ctx);
            if (s) add(s, guards, inLoop);
          }
          const inner = [...guards, { condition: String(query ?? cond), when: true, probe }];
          visit(v.body, inner, loop);
          if (loop.dml && loop.commit) out.batched = true;
          if (inLoop) ((inLoop.dml ||= loop.dml), (inLoop.commit ||= loop.commit));
          continue;
        }
        visit(v, guards, loop);
        if (loop.dml && loop.commit) out.batched = true;
        if (inLoop) ((inLoop.dml ||= loop.dml), (inLoop.commit ||= loop.commit));
      } else if (k === "PLpgSQL_stmt_commit") {
        out.commits++;
        if (inLoop) inLoop.commit = true;
      } else if (k === "PLpgSQL_stmt_if") {
        let before = guards;
        const branch = (cond: N | undefined, body: unknown) => {
          const text = String(cond?.PLpgSQL_expr?.query ?? "");
          const tree = expressionTree(text, false, ctx, ASKS.test(text));
          const s = describeExpression(tree, ctx);
          if (s) add(s, before, inLoop);
          const facts = conditionFacts(tree);
          // a condition on tables (not the catalog, not TG_OP): the database can answer it
          const data = facts.tgOp ? {} : { ...dataCondition(text, variables, ctx, lastInto), ...variableGuard(text) };
          const guard = (when: boolean): Guard => ({ condition: text, when, ...facts, ...data });
          visit(body, [...before, guard(true)], inLoop);
          before = [...before, guard(false)];
        };
        branch(v.cond, v.then_body);
        for (const e of (v.elsif_list as N[] | undefined) ?? []) branch(e.PLpgSQL_if_elsif?.cond, e.PLpgSQL_if_elsif?.stmts);
        visit(v.else_body, before, inLoop);
      } else if (k === "PLpgSQL_stmt_dynexecute") execute(v.query?.PLpgSQL_expr, guards, inLoop);
      else if (k === "PLpgSQL_expr") expr(v, guards, inLoop);
      else visit(v, guards, inLoop);
    }
  };
  /** EXECUTE 'constant' is analysed like the statement it holds; anything else cannot be known */
  const execute = (e: N | undefined, guards: Guard[], inLoop: Loop | null) => {
    if (typeof e?.query !== "string") return;
    const constant = constantString(e.query);
    if (constant !== undefined) for (const s of describeText(constant, ctx)) add(s, guards, inLoop);
    else {
      const s = emptySummary("execute-dynamic");
      s.dynamicSql = e.query;
      add(s, guards, inLoop);
      const args = describeExpression(expressionTree(e.query, false, ctx), ctx); // format(...) arguments may read tables or call functions
      if (args) add(args, guards, inLoop);
    }
  };
  visit(fn, [], null);
  return out;
}

interface Loop {
  dml: boolean;
  commit: boolean;
}

/** The body's variables (and FOUND): a query that names one cannot be asked outside the body. */
function variableNames(fn: RawNode): Set<string> {
  const out = new Set<string>(["found"]);
  const datums = ((fn as N).PLpgSQL_function?.datums as N[] | undefined) ?? [];
  for (const d of datums) {
    const v = d.PLpgSQL_var ?? d.PLpgSQL_rec ?? d.PLpgSQL_row;
    if (typeof v?.refname === "string") out.add(v.refname.toLowerCase());
  }
  return out;
}

/** Functions a probe must not call (they change something, wait, or read outside the database). */
const UNSAFE_IN_PROBE = /\b(nextval|setval|pg_advisory\w*|pg_sleep\w*|dblink\w*|lo_\w+|pg_terminate_backend|pg_cancel_backend|set_config|pg_notify|txid_current|pg_current_xact_id|pg_read_\w+|pg_ls_\w+)\s*\(/i;

/** Names no variable: every identifier of the text is a column, table or function name. */
function namesNoVariable(text: string, variables: Set<string>): boolean {
  if (/\$\d/.test(text) || UNSAFE_IN_PROBE.test(text)) return false;
  try {
    return scanSync(text).tokens.every((t) => t.tokenName !== "IDENT" || !variables.has(t.text.replace(/^"|"$/g, "").toLowerCase()));
  } catch {
    return false;
  }
}

/**
 * The query reads relations (a condition on nothing is no question); those of the catalog mark the
 * probe, whose answer then holds only while the run has not changed the catalog (SchemaContext.catalogChanged).
 */
function readsSomething(reads: string[]): boolean {
  return reads.length > 0;
}

const catalogRead = (r: string) => /^(pg_catalog|information_schema)\./.test(r) || /^[^.]+\.pg_/.test(r);
const catalogMark = (reads: string[]): { catalog?: true } => (reads.some(catalogRead) ? { catalog: true } : {});

/** A FOR loop's query, asked as it is; only a plain SELECT that names no variable and calls no user function. */
function queryProbe(query: string, variables: Set<string>, ctx: DescribeContext): NonNullable<Guard["probe"]> | undefined {
  const stmts = describeText(query, ctx);
  const s = stmts[0];
  if (stmts.length !== 1 || s?.kind !== "select" || s.calls?.length || s.modifies?.length || !readsSomething(s.reads) || !namesNoVariable(query, variables)) return undefined;
  // its driving table, whose emptiness answers when the query cannot be asked (a column the file adds first)
  const driver = drivingRelation(parseFragment(query)?.[0]);
  return { key: `body rows ${query}`, sql: query, reads: s.reads, ...catalogMark(s.reads), ...(driver ? { driver } : {}) };
}

/** An IF / WHILE condition on data, asked as `SELECT 1 WHERE <condition>` (a NULL condition is false, as for IF). */
function conditionProbe(cond: string, variables: Set<string>, ctx: DescribeContext): NonNullable<Guard["probe"]> | undefined {
  const tree = expressionTree(cond, false, ctx, true);
  const s = tree ? describeNode(tree.select, new ExprSource(tree.text, 0), ctx) : undefined;
  if (!s || !readsSomething(s.reads) || s.calls?.length || s.modifies?.length || !namesNoVariable(cond, variables)) return undefined;
  return { key: `body condition ${cond}`, sql: `SELECT 1 WHERE (${cond})`, reads: s.reads, ...catalogMark(s.reads) };
}

/**
 * What the database can say about an IF condition before the run: a condition on data, or FOUND /
 * `rec IS [NOT] NULL` right after `SELECT ... INTO rec` (no row: FOUND is false, rec is NULL).
 */
function dataCondition(cond: string, variables: Set<string>, ctx: DescribeContext, lastInto: { target: string; query: string } | undefined): Pick<Guard, "probe"> {
  const text = cond.trim().toLowerCase().replace(/\s+/g, " ");
  if (lastInto) {
    const into = queryProbe(lastInto.query, variables, ctx);
    if (into) {
      // the condition is true exactly when the query returned a row (FOUND), or only known false without one
      if (text === "found") return { probe: into };
      if (text === `${lastInto.target} is not null`) return { probe: { ...into, onlyWhenEmpty: true } };
    }
  }
  const probe = conditionProbe(cond, variables, ctx);
  return probe ? { probe } : {};
}

/** `IF <condition> THEN ... RETURN; END IF` with no other branch: its condition. */
function earlyReturn(x: N | undefined): string | undefined {
  const i = x?.PLpgSQL_stmt_if as N | undefined;
  if (!i || i.elsif_list?.length || i.else_body?.length) return undefined;
  const last = (i.then_body as N[] | undefined)?.at(-1);
  return last && "PLpgSQL_stmt_return" in last ? String(i.cond?.PLpgSQL_expr?.query ?? "") || undefined : undefined;
}

/** Every statement of a SQL text, summarised; none when it does not parse. */
export function describeText(sql: string, ctx: DescribeContext = NO_CONTEXT): StatementSummary[] {
  const src = new ExprSource(sql, 0);
  return (parseFragment(sql) ?? []).map((stmt) => describeNode(inSearchSchema(stmt, ctx), src, ctx));
}

/**
 * A routine with SET search_path: its unqualified relation names (not CTE names) get the path's
 * first schema, as Postgres would find them there. The tree is the parser's fresh copy.
 */
function inSearchSchema(tree: RawNode, ctx: DescribeContext): RawNode {
  const schema = ctx.searchSchema;
  if (!schema) return tree;
  const ctes = new Set<string>();
  const collect = (n: unknown): void => {
    if (Array.isArray(n)) return n.forEach(collect);
    if (!n || typeof n !== "object") return;
    for (const [k, v] of Object.entries(n as N)) {
      if (k === "CommonTableExpr" && typeof v?.ctename === "string") ctes.add(v.ctename);
      collect(v);
    }
  };
  // a RangeVar appears wrapped ({ RangeVar: {...} } in FROM) or bare (an INSERT's or UPDATE's relation)
  const qualify = (n: unknown): void => {
    if (Array.isArray(n)) return n.forEach(qualify);
    if (!n || typeof n !== "object") return;
    const v = n as N;
    if (typeof v.relname === "string" && "relpersistence" in v) {
      if (v.schemaname === undefined && !ctes.has(v.relname) && v.relpersistence !== "t") v.schemaname = schema;
      return;
    }
    for (const x of Object.values(v)) qualify(x);
  };
  collect(tree);
  qualify(tree);
  return tree;
}

/** A PL/pgSQL expression parsed as `SELECT <expression>`; undefined for plain variables, constants and operators on them. */
interface ExpressionTree {
  text: string;
  select: RawNode;
}

function expressionTree(query: string, assignment: boolean, ctx: DescribeContext, always = false): ExpressionTree | undefined {
  const value = assignment ? afterAssignment(query) : query;
  if (!always && !/[(]|\bselect\b/i.test(value)) return undefined;
  const text = `SELECT ${value}`;
  const select = parseFragment(text)?.[0];
  return select ? { text, select: inSearchSchema(select, ctx) } : undefined;
}

/**
 * A PL/pgSQL expression (an IF condition, a RETURN value, the right side of an assignment) as a
 * `select` statement: only when it reads a relation, calls a user function or modifies data.
 */
function describeExpression(tree: ExpressionTree | undefined, ctx: DescribeContext): StatementSummary | undefined {
  if (!tree) return undefined;
  const s = describeNode(tree.select, new ExprSource(tree.text, 0), ctx);
  if (!(s.reads.length || s.calls?.length || s.modifies?.length)) return undefined;
  s.expression = true;
  return s;
}

/** `target := value` / `target = value` -> value */
function afterAssignment(query: string): string {
  const m = /^[^'"]*?(:=|=)/.exec(query);
  return m ? query.slice(m[0].length) : query;
}

/** The text of `'...'` when the expression is one string literal. */
function constantString(query: string): string | undefined {
  const tree = parseFragment(`SELECT ${query}`)?.[0] as N | undefined;
  const target = tree?.SelectStmt?.targetList;
  if (target?.length !== 1) return undefined;
  const c = target[0].ResTarget?.val?.A_Const;
  return typeof c?.sval?.sval === "string" ? c.sval.sval : undefined;
}

/* -------------------------------------- routines ------------------------------------------ */

export interface RoutineBody {
  language: string;
  body: DoBlockSummary;
}

/**
 * A CREATE FUNCTION / PROCEDURE statement's text (from a migration, or pg_get_functiondef) -> its
 * body's statements: PL/pgSQL bodies through the PL/pgSQL parser, SQL bodies (quoted or BEGIN
 * ATOMIC) as statements; other languages are left unparsed.
 */
export function describeRoutine(definition: string): RoutineBody | undefined {
  const tree = parseFragment(definition)?.[0] as N | undefined;
  const n = tree?.CreateFunctionStmt as N | undefined;
  if (!n) return undefined;
  const options = ((n.options as N[] | undefined) ?? []).map((o) => o.DefElem as N);
  const language = String(options.find((o) => o?.defname === "language")?.arg?.String?.sval ?? "sql").toLowerCase();
  const ctx = { ...NO_CONTEXT, ...searchSchemaOf(options) };
  if (language === "plpgsql") return { language, body: describeDoBody(parsePlpgsql(definition), ctx) };
  if (language !== "sql") return { language, body: { statements: [], loops: 0, commits: 0, batched: false, unparsed: true } };
  const body: DoBlockSummary = { statements: [], loops: 0, commits: 0, batched: false };
  if (n.sql_body) {
    const src = new ExprSource(definition, 0);
    const visit = (x: unknown): void => {
      if (Array.isArray(x)) return x.forEach(visit);
      if (!x || typeof x !== "object") return;
      const [k, v] = Object.entries(x as N)[0] ?? [];
      if (k === "List") return visit((v as N).items);
      if (k && /Stmt$/.test(k)) body.statements.push(describeNode(x as RawNode, src, NO_CONTEXT));
    };
    visit(n.sql_body);
  } else {
    const as = options.find((o) => o?.defname === "as")?.arg?.List?.items as N[] | undefined;
    const text = as?.[0]?.String?.sval;
    if (typeof text === "string") body.statements.push(...describeText(text, ctx));
    else body.unparsed = true;
  }
  return { language, body };
}

/** SET search_path TO a, b: the first schema named that is not a system one (public needs nothing). */
function searchSchemaOf(options: N[]): Pick<DescribeContext, "searchSchema"> {
  const set = options.find((o) => o?.defname === "set" && o.arg?.VariableSetStmt?.name === "search_path")?.arg?.VariableSetStmt as N | undefined;
  const schemas = ((set?.args as N[] | undefined) ?? []).map((a) => String(constantText(a) || "").replace(/"/g, "").trim().toLowerCase());
  const first = schemas.find((x) => x && x !== "$user" && x !== "pg_catalog" && x !== "pg_temp");
  return first && first !== "public" ? { searchSchema: first } : {};
}

/* --------------------------------------- conditions --------------------------------------- */

/** What an IF condition asks: the catalog (a recognised existence check) or, in a trigger function, TG_OP. */
/** Conditions that may ask the catalog or TG_OP (conditionFacts). */
const ASKS = /exists|to_reg|tg_op/i;

function conditionFacts(tree: ExpressionTree | undefined): Pick<Guard, "check" | "tgOp"> {
  if (!tree || !ASKS.test(tree.text)) return {};
  const target = (tree.select as N).SelectStmt?.targetList;
  if (target?.length !== 1) return {};
  const check = existenceCheck(target[0].ResTarget?.val, true);
  if (check) return { check };
  const ops = tgOps(target[0].ResTarget?.val);
  return ops ? { tgOp: [...ops] } : {};
}

const TG_OPS = ["INSERT", "UPDATE", "DELETE", "TRUNCATE"];

/** The TG_OP values for which a condition on TG_OP alone is true (`TG_OP = 'INSERT'`, `IN (...)`, `<>`, AND / OR / NOT). */
function tgOps(e: N | undefined): Set<string> | undefined {
  if (!e) return undefined;
  const b = e.BoolExpr as N | undefined;
  if (b) {
    const parts = ((b.args as N[] | undefined) ?? []).map(tgOps);
    if (parts.some((p) => !p)) return undefined;
    if (b.boolop === "NOT_EXPR") return new Set(TG_OPS.filter((o) => !parts[0]!.has(o)));
    if (b.boolop === "OR_EXPR") return new Set(parts.flatMap((p) => [...p!]));
    return new Set(TG_OPS.filter((o) => parts.every((p) => p!.has(o))));
  }
  const a = e.A_Expr as N | undefined;
  const isTgOp = (x: N) => (x?.ColumnRef?.fields as N[] | undefined)?.at(-1)?.String?.sval?.toLowerCase() === "tg_op";
  if (!a || !isTgOp(a.lexpr)) return undefined;
  const op = a.name?.[0]?.String?.sval;
  const values = (a.kind === "AEXPR_IN" ? ((a.rexpr?.List?.items ?? a.rexpr) as N[]) : [a.rexpr]).map((v) => constantText(v));
  if (values.some((v) => typeof v !== "string") || (op !== "=" && op !== "<>" && op !== "!=")) return undefined;
  const named = new Set((values as string[]).map((v) => v.toUpperCase()));
  return op === "=" ? named : new Set(TG_OPS.filter((o) => !named.has(o)));
}

function existenceCheck(e: N | undefined, exists: boolean): CatalogCheck | undefined {
  if (!e) return undefined;
  if (e.BoolExpr?.boolop === "NOT_EXPR" && e.BoolExpr.args?.length === 1) return existenceCheck(e.BoolExpr.args[0], !exists);
  if (e.SubLink?.subLinkType === "EXISTS_SUBLINK") {
    const q = e.SubLink.subselect?.SelectStmt as N | undefined;
    const from = q?.fromClause as N[] | undefined;
    if (from?.length !== 1 || !from[0]!.RangeVar) return undefined;
    const rv = from[0]!.RangeVar as N;
    const filters = equalityFilters(q!.whereClause);
    if (!filters) return undefined;
    return { source: rv.schemaname ? qualify(rv) : String(rv.relname), filters, exists };
  }
  const test = e.NullTest as N | undefined;
  const fn = test?.arg?.FuncCall as N | undefined;
  const fname = (fn?.funcname as N[] | undefined)?.map((x) => x.String?.sval).at(-1);
  if (fn && (fname === "to_regclass" || fname === "to_regtype" || fname === "to_regproc" || fname === "to_regnamespace")) {
    const arg = constantText(fn.args?.[0] ?? {});
    if (typeof arg !== "string") return undefined;
    return { source: fname, filters: { name: arg }, exists: test!.nulltesttype === "IS_NOT_NULL" ? exists : !exists };
  }
  return undefined;
}

/** `a = 'x' AND b = 'y'::regclass ...` -> { a: "x", b: "y" }; undefined when any term is something else. */
function equalityFilters(where: N | undefined): Record<string, string> | undefined {
  if (!where) return {};
  const terms: N[] = where.BoolExpr?.boolop === "AND_EXPR" ? where.BoolExpr.args : [where];
  const out: Record<string, string> = {};
  for (const t of terms) {
    const e = t.A_Expr as N | undefined;
    if (e?.kind !== "AEXPR_OP" || e.name?.[0]?.String?.sval !== "=") return undefined;
    const col = (x: N) => (x?.ColumnRef?.fields as N[] | undefined)?.at(-1)?.String?.sval as string | undefined;
    const [c, v] = col(e.lexpr) ? [col(e.lexpr), constantText(e.rexpr)] : [col(e.rexpr), constantText(e.lexpr)];
    if (!c || typeof v !== "string") return undefined;
    out[c.toLowerCase()] = v;
  }
  return out;
}

/** A trigger's WHEN condition, as far as it can be evaluated from the values a statement writes. */
export type Condition =
  | { op: "and" | "or"; args: Condition[] }
  | { op: "not"; arg: Condition }
  | { op: "compare"; operator: string; left: Operand; right: Operand }
  | { op: "null-test"; arg: Operand; isNull: boolean }
  | { op: "unknown" };

/** `NEW.col` / `OLD.col`, a constant (null for NULL), or anything else */
export type Operand = { row: "new" | "old"; column: string } | { constant: string | null } | { unknown: true };

const UNKNOWN: Condition = { op: "unknown" };

export function describeCondition(text: string): Condition {
  const tree = parseFragment(`SELECT ${text}`)?.[0] as N | undefined;
  const target = tree?.SelectStmt?.targetList;
  return target?.length === 1 ? condition(target[0].ResTarget?.val) : UNKNOWN;
}

function condition(e: N | undefined): Condition {
  if (!e) return UNKNOWN;
  if (e.BoolExpr) {
    const args = ((e.BoolExpr.args as N[] | undefined) ?? []).map(condition);
    if (e.BoolExpr.boolop === "NOT_EXPR") return { op: "not", arg: args[0] ?? UNKNOWN };
    return { op: e.BoolExpr.boolop === "AND_EXPR" ? "and" : "or", args };
  }
  if (e.NullTest) return { op: "null-test", arg: operand(e.NullTest.arg), isNull: e.NullTest.nulltesttype === "IS_NULL" };
  const a = e.A_Expr as N | undefined;
  if (a?.kind === "AEXPR_OP" || a?.kind === "AEXPR_DISTINCT" || a?.kind === "AEXPR_NOT_DISTINCT") {
    const operator = a.kind === "AEXPR_OP" ? String(a.name?.[0]?.String?.sval ?? "") : a.kind === "AEXPR_DISTINCT" ? "is distinct from" : "is not distinct from";
    return { op: "compare", operator, left: operand(a.lexpr), right: operand(a.rexpr) };
  }
  return UNKNOWN;
}

function operand(e: N | undefined): Operand {
  const fields = (e?.ColumnRef?.fields as N[] | undefined)?.map((f) => f.String?.sval as string | undefined);
  if (fields?.length === 2 && (fields[0]?.toLowerCase() === "new" || fields[0]?.toLowerCase() === "old") && fields[1]) {
    return { row: fields[0].toLowerCase() as "new" | "old", column: fields[1] };
  }
  const c = e ? constantText(e) : false;
  return c === false ? { unknown: true } : { constant: c };
}
