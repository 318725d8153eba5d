import { describeText } from "../describe-body.js";
import type { AssignedValue, StatementSummary } from "../describe.js";
import { partitionKeyColumns } from "../partition-routing.js";
import type { SchemaContext } from "../schema.js";
import type { RelationInfo, RuleInfo } from "../types.js";
import { deeper, firesUnder, MAX_DEPTH, type ExecContext, type Host } from "./context.js";
import { foreignKeyEffects } from "./foreign-keys.js";
import { callRoutine } from "./routines.js";
import { changeKey, conflictKey, touchFact, touchKey } from "./rows.js";
import { fireTriggers } from "./triggers.js";

/** Rows written to one relation by a statement, a rule action or a foreign key's action. */
export interface Write {
  table: string;
  event: "insert" | "update" | "delete";
  /** UPDATE: the columns set; INSERT: the columns listed ([] = the table's, in order) */
  columns: string[];
  /** UPDATE: what each column is set to */
  assigned?: Map<string, AssignedValue>;
  /** INSERT ... VALUES: each row's constants (false where not a constant) */
  values?: Array<Array<string | null | false>>;
  /** INSERT: listed columns NULL in every row */
  nullColumns?: string[];
  /** false when the write is known to touch no row: only statement-level triggers and rules act */
  rows: boolean;
  /** `rows` is an assumption (UPDATE / DELETE / INSERT ... SELECT not probed) */
  rowsAssumed?: boolean;
  /** the row question (effects/rows.ts) whose rows this write touches: deleted rows, or updated rows whose key changes */
  rowsKey?: string;
  /** UPDATE: the row question for the rows that get new values in these key columns (undefined: not asked) */
  changeKeyOf?: (columns: string[]) => string | undefined;
  /** the rows of an UPDATE that move to another partition (a DELETE and an INSERT): only row-level triggers and keys act */
  moved?: boolean;
  /** INSERT ... ON CONFLICT: false when every proposed row conflicts (BEFORE INSERT row triggers still see them; nothing after) */
  inserted?: boolean;
}

/**
 * Everything a DML statement sets off beyond its own locks (which lockDml takes): its writable
 * CTEs, the functions it calls (and those its columns' defaults call), and per relation written
 * the rules, triggers and foreign keys (see writeEffects).
 */
export function dmlEffects(s: StatementSummary, host: Host, ctx: ExecContext): void {
  for (const m of s.modifies ?? []) host.statement(m, ctx);
  // functions in SET, WHERE, RETURNING or an INSERT's query run per row: none when no row is touched
  // (then only what would block, if rows match by the time it runs, is kept)
  const noRows = s.calls?.length && (s.kind === "update" || s.kind === "delete" ? !s.dml?.fromQuery : s.kind === "insert" && s.dml?.driver !== undefined) && touchFact(s, host.schema) === false;
  for (const c of s.calls ?? []) {
    if (!noRows) callRoutine(c, host, ctx);
    else if (host.keepAtLeast("ShareLock", () => callRoutine(c, host, ctx))) host.schema.assume(`${c}: no row matches the ${s.kind.toUpperCase()} on ${s.relation} now, so it is not called; if rows match when it runs, it takes the blocking locks shown`, true);
  }
  const target = s.relation;
  const rel = host.schema.relation(target);
  if (!target || !rel || !mayHaveEffects(target, rel, host.schema)) return;
  for (const w of writesOf(s, target, host.schema)) {
    if (w.event === "insert") for (const fn of defaultCalls(rel, w, host.schema)) callRoutine(fn, host, ctx);
    writeEffects(w, host, ctx);
  }
}

/**
 * Nothing to follow on a plain table: no triggers, rules or keys on it, its partitions or parents,
 * no table referencing it, no user function its defaults could call. (Most seed-data INSERTs.)
 */
function mayHaveEffects(table: string, rel: RelationInfo, schema: SchemaContext): boolean {
  if (rel.kind === "view" || rel.parent || rel.partitions?.length || rel.triggers?.length || rel.rules?.length) return true;
  if (rel.constraints.some((c) => c.type === "f") || schema.referencing(table).length > 0) return true;
  return Object.keys(schema.snapshot.routines ?? {}).length > 0 && rel.columns.some((c) => c.default?.includes("("));
}

/**
 * The writes of an INSERT (with ON CONFLICT DO UPDATE, also an update), UPDATE, DELETE or MERGE.
 * Whether an UPDATE or DELETE touches rows, and whether an UPDATE changes a key, come from the
 * database when it was probed (effects/rows.ts), else are assumed.
 */
function writesOf(s: StatementSummary, table: string, schema: SchemaContext): Write[] {
  const dml = s.dml;
  const assigned = new Map((dml?.assigned ?? []).map((a) => [a.column, a.value] as const));
  const fact = touchFact(s, schema);
  const touched: Pick<Write, "rows" | "rowsAssumed"> = fact === undefined ? { rows: true, rowsAssumed: true } : { rows: fact };
  const changeKeyOf = (columns: string[]) => {
    const differs = columns.map((column) => ({ column, value: assigned.get(column) }));
    return differs.every((d) => typeof d.value === "string" || d.value === null) ? changeKey(s, differs as Array<{ column: string; value: string | null }>) : undefined;
  };
  switch (s.kind) {
    case "insert": {
      // INSERT ... SELECT: whether its query returns rows, when probed
      const selected = dml?.values ? { rows: true } : dml?.rowsSql ? touched : { rows: true, rowsAssumed: true };
      const insert: Write = { table, event: "insert", columns: dml?.columns ?? [], ...selected, ...(dml?.values ? { values: dml.values } : {}), ...(dml?.nullColumns ? { nullColumns: dml.nullColumns } : {}) };
      if (!dml?.onConflict) return [insert];
      if (!insert.rows) return dml.onConflict.action === "update" ? [insert, { table, event: "update", columns: dml.onConflict.columns, assigned, rows: false }] : [insert];
      // probed (effects/rows.ts): which proposed rows already have a row with their key
      const conflicts = dml.values?.map((_, i) => schema.rowFact(conflictKey(s, i), table));
      const known = conflicts?.length && conflicts.every((c) => c !== undefined);
      const fresh = known ? dml.values!.filter((_, i) => !conflicts![i]) : undefined;
      if (fresh) Object.assign(insert, { values: fresh, inserted: fresh.length > 0 });
      if (dml.onConflict.action !== "update") return [insert];
      const updated = known ? { rows: conflicts!.some(Boolean) } : { rows: true, rowsAssumed: true };
      return [insert, { table, event: "update", columns: dml.onConflict.columns, assigned, ...updated }];
    }
    case "update": {
      const update: Write = { table, event: "update", columns: dml?.columns ?? [], assigned, ...touched, changeKeyOf };
      const key = partitionKeyColumns(schema.relation(table));
      const moving = changeKeyOf(key);
      if (!key.some((c) => update.columns.includes(c)) || (moving && schema.rowFact(moving, table) === false)) return [update];
      // a row whose partition key changes moves: deleted from its partition, inserted into another
      const moved = { table, columns: [], ...touched, moved: true };
      return [update, { ...moved, event: "delete" }, { ...moved, event: "insert" }];
    }
    case "delete":
      return [{ table, event: "delete", columns: [], ...touched, rowsKey: touchKey(s) }];
    case "copy":
      return s.copy?.from ? [{ table, event: "insert", columns: s.copy.columns, rows: true, rowsAssumed: true }] : [];
    case "merge":
      return (dml?.mergeActions ?? []).flatMap((a): Write[] => (a.action === "nothing" ? [] : [{ table, event: a.action, columns: a.columns, rows: true, rowsAssumed: true }]));
  }
  return [];
}

/** Whether the rows a row question stands for exist, as probed; assumed (and marked so) when not. */
export function rowsOf(key: string, table: string | string[], schema: SchemaContext): Pick<Write, "rows" | "rowsAssumed"> {
  const found = schema.rowFact(key, table);
  return found === undefined ? { rows: true, rowsAssumed: true } : { rows: found };
}

/**
 * What writing to a relation sets off: on a view, its INSTEAD OF triggers or INSTEAD rules, else
 * the write to its base table; on a table, its rules (at rewrite time: whether or not rows
 * match), statement-level triggers, and for the rows touched its row-level triggers and foreign
 * keys. The relation itself is locked by the caller.
 */
export function writeEffects(w: Write, host: Host, ctx: ExecContext): void {
  const key = `write ${w.table} ${w.event} ${w.columns.join(",")} ${w.rows}`;
  if (ctx.seen.has(key)) return;
  ctx.seen.add(key);
  if (ctx.depth >= MAX_DEPTH) {
    host.schema.assume(`${w.table}: writes nest deeper than ${MAX_DEPTH} levels; what they set off from there is not followed`, true);
    return;
  }
  const rel = host.schema.relation(w.table);
  if (!rel) return;
  if (rel.kind === "view") return viewWriteEffects(w, rel, host, ctx);
  if (!w.moved) {
    if (followRules(w, rel, host, ctx)) return;
    fireTriggers(w, "statement", "before-after", host, ctx);
  }
  if (!w.rows) {
    // none matches today; rows that match by the time the migration runs must not hide a blocking lock
    const kept = host.keepAtLeast("ShareLock", () => rowEffects({ ...w, rows: true }, host, ctx));
    if (kept) host.schema.assume(`${w.table}: no row matches the ${w.event.toUpperCase()} now, but its row triggers or foreign keys would take the blocking locks shown if rows match when it runs`, true);
    return;
  }
  const acted = rowEffects(w, host, ctx);
  if (w.rowsAssumed && acted) {
    host.schema.assume(`${w.table}: the ${w.event.toUpperCase()} is assumed to touch rows, so its row triggers and foreign-key checks and actions are counted`, true);
  }
}

/** Row-level triggers and foreign keys; true when any acted. */
function rowEffects(w: Write, host: Host, ctx: ExecContext): boolean {
  const rowTriggers = fireTriggers(w, "row", "before-after", host, ctx);
  return foreignKeyEffects(w, host, ctx) || rowTriggers > 0;
}

/** A view's INSTEAD OF triggers or INSTEAD rules replace the write; else it goes to the base table (auto-updatable view). */
function viewWriteEffects(w: Write, view: RelationInfo, host: Host, ctx: ExecContext): void {
  fireTriggers(w, "statement", "before-after", host, ctx);
  if (insteadTriggers(view, w.event, ctx)) {
    if (w.rows) fireTriggers(w, "row", "instead", host, ctx);
    return;
  }
  if (followRules(w, view, host, ctx)) return;
  const base = viewBase(w.table, view);
  if (base) writeEffects({ ...w, table: base }, host, deeper(ctx));
}

/**
 * Does a write to this view go to its triggers or rules instead of its base table? Then the base
 * tables are only read (to find the rows), not written.
 */
export function viewRedirects(view: RelationInfo | undefined, event: Write["event"], schema: SchemaContext): boolean {
  if (view?.kind !== "view") return false;
  const role = schema.replicationRole;
  return insteadTriggers(view, event, { role }) || (view.rules ?? []).some((r) => r.event === event && r.instead && !r.conditional && firesUnder(r.enabled, role));
}

function insteadTriggers(view: RelationInfo, event: Write["event"], ctx: Pick<ExecContext, "role">): boolean {
  return (view.triggers ?? []).some((t) => t.timing === "instead" && t.events.includes(event) && firesUnder(t.enabled, ctx.role));
}

/** Lock the actions of the relation's rules for this event; true when an unconditional INSTEAD rule replaces the write. */
function followRules(w: Write, rel: RelationInfo, host: Host, ctx: ExecContext): boolean {
  let instead = false;
  for (const rule of rel.rules ?? []) {
    if (rule.event !== w.event || !firesUnder(rule.enabled, ctx.role)) continue;
    for (const action of ruleActions(rule)) host.statement(action, deeper(ctx, `rule ${rule.name} on ${w.table}`));
    if (rule.instead && !rule.conditional) instead = true;
  }
  return instead;
}

const ruleCache = new Map<string, StatementSummary[]>();

function ruleActions(rule: RuleInfo): StatementSummary[] {
  let actions = ruleCache.get(rule.definition);
  if (!actions) {
    if (ruleCache.size > 2_000) ruleCache.clear();
    actions = describeText(rule.definition)[0]?.rule?.actions ?? [];
    ruleCache.set(rule.definition, actions);
  }
  return actions;
}

const fromCache = new Map<string, string[] | undefined>();

/** The table an auto-updatable view writes to: the one relation in its FROM. */
function viewBase(name: string, view: RelationInfo): string | undefined {
  if (view.reads?.length === 1) return view.reads[0];
  let from = view.viewFrom;
  if (!from && view.viewDefinition) {
    if (!fromCache.has(view.viewDefinition)) fromCache.set(view.viewDefinition, describeText(view.viewDefinition)[0]?.from);
    from = fromCache.get(view.viewDefinition);
  }
  return from?.length === 1 && from[0] !== name ? from[0] : undefined;
}

/** User functions the defaults of the columns an INSERT leaves out call: "app.next_code(...)" -> app.next_code. */
function defaultCalls(rel: RelationInfo, w: Write, schema: SchemaContext): string[] {
  const routines = schema.snapshot.routines;
  if (!routines || Object.keys(routines).length === 0) return [];
  const width = w.columns.length || (w.values?.[0]?.length ?? rel.columns.length);
  const given = new Set(w.columns.length ? w.columns : rel.columns.slice(0, width).map((c) => c.name));
  const out: string[] = [];
  for (const c of rel.columns) {
    if (given.has(c.name) || !c.default) continue;
    for (const m of c.default.matchAll(/("?[A-Za-z_][\w$]*"?\.)?"?([A-Za-z_][\w$]*)"?\s*\(/g)) {
      const name = `${m[1] ? m[1].replace(/[".]/g, "") : "public"}.${m[2]}`.toLowerCase();
      if (routines[name]) out.push(name);
    }
  }
  return out;
}
