import type pg from "pg";
import { UserError } from "../errors.js";
import { USER_NAMESPACE, notExtensionMember, withQualifiedNames } from "./catalog-sql.js";
import { quoteIdent, quoteLiteral } from "./connection.js";
import { collationDdl, eventTriggerDdl, foreignServerDdl, optionsClause, routineObjectDdl, tableExtrasDdl, uncopied } from "./copy-objects.js";
import { commentDdl, defaultPrivilegeDdl, grantDdl, roleDdl } from "./copy-privileges.js";

/**
 * Recreate a database's schema (no data) from its catalog, using Postgres' own deparsers
 * (pg_get_*def, format_type, pg_get_expr). The source is only read; a read-only login will do.
 */

export interface CopyReport {
  /** DDL statements run on the target, in order */
  statements: string[];
  /** what could not be copied (shown to the user as assumptions) */
  skipped: string[];
}

export interface Ddl {
  sql: string;
  what: string;
  /** failures of optional statements are reported, not fatal (e.g. an extension missing here) */
  optional?: boolean;
}

export async function copySchema(from: pg.ClientBase, to: pg.ClientBase, opts: { schemas?: string[] } = {}): Promise<CopyReport> {
  const { ddl, last, uncopiable } = await withQualifiedNames(from, () => generateDdl(from, opts.schemas ?? null));
  return withQualifiedNames(to, async () => {
    await to.query("SET check_function_bodies = off");
    try {
      const report = await runInDependencyOrder(to, ddl);
      // event triggers last: from then on they fire on DDL, as they do on the source
      const final = await runInDependencyOrder(to, last);
      return { statements: [...report.statements, ...final.statements], skipped: [...report.skipped, ...final.skipped, ...uncopiable] };
    } finally {
      await to.query("RESET check_function_bodies");
    }
  });
}

/** Errors that mean "something this depends on is not there yet": retried after the rest. */
const DEPENDENCY_ERRORS = new Set(["42P01", "42704", "42883", "3F000", "42703", "42P17", "42809", "0A000", "42P16"]);

async function runInDependencyOrder(to: pg.ClientBase, ddl: Ddl[]): Promise<CopyReport> {
  const done: string[] = [];
  const skipped: string[] = [];
  let pending = ddl;
  for (;;) {
    const failed: Array<{ d: Ddl; error: { code?: string; message: string } }> = [];
    for (const d of pending) {
      try {
        await to.query(d.sql);
        done.push(d.sql);
      } catch (e) {
        failed.push({ d, error: e as { code?: string; message: string } });
      }
    }
    const progress = failed.length < pending.length;
    const retry = failed.filter((f) => DEPENDENCY_ERRORS.has(f.error.code ?? ""));
    if (!progress || retry.length === 0) {
      for (const f of failed.filter((f) => f.d.optional)) skipped.push(`${f.d.what}: ${f.error.message}`);
      const fatal = failed.filter((f) => !f.d.optional);
      if (fatal.length > 0) {
        const list = fatal.slice(0, 5).map((f) => `${f.d.what}: ${f.error.message}`);
        throw new UserError("schema-copy-failed", `could not copy the schema to the shadow database: ${list.join("; ")}${fatal.length > 5 ? ` (and ${fatal.length - 5} more)` : ""}`);
      }
      return { statements: done, skipped };
    }
    pending = failed.map((f) => f.d);
  }
}

/** Runs a catalog query on the source; `$1` is the schema list (null: every user schema). */
export type CatalogQuery = <T extends pg.QueryResultRow>(sql: string) => Promise<T[]>;

const qi = quoteIdent;
const qname = (schema: string, name: string) => `${qi(schema)}.${qi(name)}`;

async function generateDdl(from: pg.ClientBase, schemas: string[] | null): Promise<{ ddl: Ddl[]; last: Ddl[]; uncopiable: string[] }> {
  const q: CatalogQuery = async <T extends pg.QueryResultRow>(sql: string) => (await from.query<T>(sql, sql.includes("$1") ? [schemas] : [])).rows;
  const out: Ddl[] = [];
  const add = (what: string, sql: string, optional = false) => out.push({ what, sql, optional });

  for (const s of await q<{ nspname: string }>(SCHEMAS_SQL)) add(`schema ${s.nspname}`, `CREATE SCHEMA IF NOT EXISTS ${qi(s.nspname)}`);
  for (const e of await q<{ extname: string; nspname: string }>(EXTENSIONS_SQL)) {
    add(`extension ${e.extname}`, `CREATE EXTENSION IF NOT EXISTS ${qi(e.extname)} WITH SCHEMA ${qi(e.nspname)}`, true);
  }
  out.push(...(await roleDdl(q)), ...(await collationDdl(q)));
  for (const am of await q<{ name: string; def: string }>(ACCESS_METHODS_SQL)) add(`access method ${am.name}`, am.def, true);
  for (const t of await q<TypeRow>(TYPES_SQL)) add(`type ${t.name}`, typeDdl(t));
  for (const c of await q<{ name: string; def: string }>(DOMAIN_CONSTRAINTS_SQL)) add(`domain ${c.name}`, c.def);
  for (const f of await q<{ name: string; def: string }>(FUNCTIONS_SQL)) add(`function ${f.name}`, f.def);
  out.push(...(await routineObjectDdl(q)), ...(await foreignServerDdl(q)));
  for (const s of await q<SequenceRow>(SEQUENCES_SQL)) add(`sequence ${s.name}`, `CREATE SEQUENCE ${s.name} ${sequenceOptions(s)}`);
  const columns = groupBy(await q<ColumnRow>(COLUMNS_SQL), (c) => c.relid);
  for (const t of await q<TableRow>(TABLES_SQL)) {
    add(`table ${t.name}`, tableDdl(t, columns.get(t.oid) ?? []));
    if (t.of_type) add(`table ${t.name}`, `ALTER TABLE ${t.name} OF ${t.of_type}`);
  }
  for (const s of await q<{ name: string; owner: string }>(OWNED_SEQUENCES_SQL)) add(`sequence ${s.name}`, `ALTER SEQUENCE ${s.name} OWNED BY ${s.owner}`);
  for (const c of await q<{ name: string; def: string }>(CONSTRAINTS_SQL)) add(`constraint ${c.name}`, c.def);
  for (const v of await q<{ name: string; def: string }>(VIEWS_SQL)) add(`view ${v.name}`, v.def);
  for (const i of await q<{ name: string; def: string }>(INDEXES_SQL)) add(`index ${i.name}`, i.def);
  for (const i of await q<{ name: string; def: string }>(INDEX_ATTACH_SQL)) add(`index ${i.name}`, i.def);
  for (const t of await q<{ name: string; def: string }>(TRIGGERS_SQL)) add(`trigger ${t.name}`, t.def);
  for (const r of await q<{ name: string; def: string }>(RLS_SQL)) add(`row level security on ${r.name}`, r.def);
  for (const p of await q<PolicyRow>(POLICIES_SQL)) add(`policy ${p.policyname}`, policyDdl(p));
  out.push(...(await tableExtrasDdl(q)), ...(await grantDdl(q)), ...(await defaultPrivilegeDdl(q)));
  const comments = await commentDdl(q);
  const onEventTrigger = (d: Ddl) => d.what.startsWith("comment on event trigger ");
  out.push(...comments.filter((d) => !onEventTrigger(d)));
  return { ddl: out, last: [...(await eventTriggerDdl(q)), ...comments.filter(onEventTrigger)], uncopiable: await uncopied(q) };
}

function groupBy<T, K>(items: T[], key: (t: T) => K): Map<K, T[]> {
  const m = new Map<K, T[]>();
  for (const i of items) m.set(key(i), [...(m.get(key(i)) ?? []), i]);
  return m;
}

interface TypeRow {
  name: string;
  typtype: string;
  labels: string[] | null;
  attributes: Array<{ name: string; type: string; collation: string | null }> | null;
  subtype: string | null;
  subtype_diff: string | null;
  base: string | null;
  collation: string | null;
  typdefault: string | null;
  not_null_unnamed: boolean;
}

function typeDdl(t: TypeRow): string {
  switch (t.typtype) {
    case "e":
      return `CREATE TYPE ${t.name} AS ENUM (${(t.labels ?? []).map(quoteLiteral).join(", ")})`;
    case "c":
      return `CREATE TYPE ${t.name} AS (${(t.attributes ?? []).map((a) => `${qi(a.name)} ${a.type}${a.collation ? ` COLLATE ${a.collation}` : ""}`).join(", ")})`;
    case "r":
      return `CREATE TYPE ${t.name} AS RANGE (subtype = ${t.subtype}${t.subtype_diff ? `, subtype_diff = ${t.subtype_diff}` : ""})`;
    default:
      return [
        `CREATE DOMAIN ${t.name} AS ${t.base}`,
        t.collation ? `COLLATE ${t.collation}` : "",
        t.typdefault !== null ? `DEFAULT ${t.typdefault}` : "",
        t.not_null_unnamed ? "NOT NULL" : "",
      ]
        .filter(Boolean)
        .join(" ");
  }
}

interface SequenceRow {
  name: string;
  type: string;
  seqstart: string;
  seqincrement: string;
  seqmin: string;
  seqmax: string;
  seqcache: string;
  seqcycle: boolean;
}

function sequenceOptions(s: SequenceRow): string {
  return `AS ${s.type} INCREMENT BY ${s.seqincrement} MINVALUE ${s.seqmin} MAXVALUE ${s.seqmax} START WITH ${s.seqstart} CACHE ${s.seqcache}${s.seqcycle ? " CYCLE" : " NO CYCLE"}`;
}

interface ColumnRow {
  relid: number;
  attname: string;
  type: string;
  collation: string | null;
  default_expr: string | null;
  attgenerated: string;
  attidentity: string;
  not_null: string | null;
  identity_sequence: SequenceRow | null;
  /** a foreign table's column options */
  fdw_options: string[] | null;
}

interface TableRow {
  oid: number;
  name: string;
  relkind: string;
  persistence: string;
  partition_key: string | null;
  parent: string | null;
  bound: string | null;
  inherits: string[] | null;
  reloptions: string[] | null;
  /** a table access method other than heap */
  access_method: string | null;
  /** a foreign table's server and options */
  server: string | null;
  ftoptions: string[] | null;
  /** a typed table (CREATE TABLE ... OF type) */
  of_type: string | null;
}

function tableDdl(t: TableRow, columns: ColumnRow[]): string {
  const kind = t.relkind === "f" ? "FOREIGN TABLE" : `${t.persistence === "u" ? "UNLOGGED " : ""}TABLE`;
  const tail = [
    t.partition_key ? `PARTITION BY ${t.partition_key}` : "",
    t.access_method ? `USING ${qi(t.access_method)}` : "",
    t.reloptions?.length ? `WITH (${t.reloptions.join(", ")})` : "",
    t.server ? `SERVER ${qi(t.server)}${optionsClause(t.ftoptions)}` : "",
  ]
    .filter(Boolean)
    .join(" ");
  if (t.parent) return `CREATE ${kind} ${t.name} PARTITION OF ${t.parent} ${t.bound} ${tail}`.trim();
  const cols = columns.map(columnDdl).join(",\n  ");
  const inherits = t.inherits?.length ? ` INHERITS (${t.inherits.join(", ")})` : "";
  return `CREATE ${kind} ${t.name} (\n  ${cols}\n)${inherits} ${tail}`.trimEnd();
}

function columnDdl(c: ColumnRow): string {
  const parts = [qi(c.attname), c.type];
  if (c.fdw_options?.length) parts.push(optionsClause(c.fdw_options).trim());
  if (c.collation) parts.push(`COLLATE ${c.collation}`);
  if (c.attgenerated) parts.push(`GENERATED ALWAYS AS (${c.default_expr}) ${c.attgenerated === "v" ? "VIRTUAL" : "STORED"}`);
  else if (c.default_expr !== null) parts.push(`DEFAULT ${c.default_expr}`);
  if (c.attidentity) {
    const seq = c.identity_sequence;
    const options = seq ? ` (SEQUENCE NAME ${seq.name} ${sequenceOptions(seq).replace(/^AS \S+ /, "")})` : "";
    parts.push(`GENERATED ${c.attidentity === "a" ? "ALWAYS" : "BY DEFAULT"} AS IDENTITY${options}`);
  }
  if (c.not_null) parts.push(c.not_null);
  return parts.join(" ");
}

interface PolicyRow {
  table_name: string;
  policyname: string;
  permissive: string;
  roles: string[];
  cmd: string;
  qual: string | null;
  with_check: string | null;
}

function policyDdl(p: PolicyRow): string {
  const roles = p.roles.map((r) => (r === "public" ? "PUBLIC" : qi(r))).join(", ");
  return [
    `CREATE POLICY ${qi(p.policyname)} ON ${p.table_name} AS ${p.permissive} FOR ${p.cmd} TO ${roles}`,
    p.qual !== null ? `USING (${p.qual})` : "",
    p.with_check !== null ? `WITH CHECK (${p.with_check})` : "",
  ]
    .filter(Boolean)
    .join(" ");
}

const QNAME = (ns: string, name: string) => `quote_ident(${ns}) || '.' || quote_ident(${name})`;

/** Access methods made with CREATE ACCESS METHOD (not built in, not from an extension). */
const ACCESS_METHODS_SQL = `
SELECT quote_ident(am.amname) AS name,
  'CREATE ACCESS METHOD ' || quote_ident(am.amname) || ' TYPE ' || CASE am.amtype WHEN 't' THEN 'TABLE' ELSE 'INDEX' END || ' HANDLER ' || am.amhandler::regproc::text AS def
FROM pg_am am
WHERE am.oid >= 16384 AND ${notExtensionMember("pg_am", "am.oid")}
ORDER BY am.oid`;

const SCHEMAS_SQL = `
SELECT n.nspname FROM pg_namespace n
WHERE ${USER_NAMESPACE} AND n.nspname <> 'public' AND ${notExtensionMember("pg_namespace", "n.oid")}
ORDER BY 1`;

const EXTENSIONS_SQL = `
SELECT e.extname, n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
WHERE e.extname <> 'plpgsql' ORDER BY 1`;

const TYPES_SQL = `
SELECT ${QNAME("n.nspname", "t.typname")} AS name, t.typtype::text AS typtype,
  (SELECT array_agg(e.enumlabel::text ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid) AS labels,
  (SELECT json_agg(json_build_object('name', a.attname, 'type', format_type(a.atttypid, a.atttypmod),
     'collation', CASE WHEN a.attcollation <> 0 AND a.attcollation <> at.typcollation THEN (SELECT quote_ident(cn.nspname) || '.' || quote_ident(co.collname) FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace WHERE co.oid = a.attcollation) END)
     ORDER BY a.attnum)
   FROM pg_attribute a JOIN pg_type at ON at.oid = a.atttypid WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped) AS attributes,
  (SELECT format_type(r.rngsubtype, NULL) FROM pg_range r WHERE r.rngtypid = t.oid) AS subtype,
  (SELECT r.rngsubdiff::regproc::text FROM pg_range r WHERE r.rngtypid = t.oid AND r.rngsubdiff <> 0) AS subtype_diff,
  CASE WHEN t.typtype = 'd' THEN format_type(t.typbasetype, t.typtypmod) END AS base,
  CASE WHEN t.typtype = 'd' AND t.typcollation <> 0 AND t.typcollation <> (SELECT b.typcollation FROM pg_type b WHERE b.oid = t.typbasetype)
    THEN (SELECT quote_ident(cn.nspname) || '.' || quote_ident(co.collname) FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace WHERE co.oid = t.typcollation) END AS collation,
  t.typdefault,
  t.typnotnull AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.contypid = t.oid AND c.contype = 'n') AS not_null_unnamed
FROM pg_type t
JOIN pg_namespace n ON n.oid = t.typnamespace
LEFT JOIN pg_class rc ON rc.oid = t.typrelid
WHERE t.typtype IN ('e','c','r','d') AND (t.typtype <> 'c' OR rc.relkind = 'c') AND ${USER_NAMESPACE}
  AND ${notExtensionMember("pg_type", "t.oid")}
ORDER BY CASE t.typtype WHEN 'e' THEN 0 WHEN 'r' THEN 1 WHEN 'd' THEN 2 ELSE 3 END, t.oid`;

const DOMAIN_CONSTRAINTS_SQL = `
SELECT ${QNAME("n.nspname", "t.typname")} AS name,
  'ALTER DOMAIN ' || ${QNAME("n.nspname", "t.typname")} || ' ADD CONSTRAINT ' || quote_ident(c.conname) || ' ' || pg_get_constraintdef(c.oid) AS def
FROM pg_constraint c JOIN pg_type t ON t.oid = c.contypid JOIN pg_namespace n ON n.oid = t.typnamespace
WHERE ${USER_NAMESPACE} AND ${notExtensionMember("pg_type", "t.oid")}
ORDER BY c.oid`;

const FUNCTIONS_SQL = `
SELECT ${QNAME("n.nspname", "p.proname")} AS name, pg_get_functiondef(p.oid) AS def
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE p.prokind IN ('f','p','w') AND ${USER_NAMESPACE} AND ${notExtensionMember("pg_proc", "p.oid")}
ORDER BY p.oid`;

const SEQUENCE_COLUMNS = `format_type(s.seqtypid, NULL) AS type, s.seqstart::text AS seqstart, s.seqincrement::text AS seqincrement,
  s.seqmin::text AS seqmin, s.seqmax::text AS seqmax, s.seqcache::text AS seqcache, s.seqcycle`;

/** Sequences of identity columns come with their column; the rest are created up front. */
const SEQUENCES_SQL = `
SELECT ${QNAME("n.nspname", "c.relname")} AS name, ${SEQUENCE_COLUMNS}
FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE ${USER_NAMESPACE} AND ${notExtensionMember("pg_class", "c.oid")}
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'i')
ORDER BY c.oid`;

const OWNED_SEQUENCES_SQL = `
SELECT ${QNAME("n.nspname", "c.relname")} AS name, ${QNAME("tn.nspname", "t.relname")} || '.' || quote_ident(a.attname) AS owner
FROM pg_depend d
JOIN pg_class c ON c.oid = d.objid AND c.relkind = 'S'
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_class t ON t.oid = d.refobjid
JOIN pg_namespace tn ON tn.oid = t.relnamespace
JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass AND d.deptype = 'a' AND ${USER_NAMESPACE}`;

const TABLES_SQL = `
WITH RECURSIVE tables AS (
  SELECT c.oid, 0 AS depth FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r','p','f') AND NOT c.relispartition AND ${USER_NAMESPACE} AND ${notExtensionMember("pg_class", "c.oid")}
  UNION ALL
  SELECT i.inhrelid, t.depth + 1 FROM tables t JOIN pg_inherits i ON i.inhparent = t.oid
  JOIN pg_class c ON c.oid = i.inhrelid AND c.relispartition
)
SELECT c.oid::int AS oid, ${QNAME("n.nspname", "c.relname")} AS name, c.relkind::text AS relkind, c.relpersistence::text AS persistence,
  CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS partition_key,
  (SELECT ${QNAME("pn.nspname", "pc.relname")} FROM pg_inherits i JOIN pg_class pc ON pc.oid = i.inhparent
     JOIN pg_namespace pn ON pn.oid = pc.relnamespace WHERE i.inhrelid = c.oid AND c.relispartition) AS parent,
  CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END AS bound,
  (SELECT array_agg(${QNAME("pn.nspname", "pc.relname")} ORDER BY i.inhseqno) FROM pg_inherits i JOIN pg_class pc ON pc.oid = i.inhparent
     JOIN pg_namespace pn ON pn.oid = pc.relnamespace WHERE i.inhrelid = c.oid AND NOT c.relispartition) AS inherits,
  c.reloptions,
  (SELECT am.amname FROM pg_am am WHERE am.oid = c.relam AND c.relkind = 'r' AND am.amname <> 'heap') AS access_method,
  (SELECT s.srvname FROM pg_foreign_table ft JOIN pg_foreign_server s ON s.oid = ft.ftserver WHERE ft.ftrelid = c.oid) AS server,
  (SELECT ft.ftoptions FROM pg_foreign_table ft WHERE ft.ftrelid = c.oid) AS ftoptions,
  (SELECT ${QNAME("yn.nspname", "y.typname")} FROM pg_type y JOIN pg_namespace yn ON yn.oid = y.typnamespace WHERE y.oid = c.reloftype) AS of_type
FROM (SELECT oid, min(depth) AS depth FROM tables GROUP BY oid) t
JOIN pg_class c ON c.oid = t.oid JOIN pg_namespace n ON n.oid = c.relnamespace
ORDER BY t.depth, c.oid`;

/**
 * Columns of plain tables (partitions get theirs from the parent). NOT NULL goes inline, named
 * as in the source when Postgres (18+) catalogs it as a validated local constraint.
 */
const COLUMNS_SQL = `
SELECT a.attrelid::int AS relid, a.attname, format_type(a.atttypid, a.atttypmod) AS type,
  CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation
    THEN (SELECT quote_ident(cn.nspname) || '.' || quote_ident(co.collname) FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace WHERE co.oid = a.attcollation) END AS collation,
  pg_get_expr(d.adbin, d.adrelid) AS default_expr, a.attgenerated::text AS attgenerated, a.attidentity::text AS attidentity,
  CASE WHEN NOT a.attnotnull THEN NULL
    WHEN current_setting('server_version_num')::int < 180000 THEN 'NOT NULL'
    ELSE (SELECT 'CONSTRAINT ' || quote_ident(nn.conname) || ' NOT NULL' || CASE WHEN nn.connoinherit THEN ' NO INHERIT' ELSE '' END FROM pg_constraint nn
          WHERE nn.conrelid = a.attrelid AND nn.contype = 'n' AND nn.conkey[1] = a.attnum AND nn.convalidated AND nn.conislocal AND nn.coninhcount = 0 LIMIT 1) END AS not_null,
  (SELECT json_build_object('name', ${QNAME("sn.nspname", "sc.relname")}, 'type', format_type(s.seqtypid, NULL), 'seqstart', s.seqstart::text,
     'seqincrement', s.seqincrement::text, 'seqmin', s.seqmin::text, 'seqmax', s.seqmax::text, 'seqcache', s.seqcache::text, 'seqcycle', s.seqcycle)
   FROM pg_depend dep JOIN pg_class sc ON sc.oid = dep.objid JOIN pg_namespace sn ON sn.oid = sc.relnamespace JOIN pg_sequence s ON s.seqrelid = sc.oid
   WHERE a.attidentity <> '' AND dep.classid = 'pg_class'::regclass AND dep.refobjid = a.attrelid AND dep.refobjsubid = a.attnum AND dep.deptype = 'i') AS identity_sequence,
  a.attfdwoptions AS fdw_options
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid AND c.relkind IN ('r','p','f') AND NOT c.relispartition
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE a.attnum > 0 AND NOT a.attisdropped AND a.attislocal AND ${USER_NAMESPACE}
ORDER BY a.attrelid, a.attnum`;

/**
 * Local constraints (inherited and partition copies come with their parent), in an order that
 * works: not-null, keys and exclusions, checks, then foreign keys (which need the keys). Constraint
 * triggers (contype t) come with their CREATE CONSTRAINT TRIGGER (TRIGGERS_SQL).
 */
const CONSTRAINTS_SQL = `
SELECT ${QNAME("n.nspname", "c.relname")} || '.' || quote_ident(con.conname) AS name,
  'ALTER TABLE ' || ${QNAME("n.nspname", "c.relname")} || ' ADD CONSTRAINT ' || quote_ident(con.conname) || ' ' || pg_get_constraintdef(con.oid) AS def
FROM pg_constraint con
JOIN pg_class c ON c.oid = con.conrelid AND c.relkind IN ('r','p','f')
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE ${USER_NAMESPACE} AND con.conislocal AND con.conparentid = 0 AND con.contype <> 't'
  AND NOT (con.contype = 'n' AND con.convalidated AND con.coninhcount = 0 AND NOT c.relispartition)
  AND NOT (con.contype = 'n' AND con.coninhcount > 0)
ORDER BY CASE con.contype WHEN 'n' THEN 0 WHEN 'p' THEN 1 WHEN 'u' THEN 2 WHEN 'x' THEN 3 WHEN 'c' THEN 4 ELSE 5 END, con.oid`;

/** Views and materialized views, dependencies first (a view's rule depends on what it reads). */
const VIEWS_SQL = `
WITH RECURSIVE views AS (
  SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('v','m') AND ${USER_NAMESPACE} AND ${notExtensionMember("pg_class", "c.oid")}
), edges AS (
  SELECT DISTINCT r.ev_class AS view, d.refobjid AS uses
  FROM pg_rewrite r JOIN views v ON v.oid = r.ev_class
  JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid AND d.refclassid = 'pg_class'::regclass AND d.refobjid <> r.ev_class
  JOIN views u ON u.oid = d.refobjid
), depth AS (
  SELECT oid, 0 AS depth FROM views
  UNION ALL
  SELECT e.view, depth.depth + 1 FROM edges e JOIN depth ON depth.oid = e.uses WHERE depth.depth < 100
)
SELECT ${QNAME("n.nspname", "c.relname")} AS name,
  CASE c.relkind
    WHEN 'v' THEN 'CREATE VIEW ' || ${QNAME("n.nspname", "c.relname")} || COALESCE(' WITH (' || array_to_string(c.reloptions, ', ') || ')', '') || ' AS ' || rtrim(pg_get_viewdef(c.oid), ';')
    ELSE 'CREATE MATERIALIZED VIEW ' || ${QNAME("n.nspname", "c.relname")}
      || COALESCE(' USING ' || (SELECT quote_ident(am.amname) FROM pg_am am WHERE am.oid = c.relam AND am.amname <> 'heap'), '') || COALESCE(' WITH (' || array_to_string(c.reloptions, ', ') || ')', '') || ' AS ' || rtrim(pg_get_viewdef(c.oid), ';')
      || CASE WHEN c.relispopulated THEN ' WITH DATA' ELSE ' WITH NO DATA' END
  END AS def
FROM (SELECT oid, max(depth) AS depth FROM depth GROUP BY oid) d
JOIN pg_class c ON c.oid = d.oid JOIN pg_namespace n ON n.oid = c.relnamespace
ORDER BY d.depth, c.oid`;

/** Indexes that no constraint creates; index partitions are attached to their parent index below. */
const INDEXES_SQL = `
SELECT ${QNAME("n.nspname", "ic.relname")} AS name, pg_get_indexdef(x.indexrelid) AS def
FROM pg_index x
JOIN pg_class ic ON ic.oid = x.indexrelid
JOIN pg_class t ON t.oid = x.indrelid AND t.relkind IN ('r','p','m')
JOIN pg_namespace n ON n.oid = ic.relnamespace
WHERE ${USER_NAMESPACE} AND (x.indisvalid OR ic.relkind = 'I')
  AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = x.indexrelid AND con.contype IN ('p','u','x'))
  AND ${notExtensionMember("pg_class", "t.oid")}
ORDER BY ic.relkind DESC, ic.oid`;

const INDEX_ATTACH_SQL = `
SELECT ${QNAME("n.nspname", "ic.relname")} AS name,
  'ALTER INDEX ' || ${QNAME("pn.nspname", "pc.relname")} || ' ATTACH PARTITION ' || ${QNAME("n.nspname", "ic.relname")} AS def
FROM pg_inherits i
JOIN pg_class ic ON ic.oid = i.inhrelid AND ic.relkind IN ('i','I')
JOIN pg_namespace n ON n.oid = ic.relnamespace
JOIN pg_class pc ON pc.oid = i.inhparent
JOIN pg_namespace pn ON pn.oid = pc.relnamespace
WHERE ${USER_NAMESPACE}
  AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = ic.oid AND con.contype IN ('p','u','x'))
ORDER BY ic.oid`;

const TRIGGERS_SQL = `
SELECT ${QNAME("n.nspname", "c.relname")} || '.' || quote_ident(tg.tgname) AS name,
  pg_get_triggerdef(tg.oid) || COALESCE('; ALTER TABLE ' || ${QNAME("n.nspname", "c.relname")} || ' '
    || CASE tg.tgenabled WHEN 'D' THEN 'DISABLE' WHEN 'R' THEN 'ENABLE REPLICA' WHEN 'A' THEN 'ENABLE ALWAYS' END || ' TRIGGER ' || quote_ident(tg.tgname), '') AS def
FROM pg_trigger tg JOIN pg_class c ON c.oid = tg.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE NOT tg.tgisinternal AND tg.tgparentid = 0 AND ${USER_NAMESPACE}
ORDER BY tg.oid`;

const RLS_SQL = `
SELECT ${QNAME("n.nspname", "c.relname")} AS name,
  'ALTER TABLE ' || ${QNAME("n.nspname", "c.relname")} || ' ENABLE ROW LEVEL SECURITY'
  || CASE WHEN c.relforcerowsecurity THEN ', FORCE ROW LEVEL SECURITY' ELSE '' END AS def
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relrowsecurity AND ${USER_NAMESPACE}`;

const POLICIES_SQL = `
SELECT ${QNAME("p.schemaname", "p.tablename")} AS table_name, p.policyname, p.permissive, p.roles::text[] AS roles, p.cmd, p.qual, p.with_check
FROM pg_policies p JOIN pg_namespace n ON n.nspname = p.schemaname
WHERE ${USER_NAMESPACE}`;
