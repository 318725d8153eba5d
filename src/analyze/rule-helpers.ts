/** Small facts rules share: is a relation pre-existing, how to name it in a fix, what came before. */
import type { ColumnSummary, StatementSummary, TypeRef } from "./describe.js";
import type { RuleContext, RuleScope } from "./rules/define.js";
import type { ColumnInfo, LockMode } from "./types.js";
import { LOCK_MODES } from "./types.js";

/** The relation existed before this migration (so it may be large and busy). */
export function isExisting(ctx: RuleContext, relation: string | undefined = ctx.statement.relation): boolean {
  if (!relation) return false;
  if (relation === ctx.statement.relation && (ctx.statement.newTable || createsRelation(ctx.statement))) return false;
  return ctx.schema.relations[relation]?.isNew !== true;
}

/** Statements whose `relation` is the object they create (CREATE INDEX's relation is its table). */
const CREATES_OWN_RELATION = new Set(["create-table", "create-table-as", "create-materialized-view", "create-sequence", "create-foreign-table"]);

export function createsRelation(s: StatementSummary): boolean {
  return CREATES_OWN_RELATION.has(s.kind) || (s.kind === "create-view" && !s.ifNotExists);
}

/** How a fix names a relation: `users` for public.users, `app."Users"` otherwise. */
export function sqlName(qualified: string): string {
  const dot = qualified.indexOf(".");
  const schema = dot >= 0 ? qualified.slice(0, dot) : "public";
  const name = dot >= 0 ? qualified.slice(dot + 1) : qualified;
  return schema === "public" ? ident(name) : `${ident(schema)}.${ident(name)}`;
}

const PLAIN = /^[a-z_][a-z0-9_$]*$/;
const RESERVED = new Set(["user", "order", "group", "table", "select", "from", "where", "check", "default", "primary", "references", "unique", "column", "constraint", "limit", "offset", "to", "and", "or", "not", "null", "end", "all", "any", "as", "desc", "asc", "with", "for", "on", "using", "when", "then", "else", "case", "grant", "create", "analyse", "analyze", "array", "both", "cast", "collate", "current_user", "distinct", "do", "fetch", "foreign", "having", "in", "initially", "into", "lateral", "leading", "only", "placing", "returning", "some", "symmetric", "trailing", "union", "variadic", "window"]);

export function ident(name: string): string {
  return PLAIN.test(name) && !RESERVED.has(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

/** The catalog's (or earlier statements') knowledge of a column. */
export function columnInfo(ctx: RuleContext, relation: string | undefined, column: string | undefined): ColumnInfo | undefined {
  if (!relation || !column) return undefined;
  return ctx.schema.relations[relation]?.columns.find((c) => c.name === column);
}

/** The statements before this one in the file. */
export function earlier(ctx: RuleContext): StatementSummary[] {
  return ctx.file.statements.slice(0, ctx.file.index);
}

/** The strongest lock this statement takes on the relation, per locks.ts. */
export function lockOn(ctx: RuleContext, relation: string | undefined): LockMode | undefined {
  return ctx.report.locks.find((l) => l.relation === relation)?.mode;
}

export function atLeast(mode: LockMode | undefined, floor: LockMode): boolean {
  return mode !== undefined && LOCK_MODES.indexOf(mode) >= LOCK_MODES.indexOf(floor);
}

/** Existing relations rewritten or read in full while the statement holds SHARE or stronger on them. */
export function longWorkUnderLock(ctx: RuleContext): string[] {
  return [...ctx.report.rewrites, ...ctx.scans].filter((r) => atLeast(lockOn(ctx, r), "ShareLock") && isExisting(ctx, r));
}

/** Columns a statement defines: CREATE TABLE columns and ADD COLUMN definitions. */
export function definedColumns(s: StatementSummary): ColumnSummary[] {
  return s.columns;
}

/** The scope of rules that read typedColumns(): statements with column definitions or ALTER subcommands. */
export const TYPED_COLUMNS: RuleScope = { actions: true, columns: true };

type TypedColumn = { column: string; type: TypeRef; def?: ColumnSummary };

/** Per statement: eight type-preference rules ask for the same list. */
const typedColumnsOf = new WeakMap<StatementSummary, readonly TypedColumn[]>();

/** Columns whose type a statement sets: defined columns and ALTER COLUMN TYPE targets. */
export function typedColumns(s: StatementSummary): readonly TypedColumn[] {
  let list = typedColumnsOf.get(s);
  if (!list) {
    list = [
      ...s.columns.map((c) => ({ column: c.name, type: c.type, def: c })),
      ...s.actions.flatMap((a) => (a.action === "alter-column-type" && a.type && a.column ? [{ column: a.column, type: a.type }] : [])),
    ];
    typedColumnsOf.set(s, list);
  }
  return list;
}

/** A column is a key when it is a primary key, identity/serial, or references another table. */
export function isKeyColumn(s: StatementSummary, c: ColumnSummary): boolean {
  if (c.primaryKey || c.identity || c.type.serial || c.references) return true;
  return s.constraints.some((k) => (k.type === "primary-key" || k.type === "foreign-key") && k.columns.includes(c.name));
}

/** Where a statement sits: "public.users" or "public.users.role". */
export function where(relation: string | undefined, column?: string): string {
  return column ? `${relation}.${column}` : (relation ?? "");
}

/** The safe SET NOT NULL: prove it with a validated CHECK (no long lock), then set it (no scan). */
export function provenNotNullSteps(relation: string, column: string): string[] {
  const table = sqlName(relation);
  const c = ident(column);
  const check = ident(`${relation.split(".").pop()}_${column}_not_null`);
  return [
    `ALTER TABLE ${table} ADD CONSTRAINT ${check} CHECK (${c} IS NOT NULL) NOT VALID;`,
    `ALTER TABLE ${table} VALIDATE CONSTRAINT ${check};  -- scans without blocking reads or writes`,
    `ALTER TABLE ${table} ALTER COLUMN ${c} SET NOT NULL;  -- uses the validated check: no scan`,
    `ALTER TABLE ${table} DROP CONSTRAINT ${check};`,
  ];
}

/**
 * The transaction block open just before this statement: the one the migration tool opened (until
 * a COMMIT or ROLLBACK in the file ends it), the tool's after a BEGIN of the file (which does not
 * start another), one the file's BEGIN opened, or none.
 */
export function openTransactionBefore(ctx: RuleContext): "tool" | "tool-after-begin" | "explicit" | undefined {
  const states = ctx.file.memo("open-transaction-before", () => {
    let open: "tool" | "tool-after-begin" | "explicit" | undefined = ctx.file.wrapped ? "tool" : undefined;
    return ctx.file.statements.map((s) => {
      const before = open;
      if (s.transaction === "begin") open = open === "tool" ? "tool-after-begin" : (open ?? "explicit");
      else if (s.transaction === "commit" || s.transaction === "rollback" || s.transaction === "prepare") open = undefined;
      return before;
    });
  });
  return states[ctx.file.index];
}

/** A built-in type (not a user type that happens to share the name). */
export function isBuiltin(t: TypeRef, ...names: string[]): boolean {
  return !t.schema && names.includes(t.name);
}

/** One finding per column whose type matches, for the type-preference rules. */
export function typeFindings(
  ctx: RuleContext,
  matches: (t: TypeRef, c: { column: string; def?: ColumnSummary }) => boolean,
  describe: (where: string, t: TypeRef) => { message: string; fix: string },
): Array<{ message: string; fix: string }> {
  const s = ctx.statement;
  if (!s.relation) return [];
  return typedColumns(s)
    .filter((c) => matches(c.type, c))
    .map((c) => describe(where(s.relation, c.column), c.type));
}

/** UNIQUE / PRIMARY KEY constraints a statement adds that build their own index (no USING INDEX). */
export function indexBuildingConstraints(s: StatementSummary, type: "unique" | "primary-key"): Array<{ columns: string[]; name: string; addsColumn?: ColumnSummary }> {
  const out: Array<{ columns: string[]; name: string; addsColumn?: ColumnSummary }> = [];
  // a plain loop: every statement's risk asks this twice (risk/work.ts), most have no actions
  for (const a of s.actions) {
    const col = a.columnDef;
    if (a.action === "add-column" && col && (type === "unique" ? col.unique : col.primaryKey)) {
      const table = tableName(s);
      out.push({ columns: [col.name], name: type === "unique" ? `${table}_${col.name}_key` : `${table}_pkey`, addsColumn: col });
      continue;
    }
    const c = a.constraint;
    if (a.action === "add-constraint" && c?.type === type && !c.usingIndex) {
      out.push({ columns: c.columns, name: c.name ?? (type === "unique" ? `${tableName(s)}_${c.columns.join("_")}_key` : `${tableName(s)}_pkey`) });
    }
  }
  return out;
}

function tableName(s: StatementSummary): string {
  return s.relation?.split(".").pop() ?? "";
}
