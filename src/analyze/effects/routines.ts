import { describeRoutine, type RoutineBody } from "../describe-body.js";
import type { DoBlockSummary, Guard, StatementSummary } from "../describe.js";
import type { SchemaContext } from "../schema.js";
import { evaluateCheck } from "./conditions.js";
import { anyRowsKey } from "./rows.js";
import { deeper, MAX_DEPTH, type ExecContext, type Host } from "./context.js";

/**
 * Functions, procedures and DO blocks: the statements of their bodies are locked like top-level
 * ones (with their own triggers, cascades and calls), following calls into other routines.
 */

/** Bodies described once per definition text (a catalog's functions are shared by every statement). */
const bodies = new Map<string, RoutineBody | undefined>();
const MAX_CACHED = 2_000;

function bodyOf(definition: string): RoutineBody | undefined {
  if (bodies.has(definition)) return bodies.get(definition);
  if (bodies.size >= MAX_CACHED) bodies.clear();
  const body = describeRoutine(definition);
  bodies.set(definition, body);
  return body;
}

/**
 * Follow a call of `name` (schema-qualified) into every overload of that name (arguments are not
 * matched to types: the cautious union). A trigger function gets the event that fired it
 * (`tgOp`), so its IF TG_OP = ... branches are decided.
 */
export function callRoutine(name: string, host: Host, ctx: ExecContext, opts: { tgOp?: string } = {}): void {
  const overloads = host.schema.snapshot.routines?.[name];
  if (!overloads?.length) return; // a built-in, or not a routine the schema knows
  const key = `routine ${name} ${opts.tgOp ?? ""}`;
  if (ctx.seen.has(key)) return;
  ctx.seen.add(key);
  if (ctx.depth >= MAX_DEPTH) {
    host.schema.assume(`${name}: calls nest deeper than ${MAX_DEPTH}; what it does from there is not followed`, true);
    return;
  }
  for (const o of overloads) {
    const via = `${o.kind} ${name}`;
    if (!o.definition || (o.language !== "sql" && o.language !== "plpgsql")) {
      host.schema.assume(`${via} is written in ${o.language}: what it locks cannot be analysed`, true);
      continue;
    }
    const body = bodyOf(o.definition);
    if (!body || body.body.unparsed) {
      host.schema.assume(`${via} could not be read: what it locks is not shown`, true);
      continue;
    }
    const inner = deeper(ctx, via);
    delete inner.tgOp;
    runBody(body.body, host, opts.tgOp ? { ...inner, tgOp: opts.tgOp } : inner);
  }
}

/**
 * Lock a body's statements in order. An IF whose condition asks the catalog is evaluated against
 * the schema at this point; any other condition is assumed to let its branch run (and said so).
 * SET session_replication_role inside the body changes which triggers fire after it.
 */
export function runBody(body: DoBlockSummary, host: Host, ctx: ExecContext): void {
  let role = ctx.role;
  const via = ctx.via ?? "DO block";
  // tables the body's statements so far may have written: what was probed about them no longer holds
  const written: Written = new Set();
  for (const s of body.statements) {
    const allowed = guardsAllow(s.guards, host, ctx, via, written);
    if (allowed === "data") {
      // skipped because of the data as it is now: what would block if the data differs by then is kept
      if (s.kind !== "execute-dynamic" && host.keepAtLeast("ShareLock", () => host.statement(s, { ...ctx, role }))) {
        host.schema.assume(`${via}: a condition on the data skips a statement now, but if the data differs when it runs, the statement takes the blocking locks shown`, true);
      }
      continue;
    }
    if (!allowed) continue;
    noteWrites(s, written);
    if (s.setting?.name === "session_replication_role" || (s.kind === "reset" && !s.setting)) {
      const v = s.kind === "reset" ? "origin" : (s.setting?.value?.toLowerCase() ?? "origin");
      role = v === "replica" ? "replica" : v === "local" ? "local" : "origin";
      continue;
    }
    if (s.kind === "execute-dynamic") {
      host.schema.assume(`${via}: EXECUTE ${oneLine(s.dynamicSql ?? "")} builds its statement at run time; what it locks cannot be known before it runs`, true);
      continue;
    }
    host.statement(s, { ...ctx, role });
  }
}

/** Relations the body's statements so far may have written; "*": anything (a call); "#catalog": DDL ran. */
type Written = Set<string>;

/** DML marks its target written; a call or anything else that may write marks everything; DDL marks the catalog. */
function noteWrites(s: StatementSummary, written: Written): void {
  if (s.calls?.length || s.modifies?.length || s.kind === "execute-dynamic" || s.kind === "call" || s.kind === "do") {
    written.add("*");
  } else if (["insert", "update", "delete", "merge", "copy", "truncate"].includes(s.kind)) {
    for (const r of [s.relation, ...s.objects]) if (r) written.add(r);
  } else if (s.kind !== "select" && s.kind !== "set") {
    written.add("#catalog"); // the catalog as probed no longer holds
  }
}

/** A data condition's probed answer (check --db), unless the body may have written what it reads. */
function probed(p: NonNullable<Guard["probe"]>, schema: SchemaContext, written: Written): boolean | undefined {
  if (written.has("*") || schema.expandViews(p.reads).some((r) => written.has(r))) return undefined;
  // a question to the catalog: answered as it was before the run, so only while nothing has changed it since
  if (p.catalog && (written.size > 0 || !schema.catalogAnswerHolds(p.sql))) return undefined;
  let found = schema.rowFact(p.key, p.reads);
  // the query could not be asked: an empty driving table still says it returns no row
  if (found === undefined && p.driver && (schema.knownEmpty(p.driver) || schema.rowFact(anyRowsKey(p.driver), p.driver) === false)) found = false;
  return found === true && p.onlyWhenEmpty ? undefined : found;
}

/** What a guard's condition evaluates to before the run, or undefined when it cannot be told. */
function conditionValue(g: Guard, host: Host, ctx: ExecContext, written: Written, depth = 0): boolean | undefined {
  let value = g.check ? evaluateCheck(g.check, host.schema) : g.tgOp && ctx.tgOp ? g.tgOp.includes(ctx.tgOp) : undefined;
  if (value === undefined && g.probe) value = probed(g.probe, host.schema, written);
  // a variable no assignment of which runs is NULL: the IF is not taken
  if (value === undefined && g.variable && depth < 4) {
    const never = (under: Guard[]) =>
      under.some((x) => {
        const v = conditionValue(x, host, ctx, written, depth + 1);
        return v !== undefined && v !== x.when;
      });
    if (g.variable.assignedUnder.every(never)) value = false;
  }
  return value;
}

/**
 * Do the statement's conditions let it run: true; false when one that the schema decides (a
 * catalog check, TG_OP) does not; "data" when only conditions on the rows as they are now do not.
 */
function guardsAllow(guards: DoBlockSummary["statements"][number]["guards"], host: Host, ctx: ExecContext, via: string, written: Written = new Set()): boolean | "data" {
  let data = false;
  for (const g of guards ?? []) {
    const value = conditionValue(g, host, ctx, written);
    if (value === undefined) {
      host.schema.assume(`${via}: IF ${oneLine(g.condition)} cannot be evaluated before the migration runs; both of its branches are counted`, true);
      continue;
    }
    if (value === g.when) continue;
    const bySchema = (g.check && evaluateCheck(g.check, host.schema) !== undefined) || (g.tgOp && ctx.tgOp) || g.probe?.catalog;
    if (bySchema) return false;
    data = true;
  }
  return data ? "data" : true;
}

function oneLine(s: string): string {
  const t = s.replace(/\s+/g, " ").trim();
  return t.length > 120 ? `${t.slice(0, 117)}...` : t;
}
