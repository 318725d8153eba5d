import type pg from "pg";
import { quoteIdent } from "../../db/connection.js";
import type { RelRef } from "./plan.js";

/**
 * What row copying and row synthesis need to know of a database's tables: columns and their
 * types, foreign keys (with their actions), unique keys, partitions. Read from the catalog only,
 * table by table as needed (a read-only login will do).
 */

export interface ColumnMeta {
  name: string;
  /** format_type: integer, character varying(20), app.status, ... */
  type: string;
  notNull: boolean;
  /** a default, an identity or a generated column: left to the table */
  filledByTable: boolean;
  /** the column's default expression, unless it draws from a sequence (evaluating it would advance one) */
  default: string | null;
  generated: boolean;
  /** pg_type.typcategory of the (domain's base) type */
  category: string;
  /** the base type's name (uuid, jsonb, ...) */
  base: string;
  labels: string[] | null;
}

export interface TableMeta {
  oid: number;
  /** schema.name, for notes */
  name: string;
  /** its schema and name, to find it on another database */
  ref: RelRef;
  /** quoted for SQL */
  quoted: string;
  /** pg_class.relkind */
  kind: string;
  columns: ColumnMeta[];
  /** the table and the partitioned tables above it */
  lineage: number[];
  /** column sets (names as in the catalog) of its primary key and unique constraints */
  uniques: string[][];
  /** partition key columns, at every level of a partitioned table */
  keyColumns: string[];
  /** literals of the leaf partitions' bounds (a partitioned table's rows must fall in one) */
  boundLiterals: string[];
}

export interface ForeignKey {
  name: string;
  child: number;
  parent: number;
  childColumns: string[];
  parentColumns: string[];
  /** confdeltype / confupdtype: a, r, c, n, d */
  onDelete: string;
  onUpdate: string;
}

/**
 * ON DELETE / ON UPDATE SET DEFAULT: the key its referencing rows get (column of the referenced
 * side -> the child column's default, as SQL), which a referenced row must hold; undefined when a
 * column has no default (it becomes NULL, which references nothing) or the action is another.
 */
export function defaultKey(fk: ForeignKey, child: TableMeta, action: string): Record<string, string> | undefined {
  if (action !== "d") return undefined;
  const defaults = fk.childColumns.map((c) => child.columns.find((m) => m.name === unquote(c))?.default ?? null);
  if (defaults.some((d) => d === null)) return undefined;
  return Object.fromEntries(fk.parentColumns.map((c, i) => [unquote(c), defaults[i]!]));
}

/** quote_ident's output back to the name (foreign key columns are kept quoted for SQL). */
export function unquote(quoted: string): string {
  return quoted.startsWith('"') ? quoted.slice(1, -1).replace(/""/g, '"') : quoted;
}

export class RowCatalog {
  private readonly tables = new Map<number, Promise<TableMeta | undefined>>();
  private fks?: Promise<ForeignKey[]>;

  constructor(private readonly client: pg.ClientBase) {}

  /** The table a name means on this database (its search_path), if it is a table. */
  async resolve(ref: RelRef): Promise<TableMeta | undefined> {
    const { rows } = await this.client.query<{ oid: number | null }>("SELECT to_regclass($1)::oid::int AS oid", [qualifiedName(ref)]);
    return rows[0]?.oid ? this.table(rows[0].oid) : undefined;
  }

  /** The tables beneath a view (through the views it reads), when `ref` names a view. */
  async beneath(ref: RelRef): Promise<RelRef[]> {
    const { rows } = await this.client.query<{ schema: string; name: string }>(VIEW_TABLES_SQL, [qualifiedName(ref)]);
    return rows;
  }

  table(oid: number): Promise<TableMeta | undefined> {
    let t = this.tables.get(oid);
    if (!t) this.tables.set(oid, (t = this.read(oid)));
    return t;
  }

  async foreignKeys(): Promise<ForeignKey[]> {
    this.fks ??= this.client.query<ForeignKey>(FOREIGN_KEYS_SQL).then((r) => r.rows);
    return this.fks;
  }

  /** Foreign keys whose referencing side holds the rows of `t` (declared on it or on a partitioned table above it). */
  async referencing(t: TableMeta): Promise<ForeignKey[]> {
    return (await this.foreignKeys()).filter((fk) => t.lineage.includes(fk.child));
  }

  /** Foreign keys whose referenced side holds the rows of `t`. */
  async referencedBy(t: TableMeta): Promise<ForeignKey[]> {
    return (await this.foreignKeys()).filter((fk) => t.lineage.includes(fk.parent));
  }

  private async read(oid: number): Promise<TableMeta | undefined> {
    const { rows } = await this.client.query<Omit<TableMeta, "columns">>(TABLE_SQL, [oid]);
    const t = rows[0];
    if (!t || !["r", "p"].includes(t.kind)) return undefined;
    const columns = (await this.client.query<ColumnMeta>(COLUMNS_SQL, [oid])).rows;
    return { ...t, columns };
  }
}

/** `ONLY x` for a plain table (legacy inheritance children are not its rows); a partitioned table with its partitions. */
export function scanOf(t: TableMeta): string {
  return t.kind === "p" ? t.quoted : `ONLY ${t.quoted}`;
}

function qualifiedName(ref: RelRef): string {
  return ref.schema ? `${quoteIdent(ref.schema)}.${quoteIdent(ref.name)}` : quoteIdent(ref.name);
}

const VIEW_TABLES_SQL = `
WITH RECURSIVE under(oid) AS (
  SELECT c.oid FROM pg_class c WHERE c.oid = to_regclass($1) AND c.relkind = 'v'
  UNION
  SELECT d.refobjid FROM under u
  JOIN pg_class uc ON uc.oid = u.oid AND uc.relkind = 'v'
  JOIN pg_rewrite r ON r.ev_class = u.oid
  JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid AND d.refclassid = 'pg_class'::regclass AND d.refobjid <> u.oid
)
SELECT n.nspname AS schema, c.relname AS name FROM under u JOIN pg_class c ON c.oid = u.oid JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') ORDER BY 1, 2`;

const TABLE_SQL = `
SELECT c.oid::int AS oid, n.nspname || '.' || c.relname AS name, json_build_object('schema', n.nspname, 'name', c.relname) AS ref,
  quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS quoted,
  c.relkind::text AS kind,
  ARRAY[c.oid::int] || COALESCE((SELECT array_agg(a.relid::oid::int) FROM pg_partition_ancestors(c.oid) a WHERE a.relid <> c.oid), '{}') AS lineage,
  COALESCE((SELECT json_agg(ARRAY(SELECT at.attname FROM unnest(con.conkey) k JOIN pg_attribute at ON at.attrelid = con.conrelid AND at.attnum = k))
     FROM pg_constraint con WHERE con.conrelid = ANY(ARRAY[c.oid] || ARRAY(SELECT relid FROM pg_partition_ancestors(c.oid))) AND con.contype IN ('p', 'u')), '[]') AS uniques,
  COALESCE((SELECT array_agg(m[1]) FROM pg_partition_tree(c.oid) pt JOIN pg_class l ON l.oid = pt.relid
     CROSS JOIN LATERAL regexp_matches(COALESCE(pg_get_expr(l.relpartbound, l.oid), ''), '''((?:[^'']|'''')*)''', 'g') m
     WHERE c.relkind = 'p' AND pt.isleaf), '{}') AS "boundLiterals",
  COALESCE((SELECT array_agg(DISTINCT a.attname::text) FROM pg_partition_tree(c.oid) pt JOIN pg_partitioned_table p ON p.partrelid = pt.relid
     CROSS JOIN LATERAL unnest(p.partattrs) k JOIN pg_attribute a ON a.attrelid = p.partrelid AND a.attnum = k WHERE c.relkind = 'p'), '{}') AS "keyColumns"
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.oid = $1`;

const COLUMNS_SQL = `
SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS "notNull",
  (a.atthasdef OR a.attidentity <> '' OR a.attgenerated <> '') AS "filledByTable", a.attgenerated <> '' AS generated,
  (SELECT e.expr FROM pg_attrdef d CROSS JOIN LATERAL pg_get_expr(d.adbin, d.adrelid) e(expr)
     WHERE d.adrelid = a.attrelid AND d.adnum = a.attnum AND a.attgenerated = '' AND strpos(lower(e.expr), 'nextval(') = 0) AS "default",
  b.typcategory::text AS category, b.typname::text AS base,
  (SELECT array_agg(e.enumlabel::text ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = b.oid) AS labels
FROM pg_attribute a
JOIN pg_type t ON t.oid = a.atttypid
JOIN pg_type b ON b.oid = CASE WHEN t.typtype = 'd' THEN COALESCE((SELECT CASE WHEN d.typtype = 'd' THEN d.typbasetype ELSE d.oid END FROM pg_type d WHERE d.oid = t.typbasetype), t.typbasetype) ELSE t.oid END
WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum`;

/** The foreign keys as declared (a partitioned table's, not their copies on each partition). */
const FOREIGN_KEYS_SQL = `
SELECT con.conname AS name, con.conrelid::int AS child, con.confrelid::int AS parent,
  ARRAY(SELECT quote_ident(a.attname) FROM unnest(con.conkey) WITH ORDINALITY k(n, i) JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n ORDER BY k.i) AS "childColumns",
  ARRAY(SELECT quote_ident(a.attname) FROM unnest(con.confkey) WITH ORDINALITY k(n, i) JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n ORDER BY k.i) AS "parentColumns",
  con.confdeltype::text AS "onDelete", con.confupdtype::text AS "onUpdate"
FROM pg_constraint con
WHERE con.contype = 'f' AND con.conparentid = 0`;
