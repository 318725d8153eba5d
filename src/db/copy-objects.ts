import { USER_NAMESPACE, notExtensionMember } from "./catalog-sql.js";
import { quoteIdent, quoteLiteral } from "./connection.js";
import type { Ddl, CatalogQuery } from "./copy-schema.js";

/**
 * The schema objects beside tables that a shadow needs to behave like its source: collations,
 * aggregates, operators and operator classes, casts, text search dictionaries and configurations,
 * foreign-data wrappers, servers and user mappings, rules, extended statistics, publications,
 * event triggers, and table settings (replica identity, CLUSTER ON, column storage, statistics
 * targets, compression). Rebuilt from the catalog like the rest of copySchema (names come out
 * schema-qualified: the reads run with search_path = pg_catalog).
 */

const QNAME = (ns: string, name: string) => `quote_ident(${ns}) || '.' || quote_ident(${name})`;
const optional = (what: string, sql: string): Ddl => ({ what, sql, optional: true });

/** `OPTIONS (k 'v', ...)` from a catalog options array (`{k=v,...}`). */
export function optionsClause(options: string[] | null): string {
  if (!options?.length) return "";
  return ` OPTIONS (${options.map((o) => `${quoteIdent(o.slice(0, o.indexOf("=")))} ${quoteLiteral(o.slice(o.indexOf("=") + 1))}`).join(", ")})`;
}

/* ------------------------------------------ collations ------------------------------------------ */

export async function collationDdl(q: CatalogQuery): Promise<Ddl[]> {
  const rows = await q<{ name: string; provider: string; deterministic: boolean; collate: string | null; ctype: string | null; locale: string | null; rules: string | null }>(`
    SELECT ${QNAME("n.nspname", "c.collname")} AS name, c.collprovider::text AS provider, c.collisdeterministic AS deterministic,
      c.collcollate AS collate, c.collctype AS ctype, c.colllocale AS locale, c.collicurules AS rules
    FROM pg_collation c JOIN pg_namespace n ON n.oid = c.collnamespace
    WHERE ${USER_NAMESPACE} AND ${notExtensionMember("pg_collation", "c.oid")} ORDER BY c.oid`);
  return rows.map((c) => {
    const opts =
      c.provider === "c"
        ? [`provider = libc`, `lc_collate = ${quoteLiteral(c.collate ?? "")}`, `lc_ctype = ${quoteLiteral(c.ctype ?? "")}`]
        : [`provider = ${c.provider === "i" ? "icu" : "builtin"}`, `locale = ${quoteLiteral(c.locale ?? "")}`];
    if (!c.deterministic) opts.push("deterministic = false");
    if (c.rules) opts.push(`rules = ${quoteLiteral(c.rules)}`);
    return { what: `collation ${c.name}`, sql: `CREATE COLLATION ${c.name} (${opts.join(", ")})` };
  });
}

/* ------------------------ aggregates, operators, operator classes, casts ------------------------ */

interface AggregateRow {
  name: string;
  args: string;
  kind: string;
  [option: string]: string | number | boolean | null;
}

const AGGREGATE_OPTIONS: Array<[string, string]> = [
  ["sfunc", "SFUNC"], ["stype", "STYPE"], ["sspace", "SSPACE"], ["finalfunc", "FINALFUNC"], ["finalmodify", "FINALFUNC_MODIFY"],
  ["combinefunc", "COMBINEFUNC"], ["serialfunc", "SERIALFUNC"], ["deserialfunc", "DESERIALFUNC"], ["initcond", "INITCOND"],
  ["msfunc", "MSFUNC"], ["minvfunc", "MINVFUNC"], ["mstype", "MSTYPE"], ["msspace", "MSSPACE"], ["mfinalfunc", "MFINALFUNC"],
  ["mfinalmodify", "MFINALFUNC_MODIFY"], ["minitcond", "MINITCOND"], ["sortop", "SORTOP"], ["parallel", "PARALLEL"],
];
const MODIFY: Record<string, string> = { r: "READ_ONLY", s: "SHAREABLE", w: "READ_WRITE" };
const PARALLEL: Record<string, string> = { s: "SAFE", r: "RESTRICTED", u: "UNSAFE" };

function aggregateDdl(a: AggregateRow): string {
  const opts: string[] = [];
  for (const [key, word] of AGGREGATE_OPTIONS) {
    const v = a[key];
    if (v === null || v === undefined || v === 0) continue;
    if (key === "finalmodify" && !a.finalfunc) continue;
    if (key === "mfinalmodify" && !a.mfinalfunc) continue;
    const value = key.endsWith("modify") ? MODIFY[String(v)] : key === "parallel" ? PARALLEL[String(v)] : key.endsWith("initcond") ? quoteLiteral(String(v)) : String(v);
    opts.push(`${word} = ${value}`);
  }
  if (a.finalextra) opts.push("FINALFUNC_EXTRA");
  if (a.mfinalextra) opts.push("MFINALFUNC_EXTRA");
  if (a.kind === "h") opts.push("HYPOTHETICAL");
  return `CREATE AGGREGATE ${a.name} (${a.args || "*"}) (${opts.join(", ")})`;
}

const regproc = (col: string) => `CASE WHEN ${col} <> 0 THEN ${col}::regproc::text END`;
const operatorName = (col: string) =>
  `(SELECT 'OPERATOR(' || quote_ident(on_.nspname) || '.' || o_.oprname || ')' FROM pg_operator o_ JOIN pg_namespace on_ ON on_.oid = o_.oprnamespace WHERE o_.oid = ${col})`;

export async function routineObjectDdl(q: CatalogQuery): Promise<Ddl[]> {
  const out: Ddl[] = [];
  const aggregates = await q<AggregateRow>(`
    SELECT ${QNAME("n.nspname", "p.proname")} AS name, pg_get_function_arguments(p.oid) AS args, a.aggkind::text AS kind,
      ${regproc("a.aggtransfn")} AS sfunc, format_type(a.aggtranstype, NULL) AS stype, a.aggtransspace AS sspace,
      ${regproc("a.aggfinalfn")} AS finalfunc, a.aggfinalextra AS finalextra, a.aggfinalmodify::text AS finalmodify,
      ${regproc("a.aggcombinefn")} AS combinefunc, ${regproc("a.aggserialfn")} AS serialfunc, ${regproc("a.aggdeserialfn")} AS deserialfunc,
      a.agginitval AS initcond, ${regproc("a.aggmtransfn")} AS msfunc, ${regproc("a.aggminvtransfn")} AS minvfunc,
      CASE WHEN a.aggmtranstype <> 0 THEN format_type(a.aggmtranstype, NULL) END AS mstype, a.aggmtransspace AS msspace,
      ${regproc("a.aggmfinalfn")} AS mfinalfunc, a.aggmfinalextra AS mfinalextra, a.aggmfinalmodify::text AS mfinalmodify, a.aggminitval AS minitcond,
      ${operatorName("a.aggsortop")} AS sortop, p.proparallel::text AS parallel
    FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE ${USER_NAMESPACE} AND ${notExtensionMember("pg_proc", "p.oid")} ORDER BY p.oid`);
  for (const a of aggregates) out.push({ what: `aggregate ${a.name}`, sql: aggregateDdl(a) });

  const operators = await q<{ name: string; left: string | null; right: string | null; fn: string; commutator: string | null; negator: string | null; restrict: string | null; join: string | null; hashes: boolean; merges: boolean }>(`
    SELECT quote_ident(n.nspname) || '.' || o.oprname AS name,
      CASE WHEN o.oprleft <> 0 THEN format_type(o.oprleft, NULL) END AS left, CASE WHEN o.oprright <> 0 THEN format_type(o.oprright, NULL) END AS right,
      o.oprcode::regproc::text AS fn, ${operatorName("o.oprcom")} AS commutator, ${operatorName("o.oprnegate")} AS negator,
      ${regproc("o.oprrest")} AS restrict, ${regproc("o.oprjoin")} AS join, o.oprcanhash AS hashes, o.oprcanmerge AS merges
    FROM pg_operator o JOIN pg_namespace n ON n.oid = o.oprnamespace
    WHERE o.oprcode <> 0 AND ${USER_NAMESPACE} AND ${notExtensionMember("pg_operator", "o.oid")} ORDER BY o.oid`);
  for (const o of operators) {
    const opts = [`FUNCTION = ${o.fn}`, o.left && `LEFTARG = ${o.left}`, o.right && `RIGHTARG = ${o.right}`, o.commutator && `COMMUTATOR = ${o.commutator}`,
      o.negator && `NEGATOR = ${o.negator}`, o.restrict && `RESTRICT = ${o.restrict}`, o.join && `JOIN = ${o.join}`, o.hashes && "HASHES", o.merges && "MERGES"];
    out.push({ what: `operator ${o.name}`, sql: `CREATE OPERATOR ${o.name} (${opts.filter(Boolean).join(", ")})` });
  }

  const families = await q<{ name: string; method: string }>(`
    SELECT ${QNAME("n.nspname", "f.opfname")} AS name, quote_ident(am.amname) AS method
    FROM pg_opfamily f JOIN pg_am am ON am.oid = f.opfmethod JOIN pg_namespace n ON n.oid = f.opfnamespace
    WHERE ${USER_NAMESPACE} AND ${notExtensionMember("pg_opfamily", "f.oid")} ORDER BY f.oid`);
  for (const f of families) out.push({ what: `operator family ${f.name}`, sql: `CREATE OPERATOR FAMILY ${f.name} USING ${f.method}` });
  // members of a class, and the family's loose members, each with what they belong to
  const members = await q<{ owner: string; kind: "class" | "family"; item: string }>(`
    SELECT CASE WHEN d.refclassid = 'pg_opclass'::regclass THEN 'class' ELSE 'family' END AS kind,
      CASE WHEN d.refclassid = 'pg_opclass'::regclass
        THEN (SELECT ${QNAME("cn.nspname", "c.opcname")} FROM pg_opclass c JOIN pg_namespace cn ON cn.oid = c.opcnamespace WHERE c.oid = d.refobjid)
        ELSE (SELECT ${QNAME("fn.nspname", "f.opfname")} FROM pg_opfamily f JOIN pg_namespace fn ON fn.oid = f.opfnamespace WHERE f.oid = d.refobjid) END AS owner,
      CASE WHEN d.classid = 'pg_amop'::regclass
        THEN (SELECT 'OPERATOR ' || o.amopstrategy || ' ' || o.amopopr::regoperator::text
                || CASE WHEN o.amoppurpose = 'o' THEN ' FOR ORDER BY ' || (SELECT ${QNAME("sn.nspname", "s.opfname")} FROM pg_opfamily s JOIN pg_namespace sn ON sn.oid = s.opfnamespace WHERE s.oid = o.amopsortfamily) ELSE '' END
              FROM pg_amop o WHERE o.oid = d.objid)
        ELSE (SELECT 'FUNCTION ' || p.amprocnum || ' (' || format_type(p.amproclefttype, NULL) || ', ' || format_type(p.amprocrighttype, NULL) || ') ' || p.amproc::regprocedure::text
              FROM pg_amproc p WHERE p.oid = d.objid) END AS item
    FROM pg_depend d
    WHERE d.classid IN ('pg_amop'::regclass, 'pg_amproc'::regclass) AND d.refclassid IN ('pg_opclass'::regclass, 'pg_opfamily'::regclass)
      AND d.deptype IN ('a', 'i') AND d.refobjid >= 16384
    ORDER BY d.objid`);
  const classes = await q<{ name: string; method: string; isDefault: boolean; type: string; family: string; storage: string | null }>(`
    SELECT ${QNAME("n.nspname", "c.opcname")} AS name, quote_ident(am.amname) AS method, c.opcdefault AS "isDefault", format_type(c.opcintype, NULL) AS type,
      (SELECT ${QNAME("fn.nspname", "f.opfname")} FROM pg_opfamily f JOIN pg_namespace fn ON fn.oid = f.opfnamespace WHERE f.oid = c.opcfamily) AS family,
      CASE WHEN c.opckeytype <> 0 THEN format_type(c.opckeytype, NULL) END AS storage
    FROM pg_opclass c JOIN pg_am am ON am.oid = c.opcmethod JOIN pg_namespace n ON n.oid = c.opcnamespace
    WHERE ${USER_NAMESPACE} AND ${notExtensionMember("pg_opclass", "c.oid")} ORDER BY c.oid`);
  for (const c of classes) {
    const items = members.filter((m) => m.kind === "class" && m.owner === c.name).map((m) => m.item);
    if (c.storage) items.push(`STORAGE ${c.storage}`);
    out.push({ what: `operator class ${c.name}`, sql: `CREATE OPERATOR CLASS ${c.name}${c.isDefault ? " DEFAULT" : ""} FOR TYPE ${c.type} USING ${c.method} FAMILY ${c.family} AS ${items.join(", ")}` });
  }
  for (const f of families) {
    const loose = members.filter((m) => m.kind === "family" && m.owner === f.name).map((m) => m.item);
    if (loose.length) out.push({ what: `operator family ${f.name}`, sql: `ALTER OPERATOR FAMILY ${f.name} USING ${f.method} ADD ${loose.join(", ")}` });
  }

  const casts = await q<{ source: string; target: string; method: string; fn: string | null; context: string }>(`
    SELECT format_type(c.castsource, NULL) AS source, format_type(c.casttarget, NULL) AS target, c.castmethod::text AS method,
      CASE WHEN c.castfunc <> 0 THEN c.castfunc::regprocedure::text END AS fn, c.castcontext::text AS context
    FROM pg_cast c WHERE c.oid >= 16384 AND ${notExtensionMember("pg_cast", "c.oid")}
      -- casts a type made for itself (a range to its multirange) come with the type
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_cast'::regclass AND d.objid = c.oid AND d.deptype = 'i')
    ORDER BY c.oid`);
  for (const c of casts) {
    const how = c.method === "f" ? `WITH FUNCTION ${c.fn}` : c.method === "i" ? "WITH INOUT" : "WITHOUT FUNCTION";
    const context = c.context === "a" ? " AS ASSIGNMENT" : c.context === "i" ? " AS IMPLICIT" : "";
    out.push({ what: `cast (${c.source} AS ${c.target})`, sql: `CREATE CAST (${c.source} AS ${c.target}) ${how}${context}` });
  }

  const dictionaries = await q<{ name: string; template: string; options: string | null }>(`
    SELECT ${QNAME("n.nspname", "d.dictname")} AS name,
      (SELECT ${QNAME("tn.nspname", "t.tmplname")} FROM pg_ts_template t JOIN pg_namespace tn ON tn.oid = t.tmplnamespace WHERE t.oid = d.dicttemplate) AS template,
      d.dictinitoption AS options
    FROM pg_ts_dict d JOIN pg_namespace n ON n.oid = d.dictnamespace
    WHERE ${USER_NAMESPACE} AND ${notExtensionMember("pg_ts_dict", "d.oid")} ORDER BY d.oid`);
  for (const d of dictionaries) out.push({ what: `text search dictionary ${d.name}`, sql: `CREATE TEXT SEARCH DICTIONARY ${d.name} (TEMPLATE = ${d.template}${d.options ? `, ${d.options}` : ""})` });
  const configurations = await q<{ name: string; parser: string; mappings: string[] }>(`
    SELECT ${QNAME("n.nspname", "c.cfgname")} AS name,
      (SELECT ${QNAME("pn.nspname", "p.prsname")} FROM pg_ts_parser p JOIN pg_namespace pn ON pn.oid = p.prsnamespace WHERE p.oid = c.cfgparser) AS parser,
      ARRAY(SELECT 'ADD MAPPING FOR ' || t.alias || ' WITH ' || string_agg(
          (SELECT ${QNAME("dn.nspname", "d.dictname")} FROM pg_ts_dict d JOIN pg_namespace dn ON dn.oid = d.dictnamespace WHERE d.oid = m.mapdict), ', ' ORDER BY m.mapseqno)
        FROM pg_ts_config_map m JOIN ts_token_type(c.cfgparser) t ON t.tokid = m.maptokentype WHERE m.mapcfg = c.oid GROUP BY t.alias ORDER BY t.alias) AS mappings
    FROM pg_ts_config c JOIN pg_namespace n ON n.oid = c.cfgnamespace
    WHERE ${USER_NAMESPACE} AND ${notExtensionMember("pg_ts_config", "c.oid")} ORDER BY c.oid`);
  for (const c of configurations) {
    out.push({ what: `text search configuration ${c.name}`, sql: `CREATE TEXT SEARCH CONFIGURATION ${c.name} (PARSER = ${c.parser})` });
    for (const m of c.mappings) out.push({ what: `text search configuration ${c.name}`, sql: `ALTER TEXT SEARCH CONFIGURATION ${c.name} ${m}` });
  }
  return out;
}

/* ------------------------------- foreign-data wrappers and servers ------------------------------- */

export async function foreignServerDdl(q: CatalogQuery): Promise<Ddl[]> {
  const out: Ddl[] = [];
  const wrappers = await q<{ name: string; handler: string | null; validator: string | null; options: string[] | null }>(`
    SELECT quote_ident(w.fdwname) AS name, ${regproc("w.fdwhandler")} AS handler, ${regproc("w.fdwvalidator")} AS validator, w.fdwoptions AS options
    FROM pg_foreign_data_wrapper w WHERE ${notExtensionMember("pg_foreign_data_wrapper", "w.oid")} ORDER BY w.oid`);
  for (const w of wrappers) {
    const sql = `CREATE FOREIGN DATA WRAPPER ${w.name}${w.handler ? ` HANDLER ${w.handler}` : ""}${w.validator ? ` VALIDATOR ${w.validator}` : ""}${optionsClause(w.options)}`;
    out.push({ what: `foreign-data wrapper ${w.name}`, sql });
  }
  const servers = await q<{ name: string; type: string | null; version: string | null; wrapper: string; options: string[] | null }>(`
    SELECT quote_ident(s.srvname) AS name, s.srvtype AS type, s.srvversion AS version, quote_ident(w.fdwname) AS wrapper, s.srvoptions AS options
    FROM pg_foreign_server s JOIN pg_foreign_data_wrapper w ON w.oid = s.srvfdw
    WHERE ${notExtensionMember("pg_foreign_server", "s.oid")} ORDER BY s.oid`);
  for (const s of servers) {
    const sql = `CREATE SERVER ${s.name}${s.type ? ` TYPE ${quoteLiteral(s.type)}` : ""}${s.version ? ` VERSION ${quoteLiteral(s.version)}` : ""} FOREIGN DATA WRAPPER ${s.wrapper}${optionsClause(s.options)}`;
    out.push({ what: `server ${s.name}`, sql });
  }
  // user mappings hold credentials in their options: the mapping is copied, its options are not
  for (const m of await q<{ role: string; server: string }>(`
    SELECT CASE WHEN m.umuser = 0 THEN 'PUBLIC' ELSE quote_ident(m.usename) END AS role, quote_ident(m.srvname) AS server
    FROM pg_user_mappings m ORDER BY m.umid`)) {
    out.push(optional(`user mapping for ${m.role} on server ${m.server}`, `CREATE USER MAPPING FOR ${m.role} SERVER ${m.server}`));
  }
  return out;
}

/* ------------------------------ what hangs on tables once they exist ------------------------------ */

export async function tableExtrasDdl(q: CatalogQuery): Promise<Ddl[]> {
  const out: Ddl[] = [];
  for (const r of await q<{ name: string; relation: string; def: string; enabled: string }>(`
    SELECT quote_ident(r.rulename) AS name, ${QNAME("n.nspname", "c.relname")} AS relation, pg_get_ruledef(r.oid) AS def, r.ev_enabled::text AS enabled
    FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE r.rulename <> '_RETURN' AND ${USER_NAMESPACE} AND ${notExtensionMember("pg_class", "c.oid")} ORDER BY r.oid`)) {
    const state = { D: "DISABLE RULE", R: "ENABLE REPLICA RULE", A: "ENABLE ALWAYS RULE" }[r.enabled];
    out.push({ what: `rule ${r.name} on ${r.relation}`, sql: r.def.replace(/;\s*$/, "") });
    if (state) out.push({ what: `rule ${r.name} on ${r.relation}`, sql: `ALTER TABLE ${r.relation} ${state} ${r.name}` });
  }
  for (const s of await q<{ name: string; def: string; target: number | null }>(`
    SELECT ${QNAME("n.nspname", "s.stxname")} AS name, pg_get_statisticsobjdef(s.oid) AS def, s.stxstattarget AS target
    FROM pg_statistic_ext s JOIN pg_namespace n ON n.oid = s.stxnamespace
    WHERE ${USER_NAMESPACE} AND ${notExtensionMember("pg_statistic_ext", "s.oid")} ORDER BY s.oid`)) {
    out.push({ what: `statistics ${s.name}`, sql: s.def });
    if (s.target !== null && s.target >= 0) out.push({ what: `statistics ${s.name}`, sql: `ALTER STATISTICS ${s.name} SET STATISTICS ${s.target}` });
  }
  for (const p of await q<{ name: string; all: boolean; publish: string; viaRoot: boolean; generated: string; tables: string[]; schemas: string[] }>(`
    SELECT quote_ident(p.pubname) AS name, p.puballtables AS all,
      concat_ws(', ', CASE WHEN p.pubinsert THEN 'insert' END, CASE WHEN p.pubupdate THEN 'update' END, CASE WHEN p.pubdelete THEN 'delete' END, CASE WHEN p.pubtruncate THEN 'truncate' END) AS publish,
      p.pubviaroot AS "viaRoot", p.pubgencols::text AS generated,
      -- each table ONLY by itself: the catalog also lists the inheritance children added with their parent
      ARRAY(SELECT 'TABLE ONLY ' || ${QNAME("tn.nspname", "t.relname")}
          || COALESCE(' (' || (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY k.i) FROM unnest(r.prattrs::int2[]) WITH ORDINALITY k(n, i)
                JOIN pg_attribute a ON a.attrelid = r.prrelid AND a.attnum = k.n) || ')', '')
          || COALESCE(' WHERE (' || pg_get_expr(r.prqual, r.prrelid) || ')', '')
        FROM pg_publication_rel r JOIN pg_class t ON t.oid = r.prrelid JOIN pg_namespace tn ON tn.oid = t.relnamespace WHERE r.prpubid = p.oid ORDER BY r.oid) AS tables,
      ARRAY(SELECT 'TABLES IN SCHEMA ' || quote_ident(sn.nspname) FROM pg_publication_namespace pn JOIN pg_namespace sn ON sn.oid = pn.pnnspid WHERE pn.pnpubid = p.oid ORDER BY pn.oid) AS schemas
    FROM pg_publication p ORDER BY p.oid`)) {
    const members = [...p.tables, ...p.schemas];
    const scope = p.all ? " FOR ALL TABLES" : members.length ? ` FOR ${members.join(", ")}` : "";
    const options = `publish = ${quoteLiteral(p.publish)}, publish_via_partition_root = ${p.viaRoot}, publish_generated_columns = ${p.generated === "s" ? "stored" : "none"}`;
    out.push(optional(`publication ${p.name}`, `CREATE PUBLICATION ${p.name}${scope} WITH (${options})`));
  }
  for (const r of await q<{ name: string; ident: string; index: string | null }>(`
    SELECT ${QNAME("n.nspname", "c.relname")} AS name, c.relreplident::text AS ident,
      (SELECT quote_ident(ic.relname) FROM pg_index x JOIN pg_class ic ON ic.oid = x.indexrelid WHERE x.indrelid = c.oid AND x.indisreplident) AS index
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p') AND c.relreplident <> 'd' AND ${USER_NAMESPACE} ORDER BY c.oid`)) {
    const identity = r.ident === "n" ? "NOTHING" : r.ident === "f" ? "FULL" : r.index ? `USING INDEX ${r.index}` : undefined;
    if (identity) out.push({ what: `replica identity of ${r.name}`, sql: `ALTER TABLE ${r.name} REPLICA IDENTITY ${identity}` });
  }
  for (const c of await q<{ name: string; index: string }>(`
    SELECT ${QNAME("n.nspname", "c.relname")} AS name, quote_ident(ic.relname) AS index
    FROM pg_index x JOIN pg_class ic ON ic.oid = x.indexrelid JOIN pg_class c ON c.oid = x.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE x.indisclustered AND ${USER_NAMESPACE} ORDER BY c.oid`)) {
    out.push({ what: `cluster index of ${c.name}`, sql: `ALTER TABLE ${c.name} CLUSTER ON ${c.index}` });
  }
  for (const a of await q<{ relation: string; kind: string; column: string; target: number | null; storage: string | null; compression: string | null; options: string[] | null }>(`
    SELECT ${QNAME("n.nspname", "c.relname")} AS relation, c.relkind::text AS kind, quote_ident(a.attname) AS column,
      a.attstattarget AS target, CASE WHEN a.attstorage <> t.typstorage THEN a.attstorage::text END AS storage,
      NULLIF(a.attcompression::text, '') AS compression, a.attoptions AS options
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_type t ON t.oid = a.atttypid
    WHERE c.relkind IN ('r', 'p', 'm', 'f') AND a.attnum > 0 AND NOT a.attisdropped AND ${USER_NAMESPACE} AND ${notExtensionMember("pg_class", "c.oid")}
      AND (a.attstattarget >= 0 OR a.attstorage <> t.typstorage OR a.attcompression <> '' OR a.attoptions IS NOT NULL)
      AND NOT (c.relispartition AND a.attinhcount > 0)
    ORDER BY c.oid, a.attnum`)) {
    const alter = `ALTER ${a.kind === "m" ? "MATERIALIZED VIEW" : a.kind === "f" ? "FOREIGN TABLE" : "TABLE"} ${a.relation} ALTER COLUMN ${a.column}`;
    const storage = { p: "PLAIN", e: "EXTERNAL", x: "EXTENDED", m: "MAIN" }[a.storage ?? ""];
    const compression = { p: "pglz", l: "lz4" }[a.compression ?? ""];
    if (a.target !== null && a.target >= 0) out.push({ what: `column ${a.relation}.${a.column}`, sql: `${alter} SET STATISTICS ${a.target}` });
    if (storage) out.push({ what: `column ${a.relation}.${a.column}`, sql: `${alter} SET STORAGE ${storage}` });
    if (compression) out.push(optional(`column ${a.relation}.${a.column}`, `${alter} SET COMPRESSION ${compression}`));
    if (a.options?.length) out.push({ what: `column ${a.relation}.${a.column}`, sql: `${alter} SET (${a.options.join(", ")})` });
  }
  return out;
}

/* ---------------------------------------- event triggers ---------------------------------------- */

/** Created last: from then on they fire on DDL, as on the source. */
export async function eventTriggerDdl(q: CatalogQuery): Promise<Ddl[]> {
  const out: Ddl[] = [];
  for (const e of await q<{ name: string; event: string; fn: string; tags: string[] | null; enabled: string }>(`
    SELECT quote_ident(e.evtname) AS name, e.evtevent AS event, e.evtfoid::regproc::text AS fn, e.evttags AS tags, e.evtenabled::text AS enabled
    FROM pg_event_trigger e WHERE ${notExtensionMember("pg_event_trigger", "e.oid")} ORDER BY e.oid`)) {
    const when = e.tags?.length ? ` WHEN TAG IN (${e.tags.map(quoteLiteral).join(", ")})` : "";
    out.push({ what: `event trigger ${e.name}`, sql: `CREATE EVENT TRIGGER ${e.name} ON ${quoteIdent(e.event)}${when} EXECUTE FUNCTION ${e.fn}()` });
    const state = { D: "DISABLE", R: "ENABLE REPLICA", A: "ENABLE ALWAYS" }[e.enabled];
    if (state) out.push({ what: `event trigger ${e.name}`, sql: `ALTER EVENT TRIGGER ${e.name} ${state}` });
  }
  return out;
}

/* ----------------------------------- what is not copied, and why ----------------------------------- */

/** Objects a shadow cannot have, each said with why and how many. */
export async function uncopied(q: CatalogQuery): Promise<string[]> {
  const user = (catalog: string) => `oid >= 16384 AND ${notExtensionMember(catalog, "oid")}`;
  const rows = await q<{ what: string; n: number }>(`
    SELECT 'subscriptions: a copy would connect to their publishers' AS what, count(*)::int AS n FROM pg_subscription WHERE subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())
    UNION ALL SELECT 'security labels: no label provider is loaded on the shadow server', count(*)::int FROM pg_seclabel
    UNION ALL SELECT 'user mapping options: they hold credentials', count(*)::int FROM pg_user_mappings WHERE umoptions IS NOT NULL
    UNION ALL SELECT 'text search parsers and templates outside extensions: they need C functions', count(*)::int
      FROM (SELECT oid FROM pg_ts_parser WHERE ${user("pg_ts_parser")} UNION ALL SELECT oid FROM pg_ts_template WHERE ${user("pg_ts_template")}) x
    UNION ALL SELECT 'access methods outside extensions with handlers of their own: they need C code', count(*)::int FROM pg_am
      WHERE ${user("pg_am")} AND (SELECT pronamespace FROM pg_proc WHERE oid = amhandler) <> 'pg_catalog'::regnamespace
    UNION ALL SELECT 'procedural languages outside extensions', count(*)::int FROM pg_language WHERE ${user("pg_language")}
    UNION ALL SELECT 'conversions', count(*)::int FROM pg_conversion WHERE ${user("pg_conversion")}
    UNION ALL SELECT 'transforms', count(*)::int FROM pg_transform WHERE ${user("pg_transform")}
    UNION ALL SELECT 'tablespaces: relations in them are created in the shadow''s default tablespace', count(DISTINCT c.reltablespace)::int
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.reltablespace <> 0 AND ${USER_NAMESPACE}
    UNION ALL SELECT 'large objects: they are data', count(*)::int FROM pg_largeobject_metadata`);
  return rows.filter((r) => r.n > 0).map((r) => `${r.what} (${r.n})`);
}
