/**
 * The contracts between the analyzer and everything that consumes it (CLI renderers, Slack,
 * plan, apply). The JSON shape of CheckReport is a public interface (`check --format json`):
 * add fields freely, rename nothing.
 */

/** Postgres' own lock mode names, weakest first. */
export const LOCK_MODES = [
  "AccessShareLock",
  "RowShareLock",
  "RowExclusiveLock",
  "ShareUpdateExclusiveLock",
  "ShareLock",
  "ShareRowExclusiveLock",
  "ExclusiveLock",
  "AccessExclusiveLock",
] as const;
export type LockMode = (typeof LOCK_MODES)[number];

export const RISKS = ["low", "medium", "high", "critical"] as const;
export type Risk = (typeof RISKS)[number];

export type Severity = "error" | "warning" | "info";

export interface StatementLock {
  /** schema-qualified, e.g. public.users */
  relation: string;
  /** the STRONGEST mode the statement takes on this relation */
  mode: LockMode;
}

export interface Finding {
  rule: string;
  severity: Severity;
  message: string;
  fix?: string;
  ignored: boolean;
  /** the reason given in the lockstep-ignore comment */
  ignoreReason?: string;
  /** what a `code-references` or `live-queries` finding rests on (`check --code`, `check --db`) */
  evidence?: FindingEvidence;
}

/** A line of application source that names a column or table the statement drops, renames or retypes. */
export interface CodeReference {
  /** relative to the working directory (the config file's directory in Slack) when inside it */
  path: string;
  /** 1-based */
  line: number;
  /** the line, whitespace collapsed, at most 200 characters */
  text: string;
}

export interface FindingEvidence {
  code?: {
    /** what was looked for, e.g. users.display_name */
    name: string;
    /** the identifiers searched for: display_name, displayName, DisplayName */
    forms: string[];
    /** source files searched */
    files: number;
    /** every reference found (`hits` keeps the first 500) */
    total: number;
    hits: CodeReference[];
  };
  queries?: {
    name: string;
    /** distinct statements in pg_stat_statements that name it */
    statements: number;
    /** their calls since the statistics were last reset */
    calls: number;
    /** when the statistics were last reset (ISO 8601), when the server says */
    since?: string;
    /** the most called one, as Postgres normalised it (constants as $n), comments dropped, shortened */
    example?: string;
  };
}

/** Where the evidence of a report came from (`check --code`, `check --db`). */
export interface EvidenceSources {
  code?: {
    dirs: string[];
    /** source files searched */
    files: number;
    /** ripgrep when installed, else the built-in scanner (same results) */
    searcher: "ripgrep" | "builtin";
    /** configured directories that do not exist (not searched) */
    missing?: string[];
  };
  queries?: {
    /** pg_stat_statements could be read */
    available: boolean;
    /** when its statistics were last reset (ISO 8601), when the server says */
    since?: string;
    /** why it could not be read */
    note?: string;
    /** how to make it readable */
    hint?: string;
  };
}

export interface Estimate {
  rows?: number;
  bytes?: number;
  seconds?: number;
}

export interface StatementReport {
  index: number;
  /** 1-based, pointing at the statement's first token (not leading comments) */
  line: number;
  /** 1-based, in characters */
  column: number;
  sql: string;
  /** the statement's command in kebab-case, e.g. alter-table, create-index */
  kind: string;
  /** false for statements that cannot run in a transaction block */
  transactional: boolean;
  risk: Risk;
  locks: StatementLock[];
  rewrites: string[];
  findings: Finding[];
  estimate?: Estimate;
  /** whether the statement runs inside a transaction block (layout + explicit BEGIN/COMMIT) */
  inTransaction?: boolean;
  /** why the risk is what it is: one line per relation that raised it */
  riskReasons?: string[];
}

export interface AnalysisError {
  /** syntax-error | invalid-utf8 | binary-file | not-found | too-large | ... */
  code: string;
  message: string;
  line?: number;
  column?: number;
}

export type Recoverability = "clean" | "inverse" | "data-loss" | "unrecoverable";

export interface RollbackEntry {
  statement: number;
  sql: string;
  recoverability: Recoverability;
  /** null when not verified (plain `check`), true/false after verification on a shadow database */
  verified: boolean | null;
  note?: string;
  /** after verification: how the schema after migration + rollback differs from before (empty when verified) */
  diff?: CatalogChange[];
}

/** One difference between two catalog states; `object` reads like "column public.users.email". */
export interface CatalogChange {
  object: string;
  change: "added" | "removed" | "changed";
  before?: string;
  after?: string;
}

/** A down file (golang-migrate .down.sql, diesel down.sql, Flyway U file, dbmate migrate:down), verified on a shadow. */
export interface DownFileCheck {
  path: string;
  /** true: up then down restores the schema; false: see diff; null: could not verify */
  verified: boolean | null;
  diff: CatalogChange[];
  /** statements of the down file that destroy data */
  destroys: Array<{ statement: number; sql: string; note: string }>;
  note?: string;
}

export interface FileReport {
  /** as given by the user; "-" for stdin */
  path: string;
  risk: Risk;
  statements: StatementReport[];
  errors: AnalysisError[];
  rollback?: RollbackEntry[];
  /** `check --verify-rollback`: the migration's down file, verified */
  down?: DownFileCheck;
  /** detected migration layout (golang-migrate, flyway, diesel, prisma, drizzle, dbmate, synapse, popx, plain) */
  layout?: string;
  /** what had to be assumed about the schema and sizes (no --db / --schema) */
  assumptions?: string[];
}

export interface CheckReport {
  version: 1;
  files: FileReport[];
  /** a backfill spec checked in Slack (`/migrate backfill`): files is empty */
  backfill?: BackfillCheck;
  /** present when the application's code or the database's query statistics were searched */
  evidence?: EvidenceSources;
}

export interface BackfillCheck {
  spec_path: string;
  table: string;
  set: string[];
  where?: string;
  /** rows the WHERE selects now, estimated from the target (null without a connection) */
  estimated_rows: number | null;
  batch_size: number | "auto";
  target_batch_ms?: number;
  max_rows_per_s?: number;
  workers: number;
  risk: Risk;
}

/* ------------------------------------------------------------------------------------------ */
/* Schema context: what the analyzer knows about the database before the migration runs.      */
/* Produced by live catalog introspection (--db), by replaying --schema on a shadow database, */
/* or from the statements seen so far. Relation keys are schema-qualified ("public.users").    */
/* ------------------------------------------------------------------------------------------ */

export type RelationKind =
  | "table"
  | "partitioned-table"
  | "view"
  | "materialized-view"
  | "sequence"
  | "foreign-table"
  | "index"
  | "partitioned-index"
  | "composite-type";

export interface ColumnInfo {
  name: string;
  /** format_type() text, e.g. "character varying(20)", "numeric(10,2)", "public.mood" */
  type: string;
  /** type's schema-qualified name without modifiers, e.g. "pg_catalog.varchar", "public.mood" */
  typeName: string;
  /** typmod as Postgres stores it (-1 when none) */
  typmod: number;
  notNull: boolean;
  /** pg_get_expr of the default, if any */
  default?: string;
  identity?: "always" | "by-default";
  generated?: "stored" | "virtual";
  /** the generation expression of a generated column */
  generationExpression?: string;
  /** an explicit collation that differs from the type's default */
  collation?: string;
}

export interface ConstraintInfo {
  name: string;
  /** p primary key, u unique, f foreign key, c check, x exclusion, n not-null (PG 18 catalogs them) */
  type: "p" | "u" | "f" | "c" | "x" | "n";
  columns: string[];
  validated: boolean;
  /** pg_get_constraintdef() */
  definition: string;
  /** for foreign keys: the referenced relation, schema-qualified */
  references?: string;
  /** the index that backs a p/u/x constraint */
  index?: string;
  /** foreign keys: the referenced columns, in order */
  referencedColumns?: string[];
  /** foreign keys: what deleting / updating a referenced row does (absent: no action) */
  onDelete?: FkAction;
  onUpdate?: FkAction;
  /** foreign keys: MATCH FULL (absent: MATCH SIMPLE) */
  matchFull?: boolean;
  /** DEFERRABLE INITIALLY DEFERRED: checked at COMMIT (still in the migration's transaction) */
  initiallyDeferred?: boolean;
  /**
   * foreign keys: Postgres' copy of a foreign key for one partition of a partitioned referenced
   * table; it carries the actions on that partition, while the check is the original key's
   */
  forReferencedPartition?: boolean;
  /**
   * inherited from a parent table's constraint (legacy inheritance), or a copy Postgres made of a
   * partitioned table's foreign key (on each partition, and towards each partition of a
   * partitioned referenced table): it goes when its parent constraint goes
   */
  inherited?: boolean;
  /** DEFERRABLE (foreign keys, unique, primary keys, exclusions) */
  deferrable?: boolean;
  /** NOT ENFORCED (PG 18): no triggers, nothing checked */
  notEnforced?: boolean;
  /** NO INHERIT (checks, not-null): children of legacy inheritance do not get it */
  noInherit?: boolean;
}

export type FkAction = "no action" | "restrict" | "cascade" | "set null" | "set default";

/** A user trigger (not the internal ones behind foreign keys). */
export interface TriggerInfo {
  name: string;
  /** the function it executes, schema-qualified */
  function: string;
  timing: "before" | "after" | "instead";
  level: "row" | "statement";
  events: Array<"insert" | "update" | "delete" | "truncate">;
  /** UPDATE OF columns */
  columns?: string[];
  /** the WHEN condition */
  when?: string;
  /** pg_trigger.tgenabled: O fires unless session_replication_role = replica, D never, R only in replica, A always */
  enabled: "O" | "D" | "R" | "A";
}

/** An event trigger: a function run for DDL commands, database-wide. */
export interface EventTriggerInfo {
  name: string;
  /** ddl_command_start | ddl_command_end | sql_drop | table_rewrite | login */
  event: string;
  /** WHEN TAG IN (...): command tags, upper-case ("ALTER TABLE"); absent: every command */
  tags?: string[];
  /** the function, schema-qualified */
  function: string;
  enabled: "O" | "D" | "R" | "A";
}

/** A rewrite rule other than a view's _RETURN. */
export interface RuleInfo {
  name: string;
  event: "insert" | "update" | "delete" | "select";
  instead: boolean;
  /** the rule has a WHERE condition */
  conditional?: boolean;
  /** pg_rewrite.ev_enabled, like TriggerInfo.enabled */
  enabled: "O" | "D" | "R" | "A";
  /** CREATE RULE text (pg_get_ruledef or the migration's statement) */
  definition: string;
}

/** A function or procedure of the user's schemas. */
export interface RoutineInfo {
  kind: "function" | "procedure";
  language: string;
  /** input arguments, defaults included */
  args: number;
  /** CREATE FUNCTION text (pg_get_functiondef or the migration's statement); absent for C and internal functions */
  definition?: string;
}

export interface IndexInfo {
  name: string;
  /** schema-qualified index name */
  qualifiedName: string;
  columns: string[];
  unique: boolean;
  primary: boolean;
  valid: boolean;
  partial: boolean;
  /** pg_get_indexdef() */
  definition: string;
}

export interface TableStats {
  seqScan: number;
  idxScan: number;
  inserts: number;
  updates: number;
  deletes: number;
  liveTuples: number;
  /**
   * Seconds these cumulative counters cover: since the database's stats_reset, else since the
   * server started (counters kept across a clean restart make that a lower bound, so traffic errs
   * busy). Absent in snapshots that did not come from a live catalog.
   */
  windowSeconds?: number;
}

export interface RelationInfo {
  schema: string;
  name: string;
  kind: RelationKind;
  columns: ColumnInfo[];
  constraints: ConstraintInfo[];
  indexes: IndexInfo[];
  /** partition parent (schema-qualified) when this relation is a partition */
  parent?: string;
  /** this partition is its parent's DEFAULT partition */
  defaultPartition?: boolean;
  partitions?: string[];
  /** legacy inheritance (INHERITS): the parent tables, schema-qualified */
  inherits?: string[];
  /** legacy inheritance: the tables that inherit from this one directly, schema-qualified */
  children?: string[];
  /** tables and materialized views: the table access method, when not heap */
  accessMethod?: string;
  /** typed tables (CREATE TABLE ... OF type): the composite type, schema-qualified */
  ofType?: string;
  /** partitioned tables: names of their row-level user triggers (cloned to every partition) */
  partitionTriggers?: string[];
  /** for views and materialized views: the relations their query reads (schema-qualified) */
  reads?: string[];
  /** for views and materialized views: the columns each read relation's query uses (from pg_depend) */
  readColumns?: Record<string, string[]>;
  /** for views and materialized views: pg_get_viewdef() */
  viewDefinition?: string;
  /** for views created by the statements seen: the relations named directly in the query's FROM (see StatementSummary.from) */
  viewFrom?: string[];
  /** tables whose foreign keys reference this relation (schema-qualified, sorted) */
  referencedBy?: string[];
  /** partitioned tables: pg_get_partkeydef(), e.g. "RANGE (created_at)" */
  partitionKey?: string;
  /** partitions: the bound, e.g. "FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')" */
  partitionBound?: string;
  /** for tables owning an index: the table this index is on (kind index) */
  table?: string;
  /** reltuples estimate */
  rows?: number;
  /** pg_total_relation_size */
  bytes?: number;
  /** pg_stat_user_tables */
  stats?: TableStats;
  /** created earlier in the same migration: new and empty */
  isNew?: boolean;
  /** user triggers (on partitioned tables: those their partitions inherit too) */
  triggers?: TriggerInfo[];
  /** rewrite rules other than a view's _RETURN */
  rules?: RuleInfo[];
  /** ALTER TABLE ... DISABLE TRIGGER ALL: the foreign-key triggers on this table are disabled too */
  fkTriggersDisabled?: boolean;
  persistence?: "permanent" | "unlogged" | "temporary";
}

export interface TypeInfo {
  schema: string;
  name: string;
  kind: "domain" | "enum" | "composite" | "range" | "base";
  /** domains: the base type (schema-qualified name) */
  baseType?: string;
  /** domains: CHECK constraint definitions */
  checks?: string[];
  /** domains: NOT NULL */
  notNull?: boolean;
  /** enums: labels in order */
  labels?: string[];
  /** domains: the base type as format_type() shows it, e.g. "character varying(20)" */
  baseTypeFormatted?: string;
  /** domains: the default expression */
  default?: string;
  /** composites: attribute names and format_type() types; ranges: the subtype */
  attributes?: Array<{ name: string; type: string }>;
  subtype?: string;
}

export interface SchemaSnapshot {
  source: "catalog" | "replay" | "statements";
  /** server_version_num, when known */
  serverVersion?: number;
  relations: Record<string, RelationInfo>;
  types: Record<string, TypeInfo>;
  /** what had to be assumed (shown to the user) */
  assumptions: string[];
  /** binary-coercible casts (pg_cast castmethod 'b') as "pg_catalog.text>public.citext", when read from a catalog */
  binaryCasts?: string[];
  /**
   * What DROP ... CASCADE of a function, sequence or type reaches, when read from a catalog:
   * "function public.touch_updated_at" / "sequence public.order_seq" / "type app.status" -> the
   * relations (sorted) whose defaults, triggers, constraints, indexes, policies, columns or view
   * queries depend on it.
   */
  dependents?: Record<string, string[]>;
  /** functions and procedures of the user's schemas: "app.touch" -> its overloads */
  routines?: Record<string, RoutineInfo[]>;
  /** event triggers of the database */
  eventTriggers?: EventTriggerInfo[];
  /** extended statistics objects (schema-qualified) -> the table they are on */
  statistics?: Record<string, string>;
  /** publications -> the tables they name (FOR TABLE), schema-qualified and sorted */
  publications?: Record<string, string[]>;
  /** default_table_access_method when it is not heap */
  defaultAccessMethod?: string;
}
