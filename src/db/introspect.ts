import type pg from "pg";
import type {
  ColumnInfo,
  EventTriggerInfo,
  ConstraintInfo,
  FkAction,
  IndexInfo,
  RelationInfo,
  RelationKind,
  RoutineInfo,
  RuleInfo,
  SchemaSnapshot,
  TableStats,
  TriggerInfo,
  TypeInfo,
} from "../analyze/types.js";
import { USER_NAMESPACE, notExtensionMember, withQualifiedNames } from "./catalog-sql.js";

/**
 * Read the schema context from a live catalog, read-only: a handful of set-based queries
 * (no per-table round trips), each filtered to the user's schemas. Works with a login that has
 * only pg_read_all_data + pg_read_all_stats and default_transaction_read_only = on.
 */
export async function introspect(client: pg.ClientBase, opts: { schemas?: string[] } = {}): Promise<SchemaSnapshot> {
  return withQualifiedNames(client, () => readCatalog(client, opts.schemas ?? null));
}

/**
 * Only the relations (with their columns, constraints and indexes) and the types: the shapes that a
 * rollback verification compares before and after (plan/catalog-diff.ts), in 5 queries instead of ~25.
 * The same values as introspect() gives for them.
 */
export async function introspectShapes(client: pg.ClientBase): Promise<Pick<SchemaSnapshot, "relations" | "types">> {
  return withQualifiedNames(client, async () => {
    const { relations } = await readShapes(client, null);
    return { relations, types: await readTypes(client, [null]) };
  });
}

async function readTypes(client: pg.ClientBase, params: unknown[]): Promise<Record<string, TypeInfo>> {
  const types: Record<string, TypeInfo> = {};
  for (const t of (await client.query<TypeRow>(TYPES_SQL, params)).rows) types[qualified(t.nspname, t.typname)] = typeInfo(t);
  return types;
}

/** relations with their columns, constraints and indexes */
async function readShapes(client: pg.ClientBase, schemas: string[] | null): Promise<{ relations: Record<string, RelationInfo>; byOid: Map<number, RelationInfo> }> {
  const params = [schemas];
  const q = async <T extends pg.QueryResultRow>(sql: string) => (await client.query<T>(sql, params)).rows;
  const relations: Record<string, RelationInfo> = {};
  const byOid = new Map<number, RelationInfo>();

  for (const r of await q<RelationRow>(RELATIONS_SQL)) {
    const info: RelationInfo = { schema: r.nspname, name: r.relname, kind: RELKINDS[r.relkind]!, columns: [], constraints: [], indexes: [] };
    info.persistence = r.persistence;
    if (r.reltuples !== null && r.reltuples >= 0 && HAS_STORAGE.has(info.kind)) info.rows = Number(r.reltuples);
    if (r.bytes !== null) info.bytes = Number(r.bytes);
    if (r.parent) info.parent = r.parent;
    if (r.partition_key) info.partitionKey = r.partition_key;
    if (r.partition_bound) info.partitionBound = r.partition_bound;
    if (r.view_definition) info.viewDefinition = r.view_definition;
    if (r.index_table) info.table = r.index_table;
    if (r.access_method) info.accessMethod = r.access_method;
    if (r.of_type) info.ofType = r.of_type;
    relations[qualified(r.nspname, r.relname)] = info;
    byOid.set(r.oid, info);
  }

  for (const c of await q<ColumnRow>(COLUMNS_SQL)) {
    const col: ColumnInfo = { name: c.attname, type: c.type, typeName: c.type_name, typmod: c.atttypmod, notNull: c.attnotnull };
    if (c.default_expr !== null && c.attgenerated === "") col.default = c.default_expr;
    if (c.attidentity === "a") col.identity = "always";
    if (c.attidentity === "d") col.identity = "by-default";
    if (c.attgenerated === "s") col.generated = "stored";
    if (c.attgenerated === "v") col.generated = "virtual";
    if (c.attgenerated !== "" && c.default_expr !== null) col.generationExpression = c.default_expr;
    if (c.collation) col.collation = c.collation;
    byOid.get(c.attrelid)?.columns.push(col);
  }

  for (const c of await q<ConstraintRow>(CONSTRAINTS_SQL)) {
    const con: ConstraintInfo = { name: c.conname, type: c.contype, columns: c.columns ?? [], validated: c.convalidated, definition: c.definition };
    if (c.references) {
      con.references = c.references;
      if (c.referenced_columns) con.referencedColumns = c.referenced_columns;
      if (c.confdeltype !== "a") con.onDelete = FK_ACTIONS[c.confdeltype]!;
      if (c.confupdtype !== "a") con.onUpdate = FK_ACTIONS[c.confupdtype]!;
      if (c.confmatchtype === "f") con.matchFull = true;
      if (c.for_referenced_partition) con.forReferencedPartition = true;
    }
    if (c.index) con.index = c.index;
    if (c.inherited) con.inherited = true;
    if (c.condeferrable) con.deferrable = true;
    if (c.condeferred) con.initiallyDeferred = true;
    if (c.not_enforced) con.notEnforced = true;
    if (c.connoinherit) con.noInherit = true;
    const rel = byOid.get(c.conrelid);
    if (!rel) continue;
    rel.constraints.push(con);
    if (c.references) {
      const target = relations[c.references];
      if (target) target.referencedBy = [...new Set([...(target.referencedBy ?? []), qualified(rel.schema, rel.name)])].sort();
    }
  }

  for (const i of await q<IndexRow>(INDEXES_SQL)) {
    const idx: IndexInfo = {
      name: i.relname,
      qualifiedName: qualified(i.nspname, i.relname),
      columns: i.columns ?? [],
      unique: i.indisunique,
      primary: i.indisprimary,
      valid: i.indisvalid,
      partial: i.partial,
      definition: i.definition,
    };
    byOid.get(i.indrelid)?.indexes.push(idx);
  }

  return { relations, byOid };
}

async function readCatalog(client: pg.ClientBase, schemas: string[] | null): Promise<SchemaSnapshot> {
  const params = [schemas];
  const q = async <T extends pg.QueryResultRow>(sql: string) => (await client.query<T>(sql, params)).rows;

  const version = (await client.query<{ v: string }>("SELECT current_setting('server_version_num') AS v")).rows[0]!.v;
  const { relations, byOid } = await readShapes(client, schemas);

  for (const p of await q<{ parent_oid: number; parent: string; child_oid: number; child: string; partition: boolean }>(INHERITS_SQL)) {
    const parent = byOid.get(p.parent_oid);
    if (p.partition) {
      if (parent) parent.partitions = [...(parent.partitions ?? []), p.child];
      continue;
    }
    if (parent) parent.children = [...(parent.children ?? []), p.child];
    const child = byOid.get(p.child_oid);
    if (child) child.inherits = [...(child.inherits ?? []), p.parent];
  }

  for (const t of await q<{ relid: number; names: string[] }>(PARTITION_TRIGGERS_SQL)) {
    const rel = byOid.get(t.relid);
    if (rel) rel.partitionTriggers = t.names;
  }

  for (const v of await q<{ view_oid: number; reads: string[] }>(VIEW_READS_SQL)) {
    const view = byOid.get(v.view_oid);
    if (view) {
      view.reads = v.reads;
      view.readColumns = {}; // filled below: a read relation without an entry has none of its columns used
    }
  }

  for (const v of await q<{ view_oid: number; relation: string; columns: string[] }>(VIEW_COLUMNS_SQL)) {
    const view = byOid.get(v.view_oid);
    if (view) (view.readColumns ??= {})[v.relation] = v.columns;
  }

  for (const t of await q<TriggerRow>(TRIGGERS_SQL)) {
    const rel = byOid.get(t.relid);
    if (rel) (rel.triggers ??= []).push(triggerInfo(t));
  }

  for (const { relid } of await q<{ relid: number }>(DISABLED_FK_TRIGGERS_SQL)) {
    const rel = byOid.get(relid);
    if (rel) rel.fkTriggersDisabled = true;
  }

  for (const r of await q<RuleRow>(RULES_SQL)) {
    const rel = byOid.get(r.relid);
    const event = RULE_EVENTS[r.ev_type];
    if (rel && event) (rel.rules ??= []).push({ name: r.rulename, event, instead: r.is_instead, ...(r.conditional ? { conditional: true } : {}), enabled: r.ev_enabled, definition: r.definition });
  }

  const routines: Record<string, RoutineInfo[]> = {};
  for (const r of await q<RoutineRow>(ROUTINES_SQL)) {
    const info: RoutineInfo = { kind: r.prokind === "p" ? "procedure" : "function", language: r.lanname, args: r.args };
    if (r.definition) info.definition = r.definition;
    (routines[qualified(r.nspname, r.proname)] ??= []).push(info);
  }

  const eventTriggers = (await client.query<EventTriggerInfo>(EVENT_TRIGGERS_SQL)).rows.map(({ tags, ...t }) => ({ ...t, ...(tags ? { tags } : {}) }));

  const dependents: Record<string, string[]> = {};
  for (const d of await q<{ ref: string; relations: string[] }>(DEPENDENTS_SQL)) dependents[d.ref] = d.relations;

  const statsWindow = (await client.query<{ seconds: number }>(STATS_WINDOW_SQL)).rows[0]?.seconds;
  for (const s of await q<StatsRow>(STATS_SQL)) {
    const rel = byOid.get(s.relid);
    if (!rel) continue;
    const stats: TableStats = {
      seqScan: Number(s.seq_scan ?? 0),
      idxScan: Number(s.idx_scan ?? 0),
      inserts: Number(s.n_tup_ins ?? 0),
      updates: Number(s.n_tup_upd ?? 0),
      deletes: Number(s.n_tup_del ?? 0),
      liveTuples: Number(s.n_live_tup ?? 0),
    };
    if (statsWindow !== undefined && statsWindow !== null) stats.windowSeconds = Number(statsWindow);
    rel.stats = stats;
  }

  const types = await readTypes(client, params);

  const binaryCasts = (await client.query<{ cast: string }>(BINARY_CASTS_SQL)).rows.map((r) => r.cast);

  const statistics: Record<string, string> = {};
  for (const st of await q<{ name: string; table: string }>(STATISTICS_SQL)) statistics[st.name] = st.table;
  const publications: Record<string, string[]> = {};
  for (const p of (await client.query<{ pubname: string; tables: string[] }>(PUBLICATIONS_SQL)).rows) publications[p.pubname] = p.tables;
  const defaultAm = (await client.query<{ am: string }>("SELECT current_setting('default_table_access_method') AS am")).rows[0]!.am;

  return {
    source: "catalog",
    serverVersion: Number(version),
    relations,
    types,
    assumptions: [],
    binaryCasts,
    dependents,
    routines,
    eventTriggers,
    statistics,
    publications,
    ...(defaultAm !== "heap" ? { defaultAccessMethod: defaultAm } : {}),
  };
}

export function qualified(schema: string, name: string): string {
  return `${schema}.${name}`;
}

const RELKINDS: Record<string, RelationKind> = {
  r: "table",
  p: "partitioned-table",
  v: "view",
  m: "materialized-view",
  S: "sequence",
  f: "foreign-table",
  i: "index",
  I: "partitioned-index",
};
const HAS_STORAGE = new Set<RelationKind>(["table", "materialized-view", "index"]);

function typeInfo(t: TypeRow): TypeInfo {
  const info: TypeInfo = { schema: t.nspname, name: t.typname, kind: t.kind };
  if (t.kind === "domain") {
    info.baseType = t.base_type!;
    info.baseTypeFormatted = t.base_type_formatted!;
    info.checks = t.checks ?? [];
    info.notNull = t.typnotnull;
    if (t.typdefault !== null) info.default = t.typdefault;
  }
  if (t.kind === "enum") info.labels = t.labels ?? [];
  if (t.kind === "composite") info.attributes = t.attributes ?? [];
  if (t.kind === "range") info.subtype = t.subtype!;
  return info;
}

const RELS_CTE = `rels AS (
  SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r','p','v','m','S','f','i','I') AND ${USER_NAMESPACE})`;

interface RelationRow {
  oid: number;
  nspname: string;
  relname: string;
  relkind: string;
  persistence: "permanent" | "unlogged" | "temporary";
  reltuples: number | null;
  bytes: string | null;
  parent: string | null;
  partition_key: string | null;
  partition_bound: string | null;
  view_definition: string | null;
  index_table: string | null;
  access_method: string | null;
  of_type: string | null;
}
const RELATIONS_SQL = `
SELECT c.oid::int AS oid, n.nspname, c.relname, c.relkind::text AS relkind,
  CASE c.relpersistence WHEN 'u' THEN 'unlogged' WHEN 't' THEN 'temporary' ELSE 'permanent' END AS persistence,
  c.reltuples::float8 AS reltuples,
  CASE WHEN c.relkind IN ('r','m','p','S','i','I') THEN pg_total_relation_size(c.oid) END AS bytes,
  (SELECT pn.nspname || '.' || pc.relname FROM pg_inherits i JOIN pg_class pc ON pc.oid = i.inhparent
     JOIN pg_namespace pn ON pn.oid = pc.relnamespace WHERE i.inhrelid = c.oid AND c.relispartition) AS parent,
  CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS partition_key,
  CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END AS partition_bound,
  CASE WHEN c.relkind IN ('v','m') THEN pg_get_viewdef(c.oid) END AS view_definition,
  (SELECT tn.nspname || '.' || t.relname FROM pg_index x JOIN pg_class t ON t.oid = x.indrelid
     JOIN pg_namespace tn ON tn.oid = t.relnamespace WHERE x.indexrelid = c.oid) AS index_table,
  (SELECT am.amname FROM pg_am am WHERE am.oid = c.relam AND c.relkind IN ('r','m') AND am.amname <> 'heap') AS access_method,
  (SELECT yn.nspname || '.' || y.typname FROM pg_type y JOIN pg_namespace yn ON yn.oid = y.typnamespace WHERE y.oid = c.reloftype) AS of_type
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r','p','v','m','S','f','i','I') AND ${USER_NAMESPACE}
ORDER BY n.nspname, c.relname`;

interface ColumnRow {
  attrelid: number;
  attname: string;
  type: string;
  type_name: string;
  atttypmod: number;
  attnotnull: boolean;
  default_expr: string | null;
  attidentity: string;
  attgenerated: string;
  collation: string | null;
}
const COLUMNS_SQL = `
WITH ${RELS_CTE}
SELECT a.attrelid::int AS attrelid, a.attname, format_type(a.atttypid, a.atttypmod) AS type,
  tn.nspname || '.' || t.typname AS type_name, a.atttypmod, a.attnotnull,
  pg_get_expr(d.adbin, d.adrelid) AS default_expr, a.attidentity::text AS attidentity, a.attgenerated::text AS attgenerated,
  CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation
    THEN CASE WHEN cn.nspname = 'pg_catalog' THEN quote_ident(co.collname) ELSE quote_ident(cn.nspname) || '.' || quote_ident(co.collname) END
  END AS collation
FROM pg_attribute a
JOIN rels ON rels.oid = a.attrelid
JOIN pg_type t ON t.oid = a.atttypid
JOIN pg_namespace tn ON tn.oid = t.typnamespace
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
LEFT JOIN pg_collation co ON co.oid = a.attcollation
LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace
WHERE a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum`;

interface ConstraintRow {
  conrelid: number;
  conname: string;
  contype: ConstraintInfo["type"];
  columns: string[] | null;
  convalidated: boolean;
  definition: string;
  references: string | null;
  referenced_columns: string[] | null;
  confdeltype: string;
  confupdtype: string;
  confmatchtype: string;
  for_referenced_partition: boolean;
  index: string | null;
  inherited: boolean;
  condeferrable: boolean;
  condeferred: boolean;
  not_enforced: boolean;
  connoinherit: boolean;
}
const FK_ACTIONS: Record<string, FkAction> = { a: "no action", r: "restrict", c: "cascade", n: "set null", d: "set default" };
const CONSTRAINTS_SQL = `
WITH ${RELS_CTE}
SELECT con.conrelid::int AS conrelid, con.conname, con.contype::text AS contype,
  (SELECT array_agg(a.attname::text ORDER BY k.ord) FROM unnest(con.conkey) WITH ORDINALITY k(attnum, ord)
     JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum) AS columns,
  con.convalidated, pg_get_constraintdef(con.oid) AS definition,
  CASE WHEN con.contype = 'f' THEN (SELECT fn.nspname || '.' || f.relname FROM pg_class f
     JOIN pg_namespace fn ON fn.oid = f.relnamespace WHERE f.oid = con.confrelid) END AS "references",
  (SELECT array_agg(a.attname::text ORDER BY k.ord) FROM unnest(con.confkey) WITH ORDINALITY k(attnum, ord)
     JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum) AS referenced_columns,
  con.confdeltype::text AS confdeltype, con.confupdtype::text AS confupdtype, con.confmatchtype::text AS confmatchtype,
  con.conparentid <> 0 AND EXISTS (SELECT 1 FROM pg_constraint p WHERE p.oid = con.conparentid AND p.conrelid = con.conrelid) AS for_referenced_partition,
  CASE WHEN con.contype IN ('p','u','x') AND con.conindid <> 0 THEN (SELECT i.relname FROM pg_class i WHERE i.oid = con.conindid) END AS index,
  con.conparentid <> 0 OR NOT con.conislocal AS inherited,
  con.condeferrable, con.condeferred, con.connoinherit,
  (to_jsonb(con) ->> 'conenforced') = 'false' AS not_enforced
FROM pg_constraint con
JOIN rels ON rels.oid = con.conrelid
ORDER BY con.conrelid, con.conname`;

interface IndexRow {
  indrelid: number;
  nspname: string;
  relname: string;
  columns: string[] | null;
  indisunique: boolean;
  indisprimary: boolean;
  indisvalid: boolean;
  partial: boolean;
  definition: string;
}
const INDEXES_SQL = `
WITH ${RELS_CTE}
SELECT x.indrelid::int AS indrelid, n.nspname, ic.relname,
  (SELECT array_agg(pg_get_indexdef(x.indexrelid, k, true) ORDER BY k) FROM generate_series(1, x.indnkeyatts) k) AS columns,
  x.indisunique, x.indisprimary, x.indisvalid, x.indpred IS NOT NULL AS partial,
  pg_get_indexdef(x.indexrelid) AS definition
FROM pg_index x
JOIN rels ON rels.oid = x.indrelid
JOIN pg_class ic ON ic.oid = x.indexrelid
JOIN pg_namespace n ON n.oid = ic.relnamespace
ORDER BY x.indrelid, ic.relname`;

/** Partitions of partitioned tables, and the parents and children of legacy inheritance (INHERITS). */
const INHERITS_SQL = `
WITH ${RELS_CTE}
SELECT i.inhparent::int AS parent_oid, pn.nspname || '.' || p.relname AS parent,
  i.inhrelid::int AS child_oid, n.nspname || '.' || c.relname AS child, c.relispartition AS partition
FROM pg_inherits i
JOIN rels ON rels.oid = i.inhparent
JOIN pg_class p ON p.oid = i.inhparent AND p.relkind IN ('r','p','f','I')
JOIN pg_namespace pn ON pn.oid = p.relnamespace
JOIN pg_class c ON c.oid = i.inhrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
ORDER BY i.inhparent, n.nspname || '.' || c.relname, i.inhseqno`;

/** Row-level user triggers of partitioned tables: Postgres clones them onto every partition. */
const PARTITION_TRIGGERS_SQL = `
WITH ${RELS_CTE}
SELECT tg.tgrelid::int AS relid, array_agg(tg.tgname::text ORDER BY tg.tgname) AS names
FROM pg_trigger tg
JOIN rels ON rels.oid = tg.tgrelid
JOIN pg_class c ON c.oid = tg.tgrelid AND c.relkind = 'p'
WHERE NOT tg.tgisinternal AND (tg.tgtype & 1) = 1
GROUP BY tg.tgrelid`;

/** Extended statistics objects and the table each is on. */
const STATISTICS_SQL = `
SELECT n.nspname || '.' || s.stxname AS name, tn.nspname || '.' || t.relname AS table
FROM pg_statistic_ext s
JOIN pg_namespace n ON n.oid = s.stxnamespace
JOIN pg_class t ON t.oid = s.stxrelid
JOIN pg_namespace tn ON tn.oid = t.relnamespace
WHERE ${USER_NAMESPACE}
ORDER BY 1`;

/** Every publication with the tables it names (FOR TABLE ...), whatever their schema. */
const PUBLICATIONS_SQL = `
SELECT p.pubname, COALESCE(array_agg(n.nspname || '.' || c.relname ORDER BY n.nspname || '.' || c.relname) FILTER (WHERE c.oid IS NOT NULL), '{}') AS tables
FROM pg_publication p
LEFT JOIN pg_publication_rel pr ON pr.prpubid = p.oid
LEFT JOIN pg_class c ON c.oid = pr.prrelid
LEFT JOIN pg_namespace n ON n.oid = c.relnamespace
GROUP BY p.pubname
ORDER BY 1`;

/** The relations a view's rewrite rule depends on: what its query reads (direct, not transitive). */
const VIEW_READS_SQL = `
WITH ${RELS_CTE}
SELECT r.ev_class::int AS view_oid, array_agg(DISTINCT n.nspname || '.' || c.relname ORDER BY n.nspname || '.' || c.relname) AS reads
FROM pg_rewrite r
JOIN rels ON rels.oid = r.ev_class
JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid AND d.refclassid = 'pg_class'::regclass AND d.refobjid <> r.ev_class
JOIN pg_class c ON c.oid = d.refobjid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE r.rulename = '_RETURN'
GROUP BY r.ev_class`;

/** Per view and read relation, the columns its query uses (what DROP COLUMN ... CASCADE reaches). */
const VIEW_COLUMNS_SQL = `
WITH ${RELS_CTE}
SELECT r.ev_class::int AS view_oid, n.nspname || '.' || c.relname AS relation, array_agg(DISTINCT a.attname::text ORDER BY a.attname::text) AS columns
FROM pg_rewrite r
JOIN rels ON rels.oid = r.ev_class
JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid AND d.refclassid = 'pg_class'::regclass AND d.refobjid <> r.ev_class AND d.refobjsubid > 0
JOIN pg_class c ON c.oid = d.refobjid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
WHERE r.rulename = '_RETURN'
GROUP BY r.ev_class, n.nspname, c.relname`;

interface TriggerRow {
  relid: number;
  tgname: string;
  function: string;
  tgtype: number;
  tgenabled: TriggerInfo["enabled"];
  columns: string[] | null;
  definition: string;
}
/** User triggers; those a partition inherits (tgparentid) are read on their partitioned table. */
const TRIGGERS_SQL = `
WITH ${RELS_CTE}
SELECT t.tgrelid::int AS relid, t.tgname, pn.nspname || '.' || p.proname AS function, t.tgtype::int AS tgtype, t.tgenabled::text AS tgenabled,
  (SELECT array_agg(a.attname::text ORDER BY k.ord) FROM unnest(t.tgattr::int2[]) WITH ORDINALITY k(attnum, ord)
     JOIN pg_attribute a ON a.attrelid = t.tgrelid AND a.attnum = k.attnum) AS columns,
  pg_get_triggerdef(t.oid) AS definition
FROM pg_trigger t
JOIN rels ON rels.oid = t.tgrelid
JOIN pg_proc p ON p.oid = t.tgfoid
JOIN pg_namespace pn ON pn.oid = p.pronamespace
WHERE NOT t.tgisinternal AND t.tgparentid = 0
ORDER BY t.tgrelid, t.tgname`;

/** Tables whose foreign-key triggers were disabled (ALTER TABLE ... DISABLE TRIGGER ALL). */
const DISABLED_FK_TRIGGERS_SQL = `
WITH ${RELS_CTE}
SELECT DISTINCT t.tgrelid::int AS relid FROM pg_trigger t JOIN rels ON rels.oid = t.tgrelid
WHERE t.tgisinternal AND t.tgconstraint <> 0 AND t.tgenabled = 'D'`;

/** pg_trigger.tgtype bits (TRIGGER_TYPE_*) */
const ROW = 1;
const BEFORE = 2;
const INSTEAD = 64;
const TRIGGER_EVENTS: Array<[number, TriggerInfo["events"][number]]> = [[4, "insert"], [8, "delete"], [16, "update"], [32, "truncate"]];

function triggerInfo(t: TriggerRow): TriggerInfo {
  const info: TriggerInfo = {
    name: t.tgname,
    function: t.function,
    timing: t.tgtype & INSTEAD ? "instead" : t.tgtype & BEFORE ? "before" : "after",
    level: t.tgtype & ROW ? "row" : "statement",
    events: TRIGGER_EVENTS.filter(([bit]) => (t.tgtype & bit) !== 0).map(([, e]) => e),
    enabled: t.tgenabled,
  };
  if (t.columns?.length) info.columns = t.columns;
  // pg_get_triggerdef: "... FOR EACH ROW WHEN ((new.qty < 0)) EXECUTE FUNCTION ..."
  const when = / WHEN \((.*)\) EXECUTE (?:FUNCTION|PROCEDURE) /s.exec(t.definition);
  if (when) info.when = when[1]!;
  return info;
}

interface RuleRow {
  relid: number;
  rulename: string;
  ev_type: string;
  is_instead: boolean;
  conditional: boolean;
  ev_enabled: RuleInfo["enabled"];
  definition: string;
}
const RULE_EVENTS: Record<string, RuleInfo["event"]> = { "1": "select", "2": "update", "3": "insert", "4": "delete" };
const RULES_SQL = `
WITH ${RELS_CTE}
SELECT r.ev_class::int AS relid, r.rulename, r.ev_type::text AS ev_type, r.is_instead, r.ev_qual::text <> '<>' AS conditional,
  r.ev_enabled::text AS ev_enabled, pg_get_ruledef(r.oid) AS definition
FROM pg_rewrite r
JOIN rels ON rels.oid = r.ev_class
WHERE r.rulename <> '_RETURN'
ORDER BY r.ev_class, r.rulename`;

interface RoutineRow {
  nspname: string;
  proname: string;
  prokind: string;
  lanname: string;
  args: number;
  definition: string | null;
}
/** Functions and procedures (not aggregates, not an extension's); the text of SQL and PL/pgSQL ones. */
const ROUTINES_SQL = `
SELECT n.nspname, p.proname, p.prokind::text AS prokind, l.lanname, p.pronargs::int AS args,
  CASE WHEN l.lanname IN ('sql', 'plpgsql') THEN pg_get_functiondef(p.oid) END AS definition
FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace
JOIN pg_language l ON l.oid = p.prolang
WHERE p.prokind IN ('f', 'p') AND ${USER_NAMESPACE} AND ${notExtensionMember("pg_proc", "p.oid")}
ORDER BY n.nspname, p.proname, p.oid`;

/** Event triggers (database-wide; the extension's own ones too: they fire all the same). */
const EVENT_TRIGGERS_SQL = `
SELECT e.evtname AS name, e.evtevent AS event, e.evttags AS tags, n.nspname || '.' || p.proname AS function, e.evtenabled::text AS enabled
FROM pg_event_trigger e JOIN pg_proc p ON p.oid = e.evtfoid JOIN pg_namespace n ON n.oid = p.pronamespace
ORDER BY e.evtname`;

/**
 * Functions, sequences and types of the user's schemas -> the relations holding objects that
 * depend on them (normal dependencies): defaults, triggers, constraints, indexes, policies,
 * columns, view queries. An array type counts as its element type.
 */
const DEPENDENTS_SQL = `
WITH refs AS (
  SELECT 'pg_proc'::regclass AS refclassid, p.oid AS refobjid, 'function ' || n.nspname || '.' || p.proname AS ref
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE ${USER_NAMESPACE}
  UNION ALL
  SELECT 'pg_class'::regclass, c.oid, 'sequence ' || n.nspname || '.' || c.relname
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'S' AND ${USER_NAMESPACE}
  UNION ALL
  SELECT 'pg_type'::regclass, x.oid, 'type ' || n.nspname || '.' || t.typname
  FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
  CROSS JOIN LATERAL (VALUES (t.oid), (t.typarray)) x(oid)
  WHERE t.typtype IN ('b','d','e','c','r','m') AND t.typcategory <> 'A' AND x.oid <> 0 AND ${USER_NAMESPACE}
), owners AS (
  SELECT refs.ref, CASE d.classid
      WHEN 'pg_class'::regclass THEN COALESCE((SELECT x.indrelid FROM pg_index x WHERE x.indexrelid = d.objid), d.objid)
      WHEN 'pg_attrdef'::regclass THEN (SELECT ad.adrelid FROM pg_attrdef ad WHERE ad.oid = d.objid)
      WHEN 'pg_constraint'::regclass THEN (SELECT NULLIF(con.conrelid, 0) FROM pg_constraint con WHERE con.oid = d.objid)
      WHEN 'pg_trigger'::regclass THEN (SELECT tg.tgrelid FROM pg_trigger tg WHERE tg.oid = d.objid)
      WHEN 'pg_rewrite'::regclass THEN (SELECT rw.ev_class FROM pg_rewrite rw WHERE rw.oid = d.objid)
      WHEN 'pg_policy'::regclass THEN (SELECT pol.polrelid FROM pg_policy pol WHERE pol.oid = d.objid)
    END AS relid
  FROM refs JOIN pg_depend d ON d.refclassid = refs.refclassid AND d.refobjid = refs.refobjid AND d.deptype = 'n'
)
SELECT owners.ref, array_agg(DISTINCT n.nspname || '.' || c.relname ORDER BY n.nspname || '.' || c.relname) AS relations
FROM owners
JOIN pg_class c ON c.oid = owners.relid AND c.relkind IN ('r','p','v','m','f')
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE ${USER_NAMESPACE}
GROUP BY owners.ref`;

interface StatsRow {
  relid: number;
  seq_scan: string | null;
  idx_scan: string | null;
  n_tup_ins: string | null;
  n_tup_upd: string | null;
  n_tup_del: string | null;
  n_live_tup: string | null;
}
const STATS_SQL = `
WITH ${RELS_CTE}
SELECT s.relid::int AS relid, s.seq_scan, s.idx_scan, s.n_tup_ins, s.n_tup_upd, s.n_tup_del, s.n_live_tup
FROM pg_stat_user_tables s JOIN rels ON rels.oid = s.relid`;

/**
 * How long the counters of pg_stat_user_tables have been counting: resetting one table's counters
 * (or all of them) sets the database's stats_reset; a crash discards them and sets it too.
 */
const STATS_WINDOW_SQL = `
SELECT extract(epoch FROM now() - coalesce(d.stats_reset, pg_postmaster_start_time()))::float8 AS seconds
FROM pg_stat_database d WHERE d.datname = current_database()`;

interface TypeRow {
  nspname: string;
  typname: string;
  kind: TypeInfo["kind"];
  base_type: string | null;
  base_type_formatted: string | null;
  typnotnull: boolean;
  typdefault: string | null;
  checks: string[] | null;
  labels: string[] | null;
  attributes: Array<{ name: string; type: string }> | null;
  subtype: string | null;
}
/** Domains, enums, standalone composite types and ranges (not tables' row types, not arrays). */
const TYPES_SQL = `
SELECT n.nspname, t.typname,
  CASE t.typtype WHEN 'd' THEN 'domain' WHEN 'e' THEN 'enum' WHEN 'c' THEN 'composite' WHEN 'r' THEN 'range' ELSE 'base' END AS kind,
  CASE WHEN t.typtype = 'd' THEN (SELECT bn.nspname || '.' || b.typname FROM pg_type b JOIN pg_namespace bn ON bn.oid = b.typnamespace WHERE b.oid = t.typbasetype) END AS base_type,
  CASE WHEN t.typtype = 'd' THEN format_type(t.typbasetype, t.typtypmod) END AS base_type_formatted,
  t.typnotnull, t.typdefault,
  (SELECT array_agg(pg_get_constraintdef(c.oid) ORDER BY c.conname) FROM pg_constraint c WHERE c.contypid = t.oid AND c.contype = 'c') AS checks,
  (SELECT array_agg(e.enumlabel::text ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid) AS labels,
  (SELECT json_agg(json_build_object('name', a.attname, 'type', format_type(a.atttypid, a.atttypmod)) ORDER BY a.attnum)
     FROM pg_attribute a WHERE t.typtype = 'c' AND a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped) AS attributes,
  (SELECT format_type(r.rngsubtype, NULL) FROM pg_range r WHERE r.rngtypid = t.oid) AS subtype
FROM pg_type t
JOIN pg_namespace n ON n.oid = t.typnamespace
LEFT JOIN pg_class rc ON rc.oid = t.typrelid
WHERE t.typtype IN ('d','e','c','r') AND (t.typtype <> 'c' OR rc.relkind = 'c') AND ${USER_NAMESPACE}
ORDER BY n.nspname, t.typname`;

/** Casts that only relabel (no function, no I/O): a column type change along one needs no rewrite. */
const BINARY_CASTS_SQL = `
SELECT sn.nspname || '.' || s.typname || '>' || tn.nspname || '.' || t.typname AS cast
FROM pg_cast c
JOIN pg_type s ON s.oid = c.castsource JOIN pg_namespace sn ON sn.oid = s.typnamespace
JOIN pg_type t ON t.oid = c.casttarget JOIN pg_namespace tn ON tn.oid = t.typnamespace
WHERE c.castmethod = 'b' AND c.castsource <> c.casttarget
ORDER BY 1`;
