/**
 * The ONE place that walks libpg-query's raw parse trees. Everything downstream (locks, rules,
 * plans, renderers) reads the typed summaries defined here.
 */
import { describeDoBody } from "./describe-body.js";
import { isStackOverflow, parseSql, type ParsedStatement, type RawNode, type StatementPosition } from "./parse.js";
import type { AnalysisError } from "./types.js";
import { rowSourceQuery } from "./row-source.js";

export type Volatility = "immutable" | "stable" | "volatile";

export interface TypeRef {
  /** lower-case type name as Postgres resolves the grammar's aliases: int8, varchar, timestamptz, text, my_enum */
  name: string;
  schema?: string;
  /** type modifiers, e.g. [20] for varchar(20), [10, 2] for numeric(10,2) */
  typmods: number[];
  array: boolean;
  /** readable form, e.g. varchar(20), int8[] */
  text: string;
  /** serial / bigserial / smallserial (expands to an integer column with a sequence default) */
  serial?: boolean;
}

export interface ExpressionSummary {
  /** how volatile the expression is; unknown (user) functions count as volatile, as Postgres' default */
  volatility: Volatility;
  /** functions called, lower-case, e.g. ["now"], ["public.my_fn"] */
  functions: string[];
  /** only literals and casts of literals */
  constant: boolean;
  /** a bare NULL */
  isNull: boolean;
  /** the expression's source text */
  text: string;
}

export type ConstraintType = "primary-key" | "unique" | "foreign-key" | "check" | "exclusion" | "not-null";

export interface ForeignKeyTarget {
  /** referenced relation, schema-qualified */
  relation: string;
  columns: string[];
  onDelete?: string;
  onUpdate?: string;
  /** MATCH FULL (default MATCH SIMPLE) */
  matchFull?: boolean;
}

export interface ConstraintSummary {
  type: ConstraintType;
  name?: string;
  columns: string[];
  /** NOT VALID: existing rows are not checked now */
  notValid: boolean;
  /** ADD ... USING INDEX name */
  usingIndex?: string;
  references?: ForeignKeyTarget;
  deferrable?: boolean;
  /** INITIALLY DEFERRED: checked at COMMIT */
  initiallyDeferred?: boolean;
  /** NO INHERIT (checks, not-null) */
  noInherit?: boolean;
  /** CHECK expression */
  expression?: ExpressionSummary;
  /** the CHECK is `col IS NOT NULL` for this column */
  checksNotNullOf?: string;
  /** NOT ENFORCED (Postgres 18) */
  notEnforced?: boolean;
}

export interface ColumnSummary {
  name: string;
  type: TypeRef;
  notNull: boolean;
  default?: ExpressionSummary;
  primaryKey: boolean;
  unique: boolean;
  references?: ForeignKeyTarget;
  /** inline CHECK constraints */
  checks: ExpressionSummary[];
  identity?: "always" | "by-default";
  generated?: "stored" | "virtual";
  collation?: string;
}

/** One ALTER TABLE subcommand. `action` is the subcommand in kebab-case. */
export interface AlterAction {
  action:
    | "add-column"
    | "drop-column"
    | "alter-column-type"
    | "set-default"
    | "drop-default"
    | "set-not-null"
    | "drop-not-null"
    | "add-constraint"
    | "drop-constraint"
    | "validate-constraint"
    | "alter-constraint"
    | "attach-partition"
    | "detach-partition"
    | "detach-partition-finalize"
    | "set-logged"
    | "set-unlogged"
    | "set-tablespace"
    | "set-access-method"
    | "set-options"
    | "reset-options"
    | "set-statistics"
    | "set-storage"
    | "set-compression"
    | "cluster-on"
    | "drop-cluster"
    | "add-identity"
    | "set-identity"
    | "drop-identity"
    | "set-expression"
    | "drop-expression"
    | "enable-trigger"
    | "disable-trigger"
    | "enable-rule"
    | "disable-rule"
    | "enable-row-security"
    | "disable-row-security"
    | "force-row-security"
    | "no-force-row-security"
    | "replica-identity"
    | "owner-to"
    | "inherit"
    | "no-inherit"
    | "of-type"
    | "not-of"
    | "generic-options"
    | "column-options"
    | "rename-column"
    | "rename-constraint"
    | "rename"
    | "set-schema"
    | "add-index"
    | "other";
  /** the Postgres subcommand name (AT_...) for anything not mapped */
  subtype?: string;
  column?: string;
  /** add-column */
  columnDef?: ColumnSummary;
  /** alter-column-type */
  type?: TypeRef;
  /** alter-column-type: a USING expression was given */
  using?: ExpressionSummary;
  /** set-default / add-column */
  default?: ExpressionSummary;
  constraint?: ConstraintSummary;
  /** drop-constraint / validate-constraint / rename-constraint */
  constraintName?: string;
  /** attach/detach-partition: the partition, schema-qualified */
  partition?: string;
  concurrently?: boolean;
  tablespace?: string;
  /** set-options / reset-options: option names */
  options?: string[];
  newName?: string;
  ifExists?: boolean;
  cascade?: boolean;
  /** inherit / no-inherit: the parent table */
  parent?: string;
  /** alter-constraint: what it changes */
  alters?: Array<"deferrability" | "enforceability" | "inheritability">;
  /** enable-trigger / disable-trigger: which triggers (a name, ALL or USER) and their new pg_trigger.tgenabled */
  trigger?: { name?: string; all?: "all" | "user"; enabled: "O" | "A" | "R" | "D" };
  /** alter-constraint: only the properties the command sets */
  constraintChange?: { deferrable?: boolean; initiallyDeferred?: boolean; enforced?: boolean; inherit?: boolean };
}

export interface IndexSummary {
  name?: string;
  /** schema-qualified index name (in the table's schema) */
  qualifiedName?: string;
  columns: string[];
  /** index on expressions */
  expressions: boolean;
  unique: boolean;
  method: string;
  partial: boolean;
  include: string[];
  nullsNotDistinct: boolean;
}

export interface DmlSummary {
  /** has a WHERE clause (UPDATE/DELETE) */
  where: boolean;
  /** INSERT ... SELECT / UPDATE ... FROM */
  fromQuery: boolean;
  /** the columns an UPDATE sets / an INSERT lists */
  columns: string[];
  /** INSERT ... VALUES row count */
  rows?: number;
  /** INSERT ... VALUES: listed columns given NULL in every row */
  nullColumns?: string[];
  /** UPDATE/DELETE: the WHERE clause's top-level AND terms of the form `column op constant` (what plan-time partition pruning uses) */
  keyFilters?: KeyFilter[];
  /** INSERT ... VALUES of at most 100 rows: each value as a constant's text, null for NULL, false when not a constant */
  values?: Array<Array<string | null | false>>;
  returning: boolean;
  /** UPDATE: each SET target with its expression's source text (`lower(email)`) */
  sets?: Array<{ column: string; expression: string }>;
  /** UPDATE/DELETE: the WHERE condition's source text */
  whereText?: string;
  /** UPDATE (and ON CONFLICT DO UPDATE): each SET target with its value: a constant's text, null for NULL, `{ column }` for another column of the row (`SET a = a`), `{ default: true }`, false for anything else */
  assigned?: Array<{ column: string; value: AssignedValue }>;
  /**
   * INSERT ... ON CONFLICT: the action, the columns DO UPDATE sets, and the conflict target: plain
   * columns, a constraint's name, or `anyKey` (none given: any unique key); none of them for an expression target
   */
  onConflict?: { action: "update" | "nothing"; columns: string[]; target?: string[]; constraint?: string; anyKey?: true };
  /** MERGE: its WHEN clauses' actions */
  mergeActions?: Array<{ action: "update" | "insert" | "delete" | "nothing"; columns: string[] }>;
  /** the target's alias (`DELETE FROM users u ...`) */
  alias?: string;
  /** INSERT ... SELECT, UPDATE ... FROM, DELETE ... USING: a SELECT of the rows it writes (row-source.ts) */
  rowsSql?: string;
  /** INSERT ... SELECT: a table whose emptiness makes the query return no row (drivingRelation) */
  driver?: string;
}

/**
 * A top-level AND term of a WHERE clause that plan-time partition pruning can use: `column op
 * constant`, `column IN (constants)`, `column IS NULL`, or an OR of AND-lists of such terms.
 */
export type KeyFilter =
  | { column: string; op: "=" | "<" | "<=" | ">" | ">=" | "<>"; value: string }
  | { column: string; op: "in"; values: string[] }
  | { column: string; op: "is-null" }
  | { op: "or"; arms: KeyFilter[][] };

/** A value an UPDATE assigns, as far as it is known without running it. */
export type AssignedValue = string | null | false | { column: string } | { default: true };

/**
 * A PL/pgSQL or SQL body (DO block, function, procedure): its statements in order, each with the
 * IF conditions it runs under (`guards`); expressions that read tables or call functions appear
 * as `select` statements (`expression: true`), EXECUTE of a string that is not a constant as
 * `execute-dynamic` (its text in `dynamicSql`).
 */
export interface DoBlockSummary {
  /** SQL statements found in the body (each summarised) */
  statements: StatementSummary[];
  /** LOOP / WHILE / FOR loops */
  loops: number;
  /** COMMIT statements inside the body (procedure-style batching) */
  commits: number;
  /** a loop that runs DML and commits per iteration: a batched backfill */
  batched: boolean;
  /** the body is not PL/pgSQL we could parse */
  unparsed?: boolean;
}

/** A typed summary of one statement: what rules, locks and plans look at. */
export interface StatementSummary {
  /** the statement's command in kebab-case: alter-table, create-index, update, drop-table, ... */
  kind: string;
  /** the main relation (or object) the statement works on, schema-qualified */
  relation?: string;
  /** what `relation` names: table, index, view, materialized-view, sequence, type, ... */
  objectType?: string;
  /** every object named, schema-qualified (DROP a, b; TRUNCATE a, b; LOCK a, b; VACUUM a, b) */
  objects: string[];
  /** `relation` was created earlier in the same migration: new and empty */
  newTable: boolean;
  /** false when the statement cannot run inside a transaction block */
  transactional: boolean;
  /** whether the statement runs inside a transaction block (set from the layout and BEGIN/COMMIT) */
  inTransaction: boolean;
  concurrently: boolean;
  /** ONLY: the statement does not recurse to partitions / inheritance children */
  only: boolean;
  ifNotExists: boolean;
  ifExists: boolean;
  cascade: boolean;
  /** temporary / unlogged relation being created */
  persistence?: "permanent" | "unlogged" | "temporary";
  /** create-table: columns and table constraints */
  columns: ColumnSummary[];
  constraints: ConstraintSummary[];
  partitionOf?: string;
  /** default partition (PARTITION OF ... DEFAULT) */
  defaultPartition?: boolean;
  partitionBy?: string;
  /** CREATE TABLE ... PARTITION BY on plain columns, as pg_get_partkeydef() shows it: "RANGE (created_at)" */
  partitionKey?: string;
  /** CREATE TABLE ... PARTITION OF with constant bounds, as pg_get_expr() shows it: "FOR VALUES IN ('a')", "DEFAULT" */
  partitionBound?: string;
  inherits: string[];
  /** CREATE TABLE (LIKE x) */
  like: string[];
  /** alter-table (and alter-index/view/...) subcommands, including RENAME */
  actions: AlterAction[];
  index?: IndexSummary;
  dml?: DmlSummary;
  /** SELECT from one table: the WHERE clause's `column op constant` terms (plan-time partition pruning) */
  keyFilters?: DmlSummary["keyFilters"];
  /**
   * SELECT / CREATE TABLE AS / INSERT ... SELECT, per SELECT of the statement: its FROM relations
   * named once in the statement, the WHERE and join terms that restrict each one's scan, and the
   * unqualified terms of a SELECT over several relations (plan-time partition pruning)
   */
  readKeyFilters?: Array<{ relations: string[]; byRelation: Record<string, KeyFilter[]>; unqualified: KeyFilter[] }>;
  /** relations a query reads (SELECT, view definitions, CTAS, subqueries in DML), schema-qualified */
  reads: string[];
  /** CREATE TYPE / DOMAIN / enum: the new type */
  newType?: { name: string; kind: "enum" | "domain" | "composite" | "range" | "base"; labels?: string[]; baseType?: TypeRef };
  /** ALTER TYPE ... ADD VALUE */
  enumValue?: { type: string; value: string; ifNotExists: boolean };
  /** ALTER DOMAIN */
  domain?: { name: string; action: string; constraint?: ConstraintSummary; constraintName?: string };
  /** VACUUM options (their values read as Postgres reads them: FULL false is no FULL) */
  vacuum?: { full: boolean; analyze: boolean; vacuum: boolean };
  /**
   * Columns named twice where Postgres rejects it: assigned twice in one UPDATE SET, INSERT column
   * list, ON CONFLICT DO UPDATE SET or MERGE action, or defined twice by CREATE TABLE / VIEW / TABLE AS
   */
  duplicateColumns?: string[];
  /** LOCK TABLE mode */
  lockMode?: string;
  /** REFRESH MATERIALIZED VIEW ... WITH NO DATA */
  withNoData?: boolean;
  /** SET / RESET: the setting and its value */
  setting?: { name: string; value?: string; local: boolean };
  /** begin | commit | rollback | savepoint | release | prepare | ... for transaction control */
  transaction?: string;
  /** DO blocks: the body */
  doBlock?: DoBlockSummary;
  /** GRANT/REVOKE, COMMENT, ... target kind */
  targetKind?: string;
  /** CREATE/ALTER SEQUENCE ... OWNED BY table.column: the table */
  ownedBy?: string;
  /** CREATE TRIGGER */
  trigger?: TriggerSummary;
  /** user functions and procedures the statement calls (schema-qualified, public when unqualified; well-known built-ins left out) */
  calls?: string[];
  /** data-modifying statements in WITH (writable CTEs), summarised */
  modifies?: StatementSummary[];
  /** SELECT: the relations named directly in FROM (undefined when FROM holds a join or subquery) */
  from?: string[];
  /** CREATE FUNCTION / PROCEDURE */
  routine?: RoutineSummary;
  /** CREATE RULE */
  rule?: RuleSummary;
  /** inside a body: the IF conditions this statement runs under */
  guards?: Guard[];
  /** inside a body: an expression (IF condition, assignment, RETURN) rather than a statement */
  expression?: boolean;
  /** execute-dynamic: the EXECUTE's argument, as written */
  dynamicSql?: string;
  /** DROP TRIGGER / DROP RULE: the triggers' or rules' own names (objects holds their tables) */
  droppedNames?: string[];
  /** COPY: FROM (rows written into `relation`) or TO, and the columns listed */
  copy?: { from: boolean; columns: string[] };
  /** CREATE / ALTER EVENT TRIGGER */
  eventTrigger?: { name: string; event?: string; function?: string; tags?: string[]; enabled?: "O" | "D" | "R" | "A" };
  /** relations read with ONLY (SELECT ... FROM ONLY t): their partitions and children are not read */
  readsOnly?: string[];
  /** CREATE TABLE ... USING: the table access method */
  accessMethod?: string;
  /** CREATE TABLE ... OF type: the composite type, schema-qualified */
  ofType?: string;
  /** CREATE STATISTICS: the statistics object's name, schema-qualified */
  statisticsName?: string;
  /** CREATE / ALTER PUBLICATION: the tables named (`only` without their inheritance children) and what ALTER does with them */
  publication?: { name: string; action?: "add" | "drop" | "set"; tables: Array<{ name: string; only: boolean }>; schemas: boolean };
}

export interface TriggerSummary {
  name: string;
  /** insert | update | delete | truncate */
  events: string[];
  /** before | after | instead */
  timing: string;
  level: "row" | "statement";
  /** the function it executes, schema-qualified (public when unqualified) */
  function?: string;
  /** UPDATE OF columns */
  columns?: string[];
  /** WHEN (...) condition text */
  when?: string;
}

export interface RoutineSummary {
  /** schema-qualified (public when unqualified) */
  name: string;
  kind: "function" | "procedure";
  language: string;
  /** number of input arguments (defaults included) */
  args: number;
  /** the CREATE statement's text, set when the schema records the routine: its body is described when a call or trigger reaches it */
  definition?: string;
}

export interface RuleSummary {
  name: string;
  /** insert | update | delete | select */
  event: string;
  instead: boolean;
  /** the rule has a WHERE condition */
  conditional: boolean;
  /** the CREATE RULE statement's text, set when the schema records the rule */
  definition?: string;
  /** the rule's actions (none for DO NOTHING) */
  actions: StatementSummary[];
}

/** An IF condition a statement in a body runs under. */
export interface Guard {
  /** the condition's text */
  condition: string;
  /** the statement runs when the condition evaluates to this */
  when: boolean;
  /** when the condition asks the catalog whether an object exists: what it asks */
  check?: CatalogCheck;
  /** in a trigger function: the condition is true exactly when TG_OP is one of these */
  tgOp?: string[];
  /**
   * A condition on data the database can answer before the run (check --db, read-only): the
   * condition holds exactly when `sql` returns a row (a FOR loop's query: the body runs; an IF or
   * WHILE condition: true). `onlyWhenEmpty`: only "no row" decides (`rec IS NOT NULL` after
   * SELECT INTO is false then; with a row, it depends on the row's values).
   */
  probe?: { key: string; sql: string; reads: string[]; onlyWhenEmpty?: true; catalog?: true; driver?: string };
  /**
   * The condition is a variable declared without a default: NULL (the condition false) unless
   * one of its assignments runs; each entry is the conditions one assignment runs under.
   */
  variable?: { name: string; assignedUnder: Guard[][] };
}

/**
 * `[NOT] EXISTS (SELECT ... FROM <catalog> WHERE col = 'literal' AND ...)` or `to_regclass('x') IS [NOT] NULL`:
 * `source` is the catalog relation or function (e.g. information_schema.columns, pg_indexes,
 * to_regclass), `filters` its equality filters (lower-case column -> literal), `exists` true when
 * the condition is true if a matching object exists.
 */
export interface CatalogCheck {
  source: string;
  filters: Record<string, string>;
  exists: boolean;
}

/** What describe() needs to know about earlier statements. */
export interface DescribeContext {
  /** is this relation (schema-qualified) created earlier in the same migration? */
  isNew(relation: string): boolean;
  /** the table an index belongs to, when known */
  tableOfIndex(index: string): string | undefined;
  /** in a routine with SET search_path: the schema its unqualified relation names resolve to (else public) */
  searchSchema?: string;
  /** inside a data-modifying CTE: the names of the statement's other CTEs, which its query may read */
  cteNames?: string[];
}

const NO_CONTEXT: DescribeContext = { isNew: () => false, tableOfIndex: () => undefined };

/* ------------------------------------------------------------------------------------------ */

type N = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function node(n: unknown): [string, N] {
  const o = n as N;
  const k = Object.keys(o)[0]!;
  return [k, o[k] as N];
}

function str(n: unknown): string {
  const o = n as N;
  return o?.String?.sval ?? o?.sval ?? "";
}

function names(list: unknown): string[] {
  return ((list as N[] | undefined) ?? []).map(str);
}

/**
 * A boolean option of a parenthesised list (VACUUM (FULL false), REINDEX (CONCURRENTLY off), ...)
 * as Postgres' defGetBoolean reads it: no value, true, on, 1 are true; false, off, 0 are false.
 * Absent, or a value Postgres rejects ("requires a Boolean value"): undefined.
 */
function boolOption(options: N[] | undefined, name: string): boolean | undefined {
  const def = options?.find((o) => String(o.DefElem?.defname ?? "").toLowerCase() === name)?.DefElem as N | undefined;
  if (!def) return undefined;
  const arg = def.arg as N | undefined;
  if (!arg) return true;
  if (arg.Integer) return arg.Integer.ival === 1 ? true : (arg.Integer.ival ?? 0) === 0 ? false : undefined;
  const text = String(arg.String?.sval ?? arg.Boolean?.boolval ?? "").toLowerCase();
  return text === "true" || text === "on" ? true : text === "false" || text === "off" ? false : undefined;
}

/** RangeVar -> schema-qualified name (public by default; pg_temp for temporary relations). */
export function qualify(rv: N | undefined): string {
  if (!rv) return "";
  const schema = rv.schemaname ?? (rv.relpersistence === "t" ? "pg_temp" : "public");
  return `${schema}.${rv.relname}`;
}

function qualifyNames(parts: string[]): string {
  return parts.length >= 2 ? `${parts[parts.length - 2]}.${parts[parts.length - 1]}` : `public.${parts[0] ?? ""}`;
}

const kebab = (s: string) => s.replace(/([a-z0-9])([A-Z])/g, "$1-$2").replace(/_/g, "-").toLowerCase();

function objType(t: string | undefined): string {
  return kebab((t ?? "OBJECT_TABLE").replace(/^OBJECT_/, "")).replace(/^matview$/, "materialized-view").replace(/^foreign-table$/, "foreign-table");
}

export function emptySummary(kind: string): StatementSummary {
  return {
    kind,
    objects: [],
    newTable: false,
    transactional: true,
    inTransaction: false,
    concurrently: false,
    only: false,
    ifNotExists: false,
    ifExists: false,
    cascade: false,
    columns: [],
    constraints: [],
    inherits: [],
    like: [],
    actions: [],
    reads: [],
  };
}

/** A summary as it crosses between threads: only the fields that differ from emptySummary()'s. */
export type CompactSummary = Partial<StatementSummary> & { kind: string };

/**
 * The summary without the fields that still hold emptySummary()'s defaults (most statements leave
 * seven lists empty and five flags as they were): a third fewer objects to copy between threads.
 */
export function compactSummary(s: StatementSummary): CompactSummary {
  const defaults = emptySummary(s.kind) as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(s)) {
    const d = defaults[key];
    if (key !== "kind" && key in defaults && (value === d || (Array.isArray(value) && value.length === 0 && Array.isArray(d)))) continue;
    out[key] = value;
  }
  return out as CompactSummary;
}

/** compactSummary() undone: the same fields with the same values, in the same order. */
export function expandSummary(c: CompactSummary): StatementSummary {
  return Object.assign(emptySummary(c.kind), c);
}

/* ------------------------------- types and expressions ------------------------------------ */

const SERIALS: Record<string, string> = { serial: "int4", serial4: "int4", bigserial: "int8", serial8: "int8", smallserial: "int2", serial2: "int2" };

export function typeRef(tn: N | undefined): TypeRef {
  const parts = names(tn?.names);
  let name = (parts[parts.length - 1] ?? "").toLowerCase();
  let schema = parts.length > 1 ? parts[parts.length - 2] : undefined;
  const typmods = ((tn?.typmods as N[] | undefined) ?? []).map((m) => Number(m.A_Const?.ival?.ival ?? m.A_Const?.ival ?? 0));
  const array = Array.isArray(tn?.arrayBounds) && tn!.arrayBounds.length > 0;
  const serial = schema === undefined && name in SERIALS;
  if (serial) {
    name = SERIALS[name]!;
    schema = "pg_catalog";
  }
  if (schema === "pg_catalog" && name === "bpchar" && typmods.length === 0 && tn?.typemod === -1) typmods.push(1);
  if (name === "interval" && schema === "pg_catalog" && typmods.length > 0 && typmods[0]! > 32767) typmods.splice(0); // interval field masks
  const text = `${name}${typmods.length ? `(${typmods.join(",")})` : ""}${array ? "[]" : ""}`;
  return { name, ...(schema && schema !== "pg_catalog" ? { schema } : {}), typmods, array, text, ...(serial ? { serial: true } : {}) };
}

const VOLATILE_FUNCTIONS = new Set([
  "random", "random_normal", "gen_random_uuid", "uuid_generate_v1", "uuid_generate_v1mc", "uuid_generate_v4", "uuidv4", "uuidv7",
  "nextval", "setval", "currval", "lastval", "clock_timestamp", "timeofday", "txid_current", "pg_current_xact_id", "gen_random_bytes",
  "gen_salt", "crypt", "pg_sleep", "nanoid", "uuid_generate_v7", "ulid", "generate_ulid",
]);
const STABLE_FUNCTIONS = new Set([
  "now", "statement_timestamp", "transaction_timestamp", "current_setting", "current_database", "current_schema", "current_user",
  "session_user", "age", "to_char", "to_timestamp", "to_date", "date_trunc", "date_part", "extract", "timezone", "concat", "concat_ws",
  "format", "array_to_json", "to_json", "to_jsonb", "row_to_json", "json_build_object", "jsonb_build_object", "json_build_array",
  "jsonb_build_array", "current_date", "localtimestamp", "localtime", "inet_client_addr", "pg_backend_pid", "txid_current_snapshot",
  "now_utc", "make_timestamptz", "jsonb_agg", "array_agg", "string_agg",
]);
const IMMUTABLE_FUNCTIONS = new Set([
  "lower", "upper", "length", "char_length", "md5", "btrim", "trim", "ltrim", "rtrim", "substr", "substring", "replace", "left", "right",
  "abs", "round", "floor", "ceil", "ceiling", "coalesce", "nullif", "greatest", "least", "array_length", "cardinality", "jsonb_typeof",
  "json_typeof", "make_interval", "make_date", "make_time", "make_timestamp", "to_tsvector", "decode", "encode", "sha256", "digest",
  "split_part", "regexp_replace", "position", "strpos", "lpad", "rpad", "repeat", "reverse", "initcap", "int4", "int8", "text",
  "numeric", "bool", "array_remove", "array_append", "array_cat", "array_prepend", "jsonb_set", "jsonb_strip_nulls", "uuid_nil",
  "uuid_ns_url", "uuid_ns_dns", "point", "daterange", "tstzrange", "int4range", "int8range", "numrange", "tsrange", "gen_random_uuid_nil",
]);

const SQL_VALUE_STABLE = new Set(["SVFOP_CURRENT_DATE", "SVFOP_CURRENT_TIME", "SVFOP_CURRENT_TIME_N", "SVFOP_CURRENT_TIMESTAMP", "SVFOP_CURRENT_TIMESTAMP_N", "SVFOP_LOCALTIME", "SVFOP_LOCALTIME_N", "SVFOP_LOCALTIMESTAMP", "SVFOP_LOCALTIMESTAMP_N"]);

const VOL_ORDER: Volatility[] = ["immutable", "stable", "volatile"];
const maxVol = (a: Volatility, b: Volatility) => (VOL_ORDER.indexOf(a) >= VOL_ORDER.indexOf(b) ? a : b);

/** Summarise an expression: volatility and the functions it calls. `source` gives the text. */
export function expression(expr: unknown, source?: ExprSource): ExpressionSummary {
  const functions: string[] = [];
  let volatility: Volatility = "immutable";
  let constant = true;
  const visit = (n: unknown): void => {
    if (Array.isArray(n)) return n.forEach(visit);
    if (!n || typeof n !== "object") return;
    for (const k in n as N) {
      const v = (n as N)[k];
      if (k === "FuncCall") {
        constant = false;
        const parts = names(v.funcname).map((s) => s.toLowerCase());
        const fname = parts[parts.length - 1]!;
        functions.push(parts.join("."));
        const own = parts.length > 1 && parts[0] !== "pg_catalog";
        volatility = maxVol(
          volatility,
          !own && VOLATILE_FUNCTIONS.has(fname) ? "volatile" : !own && STABLE_FUNCTIONS.has(fname) ? "stable" : !own && IMMUTABLE_FUNCTIONS.has(fname) ? "immutable" : "volatile",
        );
      } else if (k === "SQLValueFunction") {
        constant = false;
        volatility = maxVol(volatility, SQL_VALUE_STABLE.has(v.op) ? "stable" : "stable");
      } else if (k === "ColumnRef" || k === "SubLink" || k === "ParamRef") {
        constant = false;
        if (k === "SubLink") volatility = maxVol(volatility, "volatile");
      } else if (k === "A_Expr" || k === "BoolExpr" || k === "CoalesceExpr" || k === "CaseExpr" || k === "NullTest" || k === "MinMaxExpr") {
        constant = false;
      }
      visit(v);
    }
  };
  visit(expr);
  const [k, v] = expr && typeof expr === "object" ? node(expr) : ["", {} as N];
  const isNull = k === "A_Const" && v.isnull === true;
  return { volatility, functions, constant, isNull, text: source ? source.text(expr) : "" };
}

/** Recovers the source text of an expression from its location (byte offsets in the file). */
export class ExprSource {
  private bytes?: Buffer;
  constructor(
    private readonly sql: string,
    private readonly base: number,
  ) {}
  private get sqlBytes(): Buffer {
    return (this.bytes ??= Buffer.from(this.sql, "utf8"));
  }
  text(expr: unknown): string {
    const start = this.start(expr);
    // expressions are short: a bounded window keeps huge statements linear
    return start === undefined ? "" : balancedPrefix(this.sqlBytes.toString("utf8", start, Math.min(this.sqlBytes.length, start + 2048)));
  }

  /** The source text from an expression's start up to a top-level comma or one of `stops` (keywords), or the end. */
  clause(expr: unknown, stops: string[]): string {
    let start = this.start(expr);
    if (start === undefined) return "";
    // a node's location can be inside the parentheses that open the clause: "(a > 1) AND b"
    for (let i = start - 1; i >= 0 && /[\s(]/.test(String.fromCharCode(this.sqlBytes[i]!)); i--) if (this.sqlBytes[i] === 0x28) start = i;
    return untilTopLevel(this.sqlBytes.toString("utf8", start), stops);
  }

  /** The source text from an absolute location (a node's `location`) to the end. */
  tail(location: number | undefined): string | undefined {
    if (typeof location !== "number" || location < 0) return undefined;
    const start = location - this.base;
    return start < 0 || start >= this.sqlBytes.length ? undefined : this.sqlBytes.toString("utf8", start);
  }

  private start(expr: unknown): number | undefined {
    let min = Infinity;
    const visit = (n: unknown): void => {
      if (Array.isArray(n)) return n.forEach(visit);
      if (!n || typeof n !== "object") return;
      for (const k in n as N) {
      const v = (n as N)[k];
        if (k === "location" && typeof v === "number" && v >= 0) min = Math.min(min, v);
        else visit(v);
      }
    };
    visit(expr);
    if (min === Infinity) return undefined;
    const start = min - this.base;
    return start < 0 || start >= this.sqlBytes.length ? undefined : start;
  }
}

/** `s` up to the first top-level comma or top-level keyword in `stops` (outside quotes and parentheses). */
function untilTopLevel(s: string, stops: string[]): string {
  return topLevelPrefix(s, stops.length ? new RegExp(`(${stops.join("|")})\\b`, "iy") : undefined, false);
}

const CLAUSE_KEYWORD = /(NOT\s+NULL|NULL|CONSTRAINT|CHECK|REFERENCES|PRIMARY|UNIQUE|COLLATE|GENERATED|NOT\s+VALID|DEFAULT|USING)\b/iy;

/** The expression text starting at `s`: up to the first top-level comma / closing paren / keyword boundary. */
function balancedPrefix(s: string): string {
  return topLevelPrefix(s, CLAUSE_KEYWORD, true);
}

/**
 * `s` up to the first top-level `,` or `;`, or whitespace followed by a match of the sticky `stop`
 * regex, or (with `closeEnds`) a `)`/`]` closing a bracket opened before `s`. Quoted text is skipped.
 */
function topLevelPrefix(s: string, stop: RegExp | undefined, closeEnds: boolean): string {
  let depth = 0;
  let quote: string | null = null;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quote) {
      if (c === quote) quote = null;
      continue;
    }
    if (c === "'" || c === '"') quote = c;
    else if (c === "(" || c === "[") depth++;
    else if (c === ")" || c === "]") {
      if (depth === 0 && closeEnds) return s.slice(0, i).trim();
      depth--;
    } else if (depth === 0 && (c === "," || c === ";")) return s.slice(0, i).trim();
    else if (depth === 0 && stop && /\s/.test(c)) {
      stop.lastIndex = i + 1;
      if (stop.test(s)) return s.slice(0, i).trim();
    }
  }
  return s.trim();
}

/* --------------------------------- constraints / columns ---------------------------------- */

const CONTYPE: Record<string, ConstraintType> = {
  CONSTR_PRIMARY: "primary-key",
  CONSTR_UNIQUE: "unique",
  CONSTR_FOREIGN: "foreign-key",
  CONSTR_CHECK: "check",
  CONSTR_EXCLUSION: "exclusion",
  CONSTR_NOTNULL: "not-null",
};

const FK_ACTION: Record<string, string> = { a: "no action", r: "restrict", c: "cascade", n: "set null", d: "set default" };

function constraint(c: N, src: ExprSource | undefined, column?: string): ConstraintSummary | undefined {
  const type = CONTYPE[c.contype as string];
  if (!type) return undefined;
  const columns = c.keys ? names(c.keys) : c.fk_attrs ? names(c.fk_attrs) : c.exclusions ? [] : column ? [column] : [];
  if (type === "not-null" && c.keys) columns.splice(0, columns.length, ...names(c.keys));
  const out: ConstraintSummary = { type, columns, notValid: c.skip_validation === true };
  if (c.conname) out.name = c.conname;
  if (c.indexname) out.usingIndex = c.indexname;
  if (c.deferrable) out.deferrable = true;
  if ((type === "check" || type === "foreign-key") && c.is_enforced !== true) out.notEnforced = true;
  if (c.initdeferred) out.initiallyDeferred = true;
  if (c.is_no_inherit) out.noInherit = true;
  if (type === "foreign-key") {
    out.references = {
      relation: qualify(c.pktable),
      columns: names(c.pk_attrs),
      ...(c.fk_del_action && c.fk_del_action !== "a" ? { onDelete: FK_ACTION[c.fk_del_action] } : {}),
      ...(c.fk_upd_action && c.fk_upd_action !== "a" ? { onUpdate: FK_ACTION[c.fk_upd_action] } : {}),
      ...(c.fk_matchtype === "f" ? { matchFull: true } : {}),
    };
    if (column && columns.length === 0) out.columns = [column];
  }
  if (type === "check" && c.raw_expr) {
    out.expression = expression(c.raw_expr, src);
    const [k, v] = node(c.raw_expr);
    if (k === "NullTest" && v.nulltesttype === "IS_NOT_NULL" && v.arg?.ColumnRef) out.checksNotNullOf = names(v.arg.ColumnRef.fields).pop();
  }
  return out;
}

function column(def: N, src: ExprSource | undefined): ColumnSummary {
  const col: ColumnSummary = { name: def.colname, type: typeRef(def.typeName), notNull: false, primaryKey: false, unique: false, checks: [] };
  if (def.collClause) col.collation = names(def.collClause.CollateClause?.collname ?? def.collClause.collname).join(".");
  for (const cn of (def.constraints as N[] | undefined) ?? []) {
    const c = cn.Constraint as N;
    switch (c.contype) {
      case "CONSTR_NOTNULL":
        col.notNull = true;
        break;
      case "CONSTR_DEFAULT":
        col.default = expression(c.raw_expr, src);
        break;
      case "CONSTR_PRIMARY":
        col.primaryKey = true;
        col.notNull = true;
        break;
      case "CONSTR_UNIQUE":
        col.unique = true;
        break;
      case "CONSTR_FOREIGN":
        col.references = constraint(c, src, def.colname)!.references;
        break;
      case "CONSTR_CHECK":
        col.checks.push(expression(c.raw_expr, src));
        break;
      case "CONSTR_IDENTITY":
        col.identity = c.generated_when === "a" ? "always" : "by-default";
        col.notNull = true;
        break;
      case "CONSTR_GENERATED":
        col.generated = c.generated_kind === "v" ? "virtual" : "stored";
        col.default = expression(c.raw_expr, src);
        break;
    }
  }
  if (def.raw_default && !col.default) col.default = expression(def.raw_default, src);
  return col;
}

/** Column-level constraints as ConstraintSummary entries (PK, UNIQUE, FK, CHECK), for uniform rule checks. */
function columnConstraints(def: N, src: ExprSource | undefined): ConstraintSummary[] {
  const out: ConstraintSummary[] = [];
  let last: ConstraintSummary | undefined;
  for (const cn of (def.constraints as N[] | undefined) ?? []) {
    const raw = cn.Constraint as N;
    // DEFERRABLE / INITIALLY DEFERRED / NOT ENFORCED after a column constraint arrive as nodes of their own
    if (last && String(raw.contype).startsWith("CONSTR_ATTR_")) {
      if (raw.contype === "CONSTR_ATTR_DEFERRABLE") last.deferrable = true;
      if (raw.contype === "CONSTR_ATTR_DEFERRED") (last.deferrable = true), (last.initiallyDeferred = true);
      if (raw.contype === "CONSTR_ATTR_NOT_ENFORCED") last.notEnforced = true;
      continue;
    }
    const c = constraint(raw, src, def.colname);
    last = c;
    if (c && c.type !== "not-null") out.push(c);
  }
  return out;
}

/* --------------------------------------- reads -------------------------------------------- */

/**
 * Relations a query reads: every RangeVar in the subtree that is not a CTE name; with `calls`,
 * also the functions it calls that are not well-known built-ins (see callName). `only` collects
 * those read with ONLY and nowhere without it.
 */
function collectReads(n: unknown, out: Set<string>, ctes: Set<string> = new Set(), calls?: Set<string>, only?: Set<string>): void {
  const inherited = new Set<string>();
  const visit = (x: unknown): void => {
    if (Array.isArray(x)) return x.forEach(visit);
    if (!x || typeof x !== "object") return;
    // a WITH clause names its CTEs for the whole query, whichever field comes first
    for (const c of ((x as N).withClause?.ctes as N[] | undefined) ?? []) ctes.add(c.CommonTableExpr?.ctename);
    for (const k in x as N) {
      const v = (x as N)[k];
      if (k === "RangeVar") {
        if (v.schemaname === undefined && ctes.has(v.relname)) continue;
        const name = qualify(v);
        out.add(name);
        if (v.inh === true) inherited.add(name);
        else only?.add(name);
        continue;
      }
      if (k === "FuncCall" && calls) {
        const name = callName(v.funcname);
        if (name) calls.add(name);
      }
      visit(v);
    }
  };
  visit(n);
  for (const name of inherited) only?.delete(name);
}

/** Unqualified calls of these are Postgres' own: no body to follow. */
const BUILTIN_CALLS = new Set([
  ...VOLATILE_FUNCTIONS, ...STABLE_FUNCTIONS, ...IMMUTABLE_FUNCTIONS,
  "count", "sum", "min", "max", "avg", "bool_and", "bool_or", "every", "row_number", "rank", "dense_rank", "lag", "lead",
  "first_value", "last_value", "generate_series", "unnest", "array_position", "exists", "to_regclass", "to_regtype", "format_type",
  "pg_get_serial_sequence", "pg_advisory_lock", "pg_advisory_xact_lock", "pg_try_advisory_lock", "pg_advisory_unlock", "quote_ident",
  "quote_literal", "quote_nullable", "string_to_array", "array_to_string", "regexp_matches", "regexp_split_to_table", "jsonb_array_elements",
  "json_array_elements", "jsonb_each", "jsonb_object_keys", "jsonb_agg", "json_agg", "jsonb_object_agg", "has_table_privilege",
  "pg_relation_size", "pg_total_relation_size", "pg_table_size", "obj_description", "col_description", "version", "set_config",
]);

/** A FuncCall's name, schema-qualified (public when unqualified); undefined for built-ins. */
function callName(funcname: unknown): string | undefined {
  const list = funcname as N[] | undefined;
  if (list?.length === 1 && BUILTIN_CALLS.has(str(list[0]).toLowerCase())) return undefined;
  const parts = names(funcname).map((x) => x.toLowerCase());
  const fname = parts[parts.length - 1];
  if (!fname || parts[0] === "pg_catalog") return undefined;
  return parts.length >= 2 ? `${parts[parts.length - 2]}.${fname}` : `public.${fname}`;
}

/** Aggregates that return a row on no input (without GROUP BY): the query then returns a row whatever its FROM holds. */
const AGGREGATES = /^(count|sum|avg|min|max|array_agg|string_agg|json_agg|jsonb_agg|json_object_agg|jsonb_object_agg|bool_and|bool_or|every|bit_and|bit_or|xmlagg|stddev\w*|variance|var_\w+|corr|covar_\w+|regr_\w+|percentile_\w+|mode|any_value)$/;

/**
 * A SELECT's driving table: its leftmost FROM item followed through inner and left joins, when
 * the query returns no row if that table has none (no set operation, no aggregate without
 * GROUP BY, no VALUES). Undefined when there is no such table.
 */
export function drivingRelation(select: N | undefined): string | undefined {
  const q = select?.SelectStmt as N | undefined;
  if (!q || q.op !== "SETOP_NONE" || q.valuesLists || !q.fromClause?.length || q.withClause) return undefined;
  if (!q.groupClause?.length) {
    let aggregate = false;
    const visit = (n: unknown): void => {
      if (aggregate || !n || typeof n !== "object") return;
      if (Array.isArray(n)) return n.forEach(visit);
      const f = (n as N).FuncCall as N | undefined;
      if (f && !f.over && (f.agg_star || AGGREGATES.test(String((f.funcname as N[]).at(-1)?.String?.sval ?? "").toLowerCase()))) aggregate = true;
      if ((n as N).SubLink) return; // a subquery's aggregate is its own
      Object.values(n as N).forEach(visit);
    };
    visit([q.targetList, q.havingClause]);
    if (aggregate || q.havingClause) return undefined;
  }
  let item = q.fromClause[0] as N;
  while (item.JoinExpr && (item.JoinExpr.jointype === "JOIN_INNER" || item.JoinExpr.jointype === "JOIN_LEFT")) item = item.JoinExpr.larg as N;
  return item.RangeVar && item.RangeVar.relpersistence !== "t" ? qualify(item.RangeVar) : undefined;
}

/** Data-modifying statements in a WITH clause (writable CTEs), summarised like top-level ones. */
function modifyingCtes(withClause: N | undefined, src: ExprSource | undefined, ctx: DescribeContext): StatementSummary[] {
  const out: StatementSummary[] = [];
  const ctes = (withClause?.ctes as N[] | undefined) ?? [];
  // a CTE's query may name the statement's other CTEs (not tables)
  const inner = { ...ctx, cteNames: [...(ctx.cteNames ?? []), ...ctes.map((c) => String(c.CommonTableExpr?.ctename))] };
  for (const c of ctes) {
    const q = c.CommonTableExpr?.ctequery as N | undefined;
    const [k] = q ? node(q) : [""];
    if (k === "InsertStmt" || k === "UpdateStmt" || k === "DeleteStmt" || k === "MergeStmt") out.push(describeNode(q!, src, inner));
    else if (k === "SelectStmt") out.push(...modifyingCtes(q!.SelectStmt.withClause, src, inner));
  }
  return out;
}

/** Reads, calls and writable CTEs of a query part, set on the summary (calls and modifies only when there are some). */
function noteReadsAndCalls(s: StatementSummary, parts: unknown, withClause: N | undefined, src: ExprSource | undefined, ctx: DescribeContext, only?: Set<string>): Set<string> {
  const reads = new Set<string>();
  const calls = new Set<string>();
  const ctes = new Set<string>([...(ctx.cteNames ?? []), ...((withClause?.ctes as N[] | undefined) ?? []).map((c) => c.CommonTableExpr?.ctename)]);
  collectReads(parts, reads, ctes, calls, only);
  if (calls.size) s.calls = [...calls];
  const modifies = modifyingCtes(withClause, src, ctx);
  if (modifies.length) s.modifies = modifies;
  return reads;
}

/* ------------------------------------- statements ----------------------------------------- */

const ALTER_ACTIONS: Record<string, AlterAction["action"]> = {
  AT_AddColumn: "add-column",
  AT_AddColumnToView: "add-column",
  AT_DropColumn: "drop-column",
  AT_AlterColumnType: "alter-column-type",
  AT_SetNotNull: "set-not-null",
  AT_DropNotNull: "drop-not-null",
  AT_AddConstraint: "add-constraint",
  AT_DropConstraint: "drop-constraint",
  AT_ValidateConstraint: "validate-constraint",
  AT_AlterConstraint: "alter-constraint",
  AT_AttachPartition: "attach-partition",
  AT_DetachPartition: "detach-partition",
  AT_DetachPartitionFinalize: "detach-partition-finalize",
  AT_SetLogged: "set-logged",
  AT_SetUnLogged: "set-unlogged",
  AT_SetTableSpace: "set-tablespace",
  AT_SetAccessMethod: "set-access-method",
  AT_SetRelOptions: "set-options",
  AT_ResetRelOptions: "reset-options",
  AT_ReplaceRelOptions: "set-options",
  AT_SetOptions: "set-options",
  AT_ResetOptions: "reset-options",
  AT_SetStatistics: "set-statistics",
  AT_SetStorage: "set-storage",
  AT_SetCompression: "set-compression",
  AT_ClusterOn: "cluster-on",
  AT_DropCluster: "drop-cluster",
  AT_AddIdentity: "add-identity",
  AT_SetIdentity: "set-identity",
  AT_DropIdentity: "drop-identity",
  AT_SetExpression: "set-expression",
  AT_DropExpression: "drop-expression",
  AT_EnableTrig: "enable-trigger",
  AT_EnableAlwaysTrig: "enable-trigger",
  AT_EnableReplicaTrig: "enable-trigger",
  AT_EnableTrigAll: "enable-trigger",
  AT_EnableTrigUser: "enable-trigger",
  AT_DisableTrig: "disable-trigger",
  AT_DisableTrigAll: "disable-trigger",
  AT_DisableTrigUser: "disable-trigger",
  AT_EnableRule: "enable-rule",
  AT_EnableAlwaysRule: "enable-rule",
  AT_EnableReplicaRule: "enable-rule",
  AT_DisableRule: "disable-rule",
  AT_EnableRowSecurity: "enable-row-security",
  AT_DisableRowSecurity: "disable-row-security",
  AT_ForceRowSecurity: "force-row-security",
  AT_NoForceRowSecurity: "no-force-row-security",
  AT_ReplicaIdentity: "replica-identity",
  AT_ChangeOwner: "owner-to",
  AT_AddInherit: "inherit",
  AT_DropInherit: "no-inherit",
  AT_AddOf: "of-type",
  AT_DropOf: "not-of",
  AT_GenericOptions: "generic-options",
  AT_AlterColumnGenericOptions: "column-options",
  AT_AddIndex: "add-index",
};

/** ALTER TABLE ... ENABLE / DISABLE TRIGGER variants -> the triggers' new pg_trigger.tgenabled */
const TRIGGER_STATES: Record<string, { all?: "all" | "user"; enabled: "O" | "A" | "R" | "D" }> = {
  AT_EnableTrig: { enabled: "O" },
  AT_EnableAlwaysTrig: { enabled: "A" },
  AT_EnableReplicaTrig: { enabled: "R" },
  AT_EnableTrigAll: { all: "all", enabled: "O" },
  AT_EnableTrigUser: { all: "user", enabled: "O" },
  AT_DisableTrig: { enabled: "D" },
  AT_DisableTrigAll: { all: "all", enabled: "D" },
  AT_DisableTrigUser: { all: "user", enabled: "D" },
};

function alterAction(cmd: N, src: ExprSource | undefined, table: string): AlterAction {
  const subtype = cmd.subtype as string;
  let action = ALTER_ACTIONS[subtype] ?? "other";
  const a: AlterAction = { action };
  if (action === "other") a.subtype = subtype;
  if (cmd.name) a.column = cmd.name;
  if (cmd.missing_ok) a.ifExists = true;
  if (cmd.behavior === "DROP_CASCADE") a.cascade = true;
  const def = cmd.def as N | undefined;
  switch (subtype) {
    case "AT_AddColumn":
    case "AT_AddColumnToView": {
      const col = column(def!.ColumnDef, src);
      a.column = col.name;
      a.columnDef = col;
      if (col.default) a.default = col.default;
      const cons = columnConstraints(def!.ColumnDef, src);
      if (cons.length) a.constraint = cons[0];
      break;
    }
    case "AT_AlterColumnType": {
      const cd = def!.ColumnDef as N;
      a.type = typeRef(cd.typeName);
      if (cd.raw_default) a.using = expression(cd.raw_default, src);
      break;
    }
    case "AT_ColumnDefault":
      if (def) {
        a.action = action = "set-default";
        a.default = expression(def, src);
      } else a.action = "drop-default";
      break;
    case "AT_AddConstraint":
      a.constraint = constraint(def!.Constraint, src);
      if (a.constraint?.type === "not-null" && a.constraint.columns.length) a.column = a.constraint.columns[0];
      break;
    case "AT_DropConstraint":
    case "AT_ValidateConstraint":
      a.constraintName = cmd.name;
      delete a.column;
      break;
    case "AT_AlterConstraint": {
      const ac = def?.ATAlterConstraint as N | undefined;
      a.constraintName = ac?.conname ?? def?.Constraint?.conname;
      if (ac) a.alters = (["deferrability", "enforceability", "inheritability"] as const).filter((k) => ac[`alter${k[0]!.toUpperCase()}${k.slice(1)}`] === true);
      if (ac) {
        a.constraintChange = {
          ...(ac.alterDeferrability ? { deferrable: ac.deferrable === true, initiallyDeferred: ac.initdeferred === true } : {}),
          ...(ac.alterEnforceability ? { enforced: ac.is_enforced === true } : {}),
          ...(ac.alterInheritability ? { inherit: ac.noinherit !== true } : {}),
        };
      }
      break;
    }
    case "AT_AttachPartition":
    case "AT_DetachPartition":
    case "AT_DetachPartitionFinalize":
      a.partition = qualify(def!.PartitionCmd.name);
      a.concurrently = def!.PartitionCmd.concurrent === true;
      break;
    case "AT_SetTableSpace":
      a.tablespace = cmd.name;
      delete a.column;
      break;
    case "AT_SetAccessMethod":
      delete a.column;
      a.newName = cmd.name; // the access method
      break;
    case "AT_SetRelOptions":
    case "AT_ResetRelOptions":
    case "AT_ReplaceRelOptions":
    case "AT_SetOptions":
    case "AT_ResetOptions":
      a.options = ((def?.List?.items as N[] | undefined) ?? []).map((d) => String(d.DefElem?.defname ?? "")).filter(Boolean);
      break;
    case "AT_AddIdentity":
      if (def?.Constraint) a.default = undefined;
      break;
    case "AT_SetExpression":
      if (def) a.default = expression(def, src);
      break;
    case "AT_ClusterOn":
      delete a.column;
      a.newName = cmd.name;
      break;
    case "AT_AddInherit":
    case "AT_DropInherit":
      if (def?.RangeVar) a.parent = qualify(def.RangeVar);
      break;
  }
  const trigger = TRIGGER_STATES[subtype];
  if (trigger) {
    a.trigger = { ...trigger, ...(cmd.name ? { name: cmd.name } : {}) };
    delete a.column;
  }
  void table;
  return a;
}

/**
 * Summarise one parsed statement. `ctx` tells which relations earlier statements created.
 */
export function describe(st: ParsedStatement, ctx: DescribeContext = NO_CONTEXT): StatementSummary {
  // AST locations are byte offsets in the whole file; st.sql starts at st.byteStart
  const src = new ExprSource(st.sql, st.byteStart);
  const s = describeNode(st.ast, src, ctx);
  if (st.plpgsql || s.kind === "do") s.doBlock = describeDoBody(st.plpgsql, ctx);
  return s;
}

/** A whole SQL text parsed and described, before any schema is applied. */
export interface DescribedSql<S extends StatementPosition = ParsedStatement> {
  /** a syntax error (then no statements) */
  errors: AnalysisError[];
  statements: Array<{ st: S; summary: StatementSummary }>;
}

/**
 * Parse and describe a file's SQL without a schema context: nothing here depends on earlier
 * files, so it can run ahead of the analysis (describe-ahead.ts). Call `await loadParser()` first;
 * then `markNewRelations` with the schema at the start of the file.
 */
export function describeSql(text: string): DescribedSql {
  const parsed = parseSql(text);
  const errors = [...parsed.errors];
  const statements: DescribedSql["statements"] = [];
  for (const st of parsed.statements) {
    try {
      statements.push({ st, summary: describe(st) });
    } catch (e) {
      // a statement nested thousands of levels deep (generated SQL, a fuzzer) overflows the
      // walk of its parse tree: an input error for that statement, not a crash of the run
      if (!isStackOverflow(e)) throw e;
      errors.push(tooDeeplyNested(st.index, st));
    }
  }
  return { errors, statements };
}

function tooDeeplyNested(index: number, at: { line: number; column: number }): AnalysisError {
  return {
    code: "too-deeply-nested",
    message: `statement ${index + 1} is nested too deeply to analyse (thousands of levels of expressions or subqueries); split it or check it by hand`,
    line: at.line,
    column: at.column,
  };
}

/** Set `newTable` (of the statement and of its DO body's statements) from `ctx`, as describe(st, ctx) does. */
export function markNewRelations(s: StatementSummary, ctx: DescribeContext): void {
  if (s.relation) s.newTable = ctx.isNew(s.relation);
  for (const inner of s.doBlock?.statements ?? []) if (inner.relation) inner.newTable = ctx.isNew(inner.relation);
}

/** Summarise a raw statement node (used for top-level statements and PL/pgSQL bodies). */
export function describeNode(ast: RawNode, src: ExprSource | undefined, ctx: DescribeContext = NO_CONTEXT): StatementSummary {
  const [type, n] = node(ast);
  const s = describeByType(type, n, src, ctx);
  if (s.relation) s.newTable = ctx.isNew(s.relation);
  return s;
}

function describeByType(type: string, n: N, src: ExprSource | undefined, ctx: DescribeContext): StatementSummary {
  switch (type) {
    case "CreateStmt": {
      const s = emptySummary(n.partbound || n.inhRelations ? "create-table" : "create-table");
      s.relation = qualify(n.relation);
      s.objectType = "table";
      s.objects = [s.relation];
      s.ifNotExists = n.if_not_exists === true;
      s.persistence = n.relation.relpersistence === "t" ? "temporary" : n.relation.relpersistence === "u" ? "unlogged" : "permanent";
      for (const e of (n.tableElts as N[] | undefined) ?? []) {
        const [k, v] = node(e);
        if (k === "ColumnDef") {
          s.columns.push(column(v, src));
          s.constraints.push(...columnConstraints(v, src));
        } else if (k === "Constraint") {
          const c = constraint(v, src);
          if (c) s.constraints.push(c);
        } else if (k === "TableLikeClause") s.like.push(qualify(v.relation));
      }
      const parents = ((n.inhRelations as N[] | undefined) ?? []).map((r) => qualify(r.RangeVar));
      if (n.partbound) {
        s.partitionOf = parents[0];
        if (n.partbound.is_default) s.defaultPartition = true;
        const bound = boundText(n.partbound);
        if (bound) s.partitionBound = bound;
      } else s.inherits = parents;
      noteDuplicates(s, s.columns.map((c) => c.name));
      if (n.accessMethod) s.accessMethod = n.accessMethod;
      if (n.ofTypename) s.ofType = qualifyNames(names(n.ofTypename.names));
      if (n.partspec) {
        s.partitionBy = kebab(String(n.partspec.strategy ?? "").replace(/^PARTITION_STRATEGY_/, ""));
        const keys = ((n.partspec.partParams as N[] | undefined) ?? []).map((p) => p.PartitionElem?.name as string | undefined);
        if (keys.length && keys.every(Boolean)) s.partitionKey = `${s.partitionBy.toUpperCase()} (${keys.join(", ")})`;
        s.objectType = "partitioned-table";
      }
      return s;
    }
    case "AlterTableStmt": {
      const ot = objType(n.objtype);
      const s = emptySummary(`alter-${ot}`);
      s.relation = qualify(n.relation);
      s.objectType = ot;
      s.objects = [s.relation];
      s.ifExists = n.missing_ok === true;
      s.only = n.relation?.inh !== true;
      s.actions = ((n.cmds as N[] | undefined) ?? []).map((c) => alterAction(c.AlterTableCmd, src, s.relation!));
      s.constraints = s.actions.flatMap((a) => (a.action === "add-constraint" && a.constraint ? [a.constraint] : []));
      s.columns = s.actions.flatMap((a) => (a.columnDef ? [a.columnDef] : []));
      s.concurrently = s.actions.some((a) => a.concurrently === true);
      if (s.actions.some((a) => a.action === "detach-partition" && a.concurrently)) s.transactional = false;
      return s;
    }
    case "RenameStmt": {
      const target = objType(n.renameType);
      const relType = n.relation ? (target === "column" || target === "tabconstraint" || target === "trigger" || target === "policy" || target === "rule" ? objType(n.relationType === "OBJECT_ACCESS_METHOD" ? "OBJECT_TABLE" : n.relationType) : target) : target;
      const s = emptySummary(`alter-${relType === "tabconstraint" ? "table" : relType}`);
      if (target === "trigger") s.kind = "alter-trigger";
      if (target === "policy") s.kind = "alter-policy";
      if (target === "rule") s.kind = "alter-rule";
      s.ifExists = n.missing_ok === true;
      if (n.relation) {
        s.relation = qualify(n.relation);
        s.objectType = relType;
      } else if (n.object) {
        s.relation = objectName(n.object);
        s.objectType = target;
        s.kind = `alter-${target === "domconstraint" ? "domain" : target}`;
      }
      s.objects = s.relation ? [s.relation] : [];
      const action: AlterAction["action"] = target === "column" ? "rename-column" : target === "tabconstraint" || target === "domconstraint" ? "rename-constraint" : "rename";
      s.actions = [{ action, ...(n.subname ? (action === "rename-column" ? { column: n.subname } : { constraintName: n.subname }) : {}), newName: n.newname }];
      return s;
    }
    case "AlterObjectSchemaStmt": {
      const t = objType(n.objectType);
      const s = emptySummary(`alter-${t}`);
      s.relation = n.relation ? qualify(n.relation) : objectName(n.object);
      s.objectType = t;
      s.objects = [s.relation];
      s.actions = [{ action: "set-schema", newName: n.newschema }];
      return s;
    }
    case "AlterOwnerStmt": {
      const t = objType(n.objectType);
      const s = emptySummary(`alter-${t}`);
      s.relation = n.relation ? qualify(n.relation) : objectName(n.object);
      s.objectType = t;
      s.actions = [{ action: "owner-to" }];
      return s;
    }
    case "IndexStmt": {
      const s = emptySummary("create-index");
      s.relation = qualify(n.relation);
      s.objectType = "table";
      s.objects = [s.relation];
      s.concurrently = n.concurrent === true;
      s.transactional = !s.concurrently;
      s.ifNotExists = n.if_not_exists === true;
      s.only = n.relation?.inh !== true;
      const params = ((n.indexParams as N[] | undefined) ?? []).map((p) => p.IndexElem as N);
      s.index = {
        ...(n.idxname ? { name: n.idxname, qualifiedName: `${s.relation.split(".")[0]}.${n.idxname}` } : {}),
        columns: params.filter((p) => p.name).map((p) => p.name as string),
        expressions: params.some((p) => p.expr),
        unique: n.unique === true,
        method: n.accessMethod ?? "btree",
        partial: Boolean(n.whereClause),
        include: ((n.indexIncludingParams as N[] | undefined) ?? []).map((p) => p.IndexElem?.name).filter(Boolean),
        nullsNotDistinct: n.nulls_not_distinct === true,
      };
      return s;
    }
    case "DropStmt": {
      const t = objType(n.removeType);
      const s = emptySummary(`drop-${t}`);
      s.objectType = t;
      const onTable = ["trigger", "policy", "rule"].includes(t);
      // DROP TRIGGER/POLICY/RULE name ON table: the relation is the table
      s.objects = ((n.objects as N[] | undefined) ?? []).map((o) => (onTable ? qualifyNames(names(o.List?.items).slice(0, -1)) : objectName(o)));
      if (onTable) s.droppedNames = ((n.objects as N[] | undefined) ?? []).map((o) => names(o.List?.items).at(-1) ?? "");
      s.relation = s.objects[0];
      s.ifExists = n.missing_ok === true;
      s.cascade = n.behavior === "DROP_CASCADE";
      s.concurrently = n.concurrent === true;
      s.transactional = !s.concurrently;
      return s;
    }
    case "TruncateStmt": {
      const s = emptySummary("truncate");
      s.objects = ((n.relations as N[] | undefined) ?? []).map((r) => qualify(r.RangeVar));
      s.relation = s.objects[0];
      s.objectType = "table";
      s.cascade = n.behavior === "DROP_CASCADE";
      s.only = ((n.relations as N[] | undefined) ?? []).every((r) => r.RangeVar?.inh !== true);
      return s;
    }
    case "InsertStmt":
    case "UpdateStmt":
    case "DeleteStmt":
    case "MergeStmt": {
      const s = emptySummary(type.replace("Stmt", "").toLowerCase());
      s.relation = qualify(n.relation);
      s.objectType = "table";
      s.objects = [s.relation];
      s.only = n.relation?.inh !== true;
      // VALUES lists can be huge (seed data) and are mostly constants: only their other cells are walked, in the first 100 rows
      const values = n.selectStmt?.SelectStmt?.valuesLists as N[] | undefined;
      const select = values ? values.slice(0, 100).flatMap((r) => ((r.List?.items as N[] | undefined) ?? []).filter((c) => !c.A_Const)) : n.selectStmt;
      const reads = noteReadsAndCalls(s, [select, n.fromClause, n.whereClause, n.usingClause, n.targetList, n.returningList, n.sourceRelation, n.withClause, n.mergeWhenClauses, n.onConflictClause], n.withClause, src, ctx);
      for (const m of s.modifies ?? []) if (m.relation) reads.delete(m.relation);
      if (type !== "MergeStmt") reads.delete(s.relation);
      s.reads = [...reads];
      s.dml = {
        where: Boolean(n.whereClause),
        fromQuery: Boolean((n.selectStmt && !values) || (n.fromClause && n.fromClause.length) || (n.usingClause && n.usingClause.length)),
        columns: ((n.targetList ?? n.cols) as N[] | undefined ?? []).map((t) => t.ResTarget?.name).filter(Boolean),
        ...(values ? { rows: values.length, nullColumns: nullColumns(n.cols, values) } : {}),
        ...(values && type === "InsertStmt" && values.length <= 100 ? { values: values.map((r) => ((r.List?.items as N[] | undefined) ?? []).map(constantText)) } : {}),
        ...(type === "InsertStmt" && !values ? constantRow(n.selectStmt?.SelectStmt) : {}),
        returning: Boolean(n.returningList?.length),
      };
      const dup = duplicateAssignments(type, n);
      if (dup.length) s.duplicateColumns = dup;
      if (src && type === "UpdateStmt") {
        s.dml.sets = ((n.targetList as N[] | undefined) ?? [])
          .filter((t) => t.ResTarget?.name && t.ResTarget.val)
          .map((t) => ({ column: t.ResTarget.name as string, expression: src.clause(t.ResTarget.val, ["FROM", "WHERE", "RETURNING"]) }));
      }
      if (src && n.whereClause && (type === "UpdateStmt" || type === "DeleteStmt")) s.dml.whereText = src.clause(n.whereClause, ["RETURNING"]);
      if (n.whereClause && (type === "UpdateStmt" || type === "DeleteStmt")) s.dml.keyFilters = keyFilters(n.whereClause);
      if (type === "UpdateStmt") s.dml.assigned = assignments(n.targetList);
      if (n.relation?.alias?.aliasname) s.dml.alias = n.relation.alias.aliasname;
      if (src && s.dml.fromQuery && type !== "MergeStmt" && !s.modifies?.length) {
        const targetText = src.tail(n.relation?.location);
        const withText = n.withClause ? src.tail(n.withClause.location ?? 0) : undefined;
        const rowsSql =
          targetText && (!n.withClause || withText)
            ? rowSourceQuery({ kind: s.kind as "insert" | "update" | "delete", targetText, ...(withText ? { withText } : {}), columnList: Boolean(n.cols?.length), rowName: `"${String(s.dml.alias ?? n.relation.relname).replace(/"/g, '""')}"` })
            : undefined;
        if (rowsSql) s.dml.rowsSql = rowsSql;
        const driver = type === "InsertStmt" ? drivingRelation(n.selectStmt) : undefined;
        if (driver) s.dml.driver = driver;
      }
      const conflict = n.onConflictClause as N | undefined;
      if (conflict) {
        const update = conflict.action === "ONCONFLICT_UPDATE";
        const elems = (conflict.infer?.indexElems as N[] | undefined)?.map((e) => e.IndexElem?.name as string | undefined);
        s.dml.onConflict = {
          action: update ? "update" : "nothing",
          columns: update ? setColumns(conflict.targetList) : [],
          ...(elems?.length && elems.every(Boolean) ? { target: elems as string[] } : {}),
          ...(conflict.infer?.conname ? { constraint: conflict.infer.conname } : {}),
          ...(conflict.infer ? {} : { anyKey: true as const }),
        };
        if (update) s.dml.assigned = assignments(conflict.targetList);
      }
      if (type === "MergeStmt") s.dml.mergeActions = ((n.mergeWhenClauses as N[] | undefined) ?? []).map((w) => mergeAction(w.MergeWhenClause));
      const readFilters = !values && n.selectStmt?.SelectStmt && statementKeyFilters(n.selectStmt.SelectStmt);
      if (readFilters) s.readKeyFilters = readFilters;
      return s;
    }
    case "SelectStmt": {
      const s = emptySummary(n.intoClause ? "create-table-as" : "select");
      const only = new Set<string>();
      const reads = noteReadsAndCalls(s, { ...n, intoClause: undefined }, n.withClause, src, ctx, only);
      for (const m of s.modifies ?? []) if (m.relation) reads.delete(m.relation);
      s.reads = [...reads];
      const from = fromList(n);
      if (from) s.from = from;
      if (only.size) s.readsOnly = [...only];
      if (n.intoClause) {
        s.relation = qualify(n.intoClause.rel);
        s.objectType = "table";
        s.objects = [s.relation];
        noteDuplicates(s, outputColumnNames(n, n.intoClause.colNames));
      }
      if (n.lockingClause?.length) s.lockMode = "RowShareLock";
      if (n.whereClause && n.fromClause?.length === 1 && n.fromClause[0].RangeVar) s.keyFilters = keyFilters(n.whereClause);
      const filters = statementKeyFilters({ ...n, intoClause: undefined });
      if (filters) s.readKeyFilters = filters;
      return s;
    }
    case "CreateTableAsStmt": {
      const mat = n.objtype === "OBJECT_MATVIEW";
      const s = emptySummary(mat ? "create-materialized-view" : "create-table-as");
      s.relation = qualify(n.into.rel);
      s.objectType = mat ? "materialized-view" : "table";
      s.objects = [s.relation];
      s.ifNotExists = n.if_not_exists === true;
      s.withNoData = n.into.skipData === true;
      noteDuplicates(s, outputColumnNames(n.query, n.into.colNames));
      const reads = new Set<string>();
      const only = new Set<string>();
      collectReads(n.query, reads, undefined, undefined, only);
      s.reads = [...reads];
      if (only.size) s.readsOnly = [...only];
      const q = n.query?.SelectStmt as N | undefined;
      const filters = q && statementKeyFilters(q);
      if (filters) s.readKeyFilters = filters;
      return s;
    }
    case "ViewStmt": {
      const s = emptySummary("create-view");
      s.relation = qualify(n.view);
      s.objectType = "view";
      s.objects = [s.relation];
      s.ifNotExists = n.replace === true; // CREATE OR REPLACE
      noteDuplicates(s, outputColumnNames(n.query, n.aliases));
      const reads = new Set<string>();
      collectReads(n.query, reads);
      s.reads = [...reads];
      const from = fromList(n.query?.SelectStmt);
      if (from) s.from = from;
      return s;
    }
    case "RefreshMatViewStmt": {
      const s = emptySummary("refresh-materialized-view");
      s.relation = qualify(n.relation);
      s.objectType = "materialized-view";
      s.objects = [s.relation];
      s.concurrently = n.concurrent === true;
      s.withNoData = n.skipData === true;
      return s;
    }
    case "VacuumStmt": {
      const isVacuum = n.is_vacuumcmd === true;
      const s = emptySummary(isVacuum ? "vacuum" : "analyze");
      s.objects = ((n.rels as N[] | undefined) ?? []).map((r) => qualify(r.VacuumRelation?.relation));
      s.relation = s.objects[0];
      s.objectType = "table";
      s.vacuum = { full: isVacuum && boolOption(n.options, "full") === true, analyze: !isVacuum || boolOption(n.options, "analyze") === true, vacuum: isVacuum };
      s.only = s.objects.length > 0 && ((n.rels as N[] | undefined) ?? []).every((r) => r.VacuumRelation?.relation?.inh !== true);
      s.transactional = !isVacuum;
      return s;
    }
    case "ClusterStmt": {
      const s = emptySummary("cluster");
      if (n.relation) {
        s.relation = qualify(n.relation);
        s.objects = [s.relation];
      }
      s.objectType = "table";
      s.transactional = Boolean(n.relation);
      return s;
    }
    case "ReindexStmt": {
      const s = emptySummary("reindex");
      const kind = String(n.kind).replace("REINDEX_OBJECT_", "").toLowerCase();
      s.objectType = kind;
      if (n.relation) {
        s.relation = qualify(n.relation);
        s.objects = [s.relation];
      } else if (n.name) s.relation = n.name;
      s.concurrently = boolOption(n.params, "concurrently") === true;
      s.transactional = !s.concurrently && (kind === "index" || kind === "table");
      return s;
    }
    case "LockStmt": {
      const s = emptySummary("lock-table");
      s.objects = ((n.relations as N[] | undefined) ?? []).map((r) => qualify(r.RangeVar));
      s.relation = s.objects[0];
      s.objectType = "table";
      s.lockMode = LOCK_STMT_MODES[Number(n.mode)] ?? "AccessExclusiveLock";
      s.only = ((n.relations as N[] | undefined) ?? []).every((r) => r.RangeVar?.inh !== true);
      return s;
    }
    case "TransactionStmt": {
      const k = String(n.kind).replace("TRANS_STMT_", "").toLowerCase().replace(/_/g, "-");
      const s = emptySummary(k === "start" ? "start-transaction" : k);
      s.transaction = k === "start" ? "begin" : k;
      return s;
    }
    case "VariableSetStmt": {
      const s = emptySummary(n.kind === "VAR_RESET" || n.kind === "VAR_RESET_ALL" ? "reset" : "set");
      if (n.name) {
        const value = ((n.args as N[] | undefined) ?? []).map((a) => {
          const c = a.A_Const ?? {};
          // an integer 0 arrives as an empty ival: `SET lock_timeout = 0` turns the timeout off
          return String(c.sval?.sval ?? (c.ival ? (c.ival.ival ?? 0) : undefined) ?? c.fval?.fval ?? c.boolval?.boolval ?? "");
        });
        s.setting = { name: String(n.name).toLowerCase(), ...(value.length ? { value: value.join(", ") } : {}), local: n.is_local === true };
      }
      if (n.name === "transaction_isolation" || n.name === "TRANSACTION") s.kind = "set-transaction";
      return s;
    }
    case "DoStmt":
      return emptySummary("do");
    case "CreateEnumStmt":
    case "CompositeTypeStmt":
    case "CreateRangeStmt": {
      const s = emptySummary("create-type");
      const nm = type === "CompositeTypeStmt" ? qualify(n.typevar) : qualifyNames(names(n.typeName));
      s.relation = nm;
      s.objectType = "type";
      s.newType = {
        name: nm,
        kind: type === "CreateEnumStmt" ? "enum" : type === "CompositeTypeStmt" ? "composite" : "range",
        ...(type === "CreateEnumStmt" ? { labels: names(n.vals) } : {}),
      };
      return s;
    }
    case "CreateDomainStmt": {
      const s = emptySummary("create-domain");
      s.relation = qualifyNames(names(n.domainname));
      s.objectType = "domain";
      s.newType = { name: s.relation, kind: "domain", baseType: typeRef(n.typeName) };
      s.constraints = ((n.constraints as N[] | undefined) ?? []).flatMap((c) => {
        const cs = constraint(c.Constraint, src);
        return cs ? [cs] : [];
      });
      return s;
    }
    case "AlterEnumStmt": {
      const s = emptySummary("alter-type");
      s.relation = qualifyNames(names(n.typeName));
      s.objectType = "type";
      if (n.newVal && !n.oldVal) {
        s.enumValue = { type: s.relation, value: n.newVal, ifNotExists: n.skipIfNewValExists === true };
        s.ifNotExists = n.skipIfNewValExists === true;
      }
      return s;
    }
    case "AlterDomainStmt": {
      const s = emptySummary("alter-domain");
      s.relation = qualifyNames(names(n.typeName));
      s.objectType = "domain";
      const ACTIONS: Record<string, string> = { T: "set-default", N: "drop-not-null", O: "set-not-null", C: "add-constraint", X: "drop-constraint", V: "validate-constraint" };
      const action = ACTIONS[n.subtype as string] ?? "other";
      const c = n.def?.Constraint ? constraint(n.def.Constraint, src) : undefined;
      s.domain = { name: s.relation, action, ...(c ? { constraint: c } : {}), ...(n.name ? { constraintName: n.name } : {}) };
      if (c) s.constraints = [c];
      return s;
    }
    case "CommentStmt": {
      const s = emptySummary("comment");
      const t = objType(n.objtype);
      s.targetKind = t;
      const onTable = ["column", "tabconstraint", "trigger", "policy", "rule"].includes(t);
      s.relation = onTable ? qualifyNames(names(n.object?.List?.items).slice(0, -1)) : objectName(n.object);
      s.objectType = onTable ? "table" : t;
      return s;
    }
    case "GrantStmt": {
      const s = emptySummary(n.is_grant ? "grant" : "revoke");
      s.targetKind = objType(n.objtype);
      s.objects = ((n.objects as N[] | undefined) ?? []).map((o) => (o.RangeVar ? qualify(o.RangeVar) : objectName(o)));
      s.relation = s.objects[0];
      s.objectType = s.targetKind;
      return s;
    }
    case "CreateTrigStmt": {
      const s = emptySummary(n.isconstraint ? "create-constraint-trigger" : "create-trigger");
      s.relation = qualify(n.relation);
      s.objectType = "table";
      s.trigger = triggerSummary(n, src);
      s.ifNotExists = n.replace === true;
      return s;
    }
    case "CreatePolicyStmt":
    case "AlterPolicyStmt": {
      const s = emptySummary(type === "CreatePolicyStmt" ? "create-policy" : "alter-policy");
      s.relation = qualify(n.table);
      s.objectType = "table";
      const reads = new Set<string>();
      collectReads([n.qual, n.with_check], reads);
      s.reads = [...reads];
      return s;
    }
    case "RuleStmt": {
      const s = emptySummary("create-rule");
      s.relation = qualify(n.relation);
      s.objectType = "table";
      s.ifNotExists = n.replace === true;
      s.rule = {
        name: n.rulename,
        event: String(n.event ?? "").replace(/^CMD_/, "").toLowerCase(),
        instead: n.instead === true,
        conditional: Boolean(n.whereClause),
        actions: ((n.actions as N[] | undefined) ?? []).map((a) => describeNode(a, src, ctx)),
      };
      return s;
    }
    case "CreateSeqStmt":
    case "AlterSeqStmt": {
      const s = emptySummary(type === "CreateSeqStmt" ? "create-sequence" : "alter-sequence");
      s.relation = qualify(n.sequence);
      s.objectType = "sequence";
      s.ifNotExists = n.if_not_exists === true;
      s.ifExists = n.missing_ok === true;
      const owned = ((n.options as N[] | undefined) ?? []).find((o) => o.DefElem?.defname === "owned_by");
      const ownedBy = names(owned?.DefElem?.arg?.List?.items);
      if (ownedBy.length >= 2) s.ownedBy = qualifyNames(ownedBy.slice(0, -1));
      return s;
    }
    case "CreateIndexStmt":
      break;
    case "CreatedbStmt":
    case "DropdbStmt":
    case "AlterSystemStmt":
    case "CreateTableSpaceStmt":
    case "DropTableSpaceStmt": {
      const s = emptySummary(fallbackKind(type));
      s.transactional = false;
      if (n.dbname) s.relation = n.dbname;
      return s;
    }
    case "CreateSchemaStmt": {
      const s = emptySummary("create-schema");
      s.relation = n.schemaname;
      s.objectType = "schema";
      s.ifNotExists = n.if_not_exists === true;
      return s;
    }
    case "CreateExtensionStmt": {
      const s = emptySummary("create-extension");
      s.relation = n.extname;
      s.objectType = "extension";
      s.ifNotExists = n.if_not_exists === true;
      return s;
    }
    case "CreateFunctionStmt": {
      const s = emptySummary(n.is_procedure ? "create-procedure" : "create-function");
      s.relation = qualifyNames(names(n.funcname));
      s.objectType = n.is_procedure ? "procedure" : "function";
      s.ifNotExists = n.replace === true;
      s.routine = routineSummary(n, s.relation);
      return s;
    }
    case "CreateStatsStmt": {
      const s = emptySummary("create-statistics");
      if (n.defnames) s.statisticsName = qualifyNames(names(n.defnames));
      s.objects = ((n.relations as N[] | undefined) ?? []).map((r) => (r.RangeVar ? qualify(r.RangeVar) : "")).filter(Boolean);
      s.relation = s.objects[0];
      s.objectType = "table";
      s.ifNotExists = n.if_not_exists === true;
      return s;
    }
    case "CreatePublicationStmt":
    case "AlterPublicationStmt": {
      const s = emptySummary(type === "CreatePublicationStmt" ? "create-publication" : "alter-publication");
      const specs = ((n.pubobjects as N[] | undefined) ?? []).map((o) => o.PublicationObjSpec as N);
      const tables = specs.filter((o) => o.pubobjtype === "PUBLICATIONOBJ_TABLE" && o.pubtable?.relation).map((o) => ({ name: qualify(o.pubtable.relation), only: o.pubtable.relation.inh !== true }));
      const action = ({ AP_AddObjects: "add", AP_DropObjects: "drop", AP_SetObjects: "set" } as const)[String(n.action) as "AP_AddObjects"];
      s.relation = n.pubname;
      s.objectType = "publication";
      s.objects = tables.map((t) => t.name);
      s.publication = { name: n.pubname, ...(action ? { action } : {}), tables, schemas: specs.some((o) => o.pubobjtype !== "PUBLICATIONOBJ_TABLE") };
      return s;
    }
    case "CallStmt": {
      const s = emptySummary("call");
      const calls = new Set<string>();
      const reads = new Set<string>();
      const procedure = names(n.funccall?.funcname).map((x) => x.toLowerCase());
      if (procedure.length) s.relation = procedure.length >= 2 ? procedure.slice(-2).join(".") : `public.${procedure[0]}`;
      s.objectType = "procedure";
      collectReads(n.funccall?.args, reads, new Set(), calls);
      s.calls = [...(s.relation ? [s.relation] : []), ...calls];
      s.reads = [...reads];
      return s;
    }
    case "CreateEventTrigStmt": {
      const s = emptySummary("create-event-trigger");
      s.transactional = true;
      const fn = names(n.funcname).map((x) => x.toLowerCase());
      const tags = ((n.whenclause as N[] | undefined) ?? []).filter((w) => w.DefElem?.defname === "tag").flatMap((w) => names(w.DefElem.arg?.List?.items).map((t) => t.toUpperCase()));
      s.eventTrigger = { name: n.trigname, event: n.eventname, function: fn.length >= 2 ? fn.slice(-2).join(".") : `public.${fn[0]}`, ...(tags.length ? { tags } : {}) };
      return s;
    }
    case "AlterEventTrigStmt": {
      const s = emptySummary("alter-event-trigger");
      s.eventTrigger = { name: n.trigname, enabled: String(n.tgenabled ?? "O") as "O" | "D" | "R" | "A" };
      return s;
    }
    case "CopyStmt": {
      const s = emptySummary("copy");
      if (n.relation) {
        s.relation = qualify(n.relation);
        s.objects = [s.relation];
        s.objectType = "table";
      }
      s.copy = { from: n.is_from === true, columns: names(n.attlist) };
      const reads = noteReadsAndCalls(s, n.query, n.query?.SelectStmt?.withClause, src, ctx);
      s.reads = [...reads];
      return s;
    }
    case "ExplainStmt": {
      const inner = describeByType(...node(n.query), src, ctx);
      if (boolOption(n.options, "analyze") === true) return inner;
      // without ANALYZE the statement is planned, not run: only the planner's locks
      const s = emptySummary("explain");
      s.reads = inner.reads;
      if (inner.dml) {
        s.relation = inner.relation;
        s.objects = inner.objects;
        s.objectType = inner.objectType;
        s.lockMode = "RowExclusiveLock";
      } else if (inner.lockMode) s.lockMode = inner.lockMode;
      return s;
    }
    case "CreateForeignTableStmt": {
      const s = emptySummary("create-foreign-table");
      noteDuplicates(s, ((n.base?.tableElts as N[] | undefined) ?? []).flatMap((e) => (e.ColumnDef ? [e.ColumnDef.colname as string] : [])));
      return s;
    }
    case "CreateSubscriptionStmt": {
      const s = emptySummary("create-subscription");
      s.relation = n.subname;
      s.objectType = "subscription";
      // creating the replication slot cannot be rolled back; create_slot defaults to connect, which defaults to true
      s.transactional = !(boolOption(n.options, "create_slot") ?? boolOption(n.options, "connect") ?? true);
      return s;
    }
  }
  return emptySummary(fallbackKind(type));
}

/** SET targets (ResTarget names; `SET (a, b) = ...` gives each column). */
function setColumns(targets: N[] | undefined): string[] {
  return (targets ?? []).map((t) => t.ResTarget?.name as string | undefined).filter((c): c is string => Boolean(c));
}

function assignments(targets: N[] | undefined): NonNullable<DmlSummary["assigned"]> {
  return (targets ?? []).filter((t) => t.ResTarget?.name).map((t) => ({ column: t.ResTarget.name as string, value: assignedValue(t.ResTarget.val) }));
}

function assignedValue(v: N | undefined): AssignedValue {
  if (v?.SetToDefault) return { default: true };
  const fields = v?.ColumnRef?.fields as N[] | undefined;
  if (fields?.length === 1 && fields[0]!.String) return { column: fields[0]!.String.sval };
  return v ? constantText(v) : false;
}

function mergeAction(w: N): NonNullable<DmlSummary["mergeActions"]>[number] {
  const cmd = String(w?.commandType ?? "").replace(/^CMD_/, "").toLowerCase();
  const action = cmd === "update" || cmd === "insert" || cmd === "delete" ? cmd : "nothing";
  return { action, columns: setColumns(w?.targetList) };
}

const TRIGGER_EVENTS: Array<[number, string]> = [[4, "insert"], [8, "delete"], [16, "update"], [32, "truncate"]];

function triggerSummary(n: N, src: ExprSource | undefined): TriggerSummary {
  const timing = Number(n.timing ?? 0);
  const fn = names(n.funcname).map((x) => x.toLowerCase());
  const columns = names(n.columns);
  const t: TriggerSummary = {
    name: n.trigname,
    events: TRIGGER_EVENTS.filter(([bit]) => (Number(n.events ?? 0) & bit) !== 0).map(([, e]) => e),
    timing: timing & 64 ? "instead" : timing & 2 ? "before" : "after",
    level: n.row === true ? "row" : "statement",
    ...(fn.length ? { function: fn.length >= 2 ? fn.slice(-2).join(".") : `public.${fn[0]}` } : {}),
    ...(columns.length ? { columns } : {}),
  };
  if (n.whenClause && src) t.when = src.clause(n.whenClause, ["EXECUTE"]).replace(/\)\s*$/, "").replace(/^\(/, "");
  return t;
}

function routineSummary(n: N, name: string): RoutineSummary {
  const options = ((n.options as N[] | undefined) ?? []).map((o) => o.DefElem as N);
  const language = String(options.find((o) => o?.defname === "language")?.arg?.String?.sval ?? "sql").toLowerCase();
  const params = ((n.parameters as N[] | undefined) ?? []).map((p) => p.FunctionParameter as N);
  const inputs = params.filter((p) => !["FUNC_PARAM_OUT", "FUNC_PARAM_TABLE"].includes(p?.mode));
  return { name: name.toLowerCase(), kind: n.is_procedure ? "procedure" : "function", language, args: inputs.length };
}

/** `INSERT ... SELECT 'a', 1` (no FROM, WHERE or set operation): its one row of constants, as VALUES would give it. */
function constantRow(select: N | undefined): Pick<DmlSummary, "values"> {
  if (!select?.targetList || select.fromClause || select.whereClause || select.groupClause || select.havingClause || (select.op && select.op !== "SETOP_NONE")) return {};
  const row = (select.targetList as N[]).map((t) => constantText(t.ResTarget?.val));
  return row.every((v) => v !== false) ? { values: [row] } : {};
}

/** A SELECT's FROM list when it names only relations (no joins, no subqueries). */
function fromList(select: N | undefined): string[] | undefined {
  const from = (select?.fromClause as N[] | undefined)?.map((f) => (f.RangeVar ? qualify(f.RangeVar) : ""));
  return from?.length && from.every(Boolean) ? from : undefined;
}

function nullColumns(cols: N[] | undefined, rows: N[]): string[] {
  const names = (cols ?? []).map((c) => String(c.ResTarget?.name ?? ""));
  return names.filter((_, i) => rows.every((r) => (r.List?.items as N[] | undefined)?.[i]?.A_Const?.isnull === true));
}

/**
 * Columns assigned twice in one list of an INSERT / UPDATE / MERGE (UPDATE SET, INSERT's column
 * list, ON CONFLICT DO UPDATE SET, each MERGE action): Postgres rejects them, unless every
 * assignment is to a different field or element (a.x = 1, a.y = 2).
 */
function duplicateAssignments(type: string, n: N): string[] {
  const lists: Array<N[] | undefined> =
    type === "UpdateStmt" ? [n.targetList] : type === "InsertStmt" ? [n.cols, n.onConflictClause?.targetList] : type === "MergeStmt" ? ((n.mergeWhenClauses as N[] | undefined) ?? []).map((w) => w.MergeWhenClause?.targetList) : [];
  const out = new Set<string>();
  for (const list of lists) {
    if (!list || list.length < 2) continue;
    const whole = new Map<string, boolean>(); // column -> some assignment is to the whole column
    const seen = new Set<string>();
    for (const t of list) {
      const column = t.ResTarget?.name as string | undefined;
      if (!column) continue;
      const partial = Boolean(t.ResTarget.indirection?.length);
      if (seen.has(column) && (!partial || whole.get(column))) out.add(column);
      seen.add(column);
      if (!partial) whole.set(column, true);
    }
  }
  return [...out];
}

/** CREATE TABLE / VIEW / TABLE AS defining a column name twice. */
function noteDuplicates(s: StatementSummary, columns: string[]): void {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const c of columns) (seen.has(c) ? dup : seen).add(c);
  if (dup.size) s.duplicateColumns = [...dup];
}

/**
 * The column names of a query's result as Postgres names them (FigureColname): the alias, a
 * column's or function's name, a cast's inner name or type, ?column? for a constant. A name this
 * does not work out is left out, so it is never reported as a duplicate.
 */
function outputColumnNames(select: N | undefined, aliases: N[] | undefined): string[] {
  let q = select?.SelectStmt ?? select;
  while (q && q.op && q.op !== "SETOP_NONE") q = q.larg;
  const figured = ((q?.targetList as N[] | undefined) ?? []).map((t) => (t.ResTarget?.name as string | undefined) ?? figureColname(t.ResTarget?.val));
  const named = names(aliases);
  return figured.map((f, i) => named[i] ?? f).filter((f): f is string => f !== undefined);
}

function figureColname(e: N | undefined): string | undefined {
  if (!e) return undefined;
  if (e.ColumnRef) {
    const last = (e.ColumnRef.fields as N[]).at(-1);
    return last?.String?.sval;
  }
  if (e.FuncCall) return names(e.FuncCall.funcname).at(-1);
  if (e.TypeCast) return figureColname(e.TypeCast.arg) ?? (e.TypeCast.arg?.A_Const ? names(e.TypeCast.typeName?.names).at(-1) : undefined);
  if (e.A_Expr) return e.A_Expr.kind === "AEXPR_NULLIF" ? "nullif" : "?column?";
  if (e.A_Const || e.ParamRef || e.BoolExpr || e.NullTest || e.BooleanTest) return "?column?";
  return undefined; // CASE, ARRAY, ROW, sub-selects, ...: named by rules not followed here
}

/** An operator with its operands swapped: `5 < col` is `col > 5`. */
const FLIPPED = { "=": "=", "<": ">", "<=": ">=", ">": "<", ">=": "<=", "<>": "<>" } as const;

/**
 * Every SELECT of a statement (subqueries, CTEs and UNION arms too) restricts the scans of its own
 * FROM list: per relation, the WHERE terms and inner-join conditions whose columns all name it
 * (by alias, or unqualified when it is the SELECT's only relation), the ON terms of an outer join
 * only for its nullable side. Unqualified terms of a SELECT over several relations are left for
 * the schema to attribute (`unqualified`). A relation named anywhere else in the statement (or
 * twice in one FROM list) is left out. Undefined when there are no groups.
 */
function statementKeyFilters(root: N): NonNullable<StatementSummary["readKeyFilters"]> | undefined {
  const counts = new Map<string, number>();
  const count = (n: unknown): void => {
    if (Array.isArray(n)) return n.forEach(count);
    if (!n || typeof n !== "object") return;
    for (const k in n as N) {
      const v = (n as N)[k];
      if (k === "RangeVar") counts.set(qualify(v), (counts.get(qualify(v)) ?? 0) + 1);
      else count(v);
    }
  };
  count(root);
  const groups: NonNullable<StatementSummary["readKeyFilters"]> = [];
  const visit = (n: unknown): void => {
    if (Array.isArray(n)) return n.forEach(visit);
    if (!n || typeof n !== "object") return;
    for (const k in n as N) {
      const v = (n as N)[k];
      // the arms of a UNION / INTERSECT / EXCEPT are SELECTs without the node name
      if (k === "SelectStmt" || ((k === "larg" || k === "rarg") && v?.op)) {
        const g = selectKeyFilters(v);
        if (g) groups.push(g);
      }
      visit(v);
    }
  };
  visit({ SelectStmt: root });
  // every occurrence of a relation must be a FROM item of one of the groups
  const inGroups = new Map<string, number>();
  for (const g of groups) for (const r of g.relations) inGroups.set(r, (inGroups.get(r) ?? 0) + 1);
  for (const g of groups) g.relations = g.relations.filter((r) => inGroups.get(r) === counts.get(r));
  const used = groups.filter((g) => g.relations.length);
  return used.length ? used : undefined;
}

function selectKeyFilters(select: N): NonNullable<StatementSummary["readKeyFilters"]>[number] | undefined {
  const aliases = new Map<string, string>();
  const terms: Array<{ term: N; within?: Set<string> }> = [];
  const and = (e: N | undefined): N[] => (!e ? [] : e.BoolExpr?.boolop === "AND_EXPR" ? (e.BoolExpr.args as N[]) : [e]);
  const visit = (item: N): Set<string> => {
    if (item.RangeVar) {
      const alias = item.RangeVar.alias?.aliasname ?? item.RangeVar.relname;
      aliases.set(alias, qualify(item.RangeVar));
      return new Set([alias]);
    }
    const j = item.JoinExpr;
    if (!j) return new Set();
    const left = visit(j.larg);
    const right = visit(j.rarg);
    const type = String(j.jointype);
    // an outer join's ON terms restrict only its nullable side
    const within = type === "JOIN_INNER" ? undefined : type === "JOIN_LEFT" ? right : type === "JOIN_RIGHT" ? left : new Set<string>();
    for (const term of and(j.quals)) terms.push({ term, within });
    return new Set([...left, ...right]);
  };
  for (const item of (select.fromClause as N[] | undefined) ?? []) visit(item);
  for (const term of and(select.whereClause)) terms.push({ term });
  const named = [...aliases.values()];
  const relations = [...new Set(named)].filter((r) => named.indexOf(r) === named.lastIndexOf(r));
  const byRelation: Record<string, KeyFilter[]> = {};
  const unqualified: KeyFilter[] = [];
  for (const { term, within } of terms) {
    const q = qualifierOf(term);
    const alias = q === null && aliases.size === 1 ? [...aliases.keys()][0]! : q;
    const filters = keyFilter(term);
    if (!filters.length) continue;
    if (alias === null && !within) unqualified.push(...filters);
    if (typeof alias !== "string" || !aliases.has(alias) || (within && !within.has(alias))) continue;
    const rel = aliases.get(alias)!;
    if (relations.includes(rel)) (byRelation[rel] ??= []).push(...filters);
  }
  return relations.length ? { relations, byRelation, unqualified } : undefined;
}

/** The one table qualifier of every column a term names; null when they are all unqualified, undefined when mixed. */
function qualifierOf(term: N): string | null | undefined {
  const found = new Set<string | null>();
  const visit = (n: unknown): void => {
    if (Array.isArray(n)) return n.forEach(visit);
    if (!n || typeof n !== "object") return;
    for (const k in n as N) {
      const v = (n as N)[k];
      if (k === "SubLink") {
        found.add("\u0000"); // a subquery: not a restriction of one scan
        continue;
      }
      if (k === "ColumnRef") {
        const fields = names(v.fields);
        found.add(fields.length >= 2 ? fields[fields.length - 2]! : null);
        continue;
      }
      visit(v);
    }
  };
  visit(term);
  return found.size === 1 ? [...found][0] : undefined;
}

/** The terms ANDed at the top of a WHERE clause that pruning can use; the others only narrow it further. */
function keyFilters(where: N): KeyFilter[] {
  const terms: N[] = where.BoolExpr?.boolop === "AND_EXPR" ? (where.BoolExpr.args as N[]) : [where];
  return terms.flatMap(keyFilter);
}

function keyFilter(t: N): KeyFilter[] {
  const col = (x: N) => (x?.ColumnRef?.fields as N[] | undefined)?.at(-1)?.String?.sval as string | undefined;
  const constants = (list: N[] | undefined) => (list ?? []).map(constantText);
  if (t.BoolExpr?.boolop === "OR_EXPR") return [{ op: "or", arms: (t.BoolExpr.args as N[]).map(keyFilters) }];
  // NOT (col < 5) is col >= 5 to the planner
  const negated = t.BoolExpr?.boolop === "NOT_EXPR" ? (t.BoolExpr.args?.[0]?.A_Expr as N | undefined) : undefined;
  const negator = { "<": ">=", "<=": ">", ">": "<=", ">=": "<", "=": "<>", "<>": "=" } as Record<string, string>;
  if (negated?.kind === "AEXPR_OP" && negator[negated.name?.[0]?.String?.sval]) {
    return keyFilter({ A_Expr: { ...negated, name: [{ String: { sval: negator[negated.name[0].String.sval] } }] } });
  }
  if (t.NullTest?.nulltesttype === "IS_NULL" && col(t.NullTest.arg)) return [{ column: col(t.NullTest.arg)!, op: "is-null" }];
  const e = t.A_Expr;
  const c = col(e?.lexpr);
  // (a, b) = (1, 2) is a = 1 AND b = 2
  if (e?.kind === "AEXPR_OP" && e.name?.[0]?.String?.sval === "=" && e.lexpr?.RowExpr && e.rexpr?.RowExpr) {
    const right = e.rexpr.RowExpr.args as N[];
    return (e.lexpr.RowExpr.args as N[]).flatMap((l, i) => keyFilter({ A_Expr: { kind: "AEXPR_OP", name: e.name, lexpr: l, rexpr: right[i] } }));
  }
  const anyArray = e?.kind === "AEXPR_OP_ANY" && e.rexpr?.A_ArrayExpr ? (e.rexpr.A_ArrayExpr.elements as N[] | undefined) : undefined;
  if ((e?.kind === "AEXPR_IN" || anyArray) && c && e.name?.[0]?.String?.sval === "=") {
    const values = constants(anyArray ?? e.rexpr?.List?.items ?? e.rexpr);
    return values.every((v) => typeof v === "string") ? [{ column: c, op: "in", values: values as string[] }] : [];
  }
  if (e?.kind === "AEXPR_BETWEEN" && c) {
    const [lo, hi] = constants(e.rexpr?.List?.items ?? e.rexpr);
    return typeof lo === "string" && typeof hi === "string" ? [{ column: c, op: ">=", value: lo }, { column: c, op: "<=", value: hi }] : [];
  }
  const op = e?.kind === "AEXPR_OP" ? (e.name?.[0]?.String?.sval as keyof typeof FLIPPED | undefined) : undefined;
  if (!op || !(op in FLIPPED)) return [];
  const [column, v, o] = c ? [c, constantText(e.rexpr), op] : [col(e.rexpr), constantText(e.lexpr), FLIPPED[op]];
  return column && typeof v === "string" ? [{ column, op: o, value: v }] : [];
}

/** A partition bound of constants in pg_get_expr()'s form; undefined for expressions. */
function boundText(b: N): string | undefined {
  if (b.is_default) return "DEFAULT";
  const list = (datums: N[] | undefined): string | undefined => {
    const out: string[] = [];
    for (const d of datums ?? []) {
      const word = d.ColumnRef?.fields?.[0]?.String?.sval;
      if (word === "minvalue" || word === "maxvalue") out.push(word.toUpperCase());
      else {
        const c = constantText(d);
        if (c === false) return undefined;
        out.push(c === null ? "NULL" : d.A_Const?.sval || d.TypeCast?.arg?.A_Const?.sval ? `'${c.replace(/'/g, "''")}'` : c);
      }
    }
    return out.join(", ");
  };
  if (b.strategy === "l") {
    const items = list(b.listdatums);
    return items === undefined ? undefined : `FOR VALUES IN (${items})`;
  }
  if (b.strategy === "h") return `FOR VALUES WITH (modulus ${Number(b.modulus ?? 0)}, remainder ${Number(b.remainder ?? 0)})`;
  if (b.strategy !== "r") return undefined;
  const lo = list(b.lowerdatums);
  const hi = list(b.upperdatums);
  return lo === undefined || hi === undefined ? undefined : `FOR VALUES FROM (${lo}) TO (${hi})`;
}

/** A literal's text ('2024-03-01'::date -> "2024-03-01"), null for NULL, false for anything else. */
export function constantText(e: N): string | null | false {
  const c = e?.A_Const ?? e?.TypeCast?.arg?.A_Const;
  if (!c) return false;
  if (c.isnull) return null;
  if (c.sval) return String(c.sval.sval ?? "");
  if (c.ival) return String(c.ival.ival ?? 0);
  if (c.fval) return String(c.fval.fval);
  if (c.boolval) return String(c.boolval.boolval === true);
  return false;
}

const LOCK_STMT_MODES: Record<number, string> = {
  1: "AccessShareLock",
  2: "RowShareLock",
  3: "RowExclusiveLock",
  4: "ShareUpdateExclusiveLock",
  5: "ShareLock",
  6: "ShareRowExclusiveLock",
  7: "ExclusiveLock",
  8: "AccessExclusiveLock",
};

/** CreateFunctionStmt -> create-function; AlterSeqStmt -> alter-seq; DefineStmt -> define. */
function fallbackKind(type: string): string {
  const special: Record<string, string> = {
    DefineStmt: "create-object",
    CreatedbStmt: "create-database",
    DropdbStmt: "drop-database",
    CreateTrigStmt: "create-trigger",
    CreateEventTrigStmt: "create-event-trigger",
    CreateRoleStmt: "create-role",
    AlterRoleStmt: "alter-role",
    DropRoleStmt: "drop-role",
    GrantRoleStmt: "grant-role",
    CreatePLangStmt: "create-language",
    CreateCastStmt: "create-cast",
    CreateOpClassStmt: "create-operator-class",
    AlterFunctionStmt: "alter-function",
    AlterTableSpaceOptionsStmt: "alter-tablespace",
    CreateForeignTableStmt: "create-foreign-table",
    CreateStatsStmt: "create-statistics",
    AlterDefaultPrivilegesStmt: "alter-default-privileges",
    CreatePublicationStmt: "create-publication",
    AlterPublicationStmt: "alter-publication",
    CreateSubscriptionStmt: "create-subscription",
    AlterExtensionStmt: "alter-extension",
    AlterExtensionContentsStmt: "alter-extension",
    CommentStmt: "comment",
    SecLabelStmt: "security-label",
    NotifyStmt: "notify",
    DeallocateStmt: "deallocate",
    PrepareStmt: "prepare",
    ExecuteStmt: "execute",
    CheckPointStmt: "checkpoint",
    DiscardStmt: "discard",
    ListenStmt: "listen",
    CopyStmt: "copy",
    AlterCollationStmt: "alter-collation",
    AlterOperatorStmt: "alter-operator",
    AlterTypeStmt: "alter-type",
    AlterStatsStmt: "alter-statistics",
  };
  return special[type] ?? kebab(type.replace(/Stmt$/, ""));
}

function objectName(o: unknown): string {
  if (!o || typeof o !== "object") return "";
  const [k, v] = node(o);
  if (k === "List") return qualifyNames(names(v.items));
  if (k === "String") return v.sval;
  if (k === "TypeName") return qualifyNames(names(v.names));
  if (k === "ObjectWithArgs") return qualifyNames(names(v.objname));
  if (k === "RangeVar") return qualify(v);
  return "";
}
