import type pg from "pg";
import type { CatalogChange, SchemaSnapshot } from "../analyze/types.js";
import { USER_NAMESPACE, notExtensionMember, withQualifiedNames } from "../db/catalog-sql.js";
import { introspectShapes } from "../db/introspect.js";

export type { CatalogChange } from "../analyze/types.js";

/**
 * A database's schema as comparable facts: "kind name" -> definition. Built from `introspect`
 * (tables, columns, types, defaults, nullability, constraints, indexes, views, enums, domains)
 * plus what it does not read: triggers, policies, sequences, functions, row security, aggregates,
 * collations, operators, casts, rules, extended statistics, publications, event triggers, foreign
 * servers, text search objects. Grants and comments are not compared.
 * Sizes, statistics and column order are left out: they are not schema.
 */
export type CatalogState = Map<string, string>;

export async function catalogState(client: pg.ClientBase): Promise<CatalogState> {
  const snapshot = await introspectShapes(client);
  const state = fromSnapshot(snapshot);
  await withQualifiedNames(client, async () => {
    for (const sql of EXTRA_SQL) {
      const { rows } = await client.query<{ key: string; def: string }>(sql, sql.includes("$1") ? [null] : []);
      for (const r of rows) state.set(r.key, r.def);
    }
  });
  return state;
}

function fromSnapshot(s: Pick<SchemaSnapshot, "relations" | "types">): CatalogState {
  const out: CatalogState = new Map();
  for (const [q, r] of Object.entries(s.relations)) {
    if (r.kind === "index" || r.kind === "partitioned-index") continue;
    out.set(`${r.kind} ${q}`, [r.persistence && r.persistence !== "permanent" ? r.persistence : "", r.parent ? `partition of ${r.parent} ${r.partitionBound ?? ""}` : "", r.partitionKey ? `partition by ${r.partitionKey}` : ""].filter(Boolean).join(" ") || "exists");
    if (r.viewDefinition) out.set(`view-definition ${q}`, r.viewDefinition.trim());
    for (const c of r.columns) {
      const facts = [c.type, c.notNull ? "NOT NULL" : "NULL", c.default ? `DEFAULT ${c.default}` : "", c.identity ? `IDENTITY ${c.identity}` : "", c.generated ? `GENERATED ${c.generated} ${c.generationExpression ?? ""}` : "", c.collation ? `COLLATE ${c.collation}` : ""];
      out.set(`column ${q}.${c.name}`, facts.filter(Boolean).join(" "));
    }
    for (const c of r.constraints) {
      // PG 18 names NOT NULL constraints; the name is an accident of history, the column is the fact
      if (c.type === "n") continue;
      out.set(`constraint ${q}.${c.name}`, `${c.definition}${c.validated ? "" : " NOT VALID"}`);
    }
    for (const i of r.indexes) out.set(`index ${i.qualifiedName}`, `${i.definition}${i.valid ? "" : " INVALID"}`);
  }
  for (const [q, t] of Object.entries(s.types)) {
    const facts = [t.kind, t.baseTypeFormatted ?? t.baseType ?? "", t.notNull ? "NOT NULL" : "", t.default ? `DEFAULT ${t.default}` : "", t.labels ? `(${t.labels.join(", ")})` : "", t.checks?.join(" ") ?? "", t.attributes ? `(${t.attributes.map((a) => `${a.name} ${a.type}`).join(", ")})` : "", t.subtype ?? ""];
    out.set(`type ${q}`, facts.filter(Boolean).join(" "));
  }
  return out;
}

const EXTRA_SQL = [
  `SELECT 'trigger ' || n.nspname || '.' || c.relname || '.' || t.tgname AS key,
          pg_get_triggerdef(t.oid) || CASE t.tgenabled WHEN 'D' THEN ' (disabled)' WHEN 'R' THEN ' (replica)' WHEN 'A' THEN ' (always)' ELSE '' END AS def
     FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE NOT t.tgisinternal AND ${USER_NAMESPACE}`,
  `SELECT 'policy ' || n.nspname || '.' || c.relname || '.' || p.polname AS key,
          concat_ws(' ', CASE WHEN p.polpermissive THEN 'permissive' ELSE 'restrictive' END, p.polcmd,
            (SELECT string_agg(CASE WHEN r = 0 THEN 'public' ELSE r::regrole::text END, ',' ORDER BY r) FROM unnest(p.polroles) r),
            'USING', pg_get_expr(p.polqual, p.polrelid), 'CHECK', pg_get_expr(p.polwithcheck, p.polrelid)) AS def
     FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE ${USER_NAMESPACE}`,
  `SELECT 'row-security ' || n.nspname || '.' || c.relname AS key,
          CASE WHEN c.relforcerowsecurity THEN 'enabled, forced' ELSE 'enabled' END AS def
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relrowsecurity AND ${USER_NAMESPACE}`,
  `SELECT 'sequence-options ' || n.nspname || '.' || c.relname AS key,
          concat_ws(' ', format_type(s.seqtypid, NULL), 'start', s.seqstart, 'increment', s.seqincrement, 'min', s.seqmin, 'max', s.seqmax,
            'cache', s.seqcache, CASE WHEN s.seqcycle THEN 'cycle' END,
            (SELECT 'owned by ' || tn.nspname || '.' || tc.relname || '.' || a.attname
               FROM pg_depend d JOIN pg_class tc ON tc.oid = d.refobjid JOIN pg_namespace tn ON tn.oid = tc.relnamespace
               JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
              WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i') LIMIT 1)) AS def
     FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE ${USER_NAMESPACE} AND ${notExtensionMember("pg_class", "c.oid")}`,
  `SELECT 'function ' || n.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')' AS key,
          md5(pg_get_functiondef(p.oid)) AS def
     FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE p.prokind IN ('f', 'p') AND ${USER_NAMESPACE} AND ${notExtensionMember("pg_proc", "p.oid")}`,
  `SELECT 'aggregate ' || n.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')' AS key,
          concat_ws(' ', a.aggtransfn, format_type(a.aggtranstype, NULL), a.aggfinalfn, a.agginitval) AS def
     FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE ${USER_NAMESPACE} AND ${notExtensionMember("pg_proc", "p.oid")}`,
  `SELECT 'collation ' || n.nspname || '.' || c.collname AS key, concat_ws(' ', c.collprovider, c.collisdeterministic, c.collcollate, c.collctype, c.colllocale) AS def
     FROM pg_collation c JOIN pg_namespace n ON n.oid = c.collnamespace WHERE ${USER_NAMESPACE} AND ${notExtensionMember("pg_collation", "c.oid")}`,
  `SELECT 'operator ' || o.oid::regoperator::text AS key, o.oprcode::text AS def
     FROM pg_operator o JOIN pg_namespace n ON n.oid = o.oprnamespace WHERE ${USER_NAMESPACE} AND ${notExtensionMember("pg_operator", "o.oid")}`,
  `SELECT 'cast (' || format_type(c.castsource, NULL) || ' AS ' || format_type(c.casttarget, NULL) || ')' AS key, concat_ws(' ', c.castmethod, c.castfunc::regprocedure, c.castcontext) AS def
     FROM pg_cast c WHERE c.oid >= 16384 AND ${notExtensionMember("pg_cast", "c.oid")}`,
  `SELECT 'rule ' || n.nspname || '.' || c.relname || '.' || r.rulename AS key, concat_ws(' ', pg_get_ruledef(r.oid), r.ev_enabled) AS def
     FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE r.rulename <> '_RETURN' AND ${USER_NAMESPACE}`,
  `SELECT 'statistics ' || n.nspname || '.' || s.stxname AS key, pg_get_statisticsobjdef(s.oid) AS def
     FROM pg_statistic_ext s JOIN pg_namespace n ON n.oid = s.stxnamespace WHERE ${USER_NAMESPACE}`,
  `SELECT 'publication ' || p.pubname AS key,
          concat_ws(' ', p.puballtables, p.pubinsert, p.pubupdate, p.pubdelete, p.pubtruncate, p.pubviaroot,
            (SELECT string_agg(r.prrelid::regclass::text, ',' ORDER BY 1) FROM pg_publication_rel r WHERE r.prpubid = p.oid),
            (SELECT string_agg(pn.pnnspid::regnamespace::text, ',' ORDER BY 1) FROM pg_publication_namespace pn WHERE pn.pnpubid = p.oid)) AS def
     FROM pg_publication p`,
  `SELECT 'event-trigger ' || e.evtname AS key, concat_ws(' ', e.evtevent, e.evtfoid::regproc, e.evttags, e.evtenabled) AS def FROM pg_event_trigger e`,
  `SELECT 'server ' || s.srvname AS key, concat_ws(' ', w.fdwname, s.srvoptions) AS def FROM pg_foreign_server s JOIN pg_foreign_data_wrapper w ON w.oid = s.srvfdw`,
  `SELECT 'text-search ' || n.nspname || '.' || c.cfgname AS key, (SELECT p.prsname FROM pg_ts_parser p WHERE p.oid = c.cfgparser)::text AS def
     FROM pg_ts_config c JOIN pg_namespace n ON n.oid = c.cfgnamespace WHERE ${USER_NAMESPACE} AND ${notExtensionMember("pg_ts_config", "c.oid")}
   UNION ALL
   SELECT 'text-search ' || n.nspname || '.' || d.dictname, concat_ws(' ', (SELECT t.tmplname FROM pg_ts_template t WHERE t.oid = d.dicttemplate), d.dictinitoption)
     FROM pg_ts_dict d JOIN pg_namespace n ON n.oid = d.dictnamespace WHERE ${USER_NAMESPACE} AND ${notExtensionMember("pg_ts_dict", "d.oid")}`,
];

/** What differs between two catalog states, sorted by object. Empty: the schema is the same. */
export function diffCatalog(before: CatalogState, after: CatalogState): CatalogChange[] {
  const out: CatalogChange[] = [];
  for (const [k, v] of before) {
    if (!after.has(k)) out.push({ object: k, change: "removed", before: v });
    else if (after.get(k) !== v) out.push({ object: k, change: "changed", before: v, after: after.get(k)! });
  }
  for (const [k, v] of after) if (!before.has(k)) out.push({ object: k, change: "added", after: v });
  return out.sort((a, b) => a.object.localeCompare(b.object));
}

/** One line per change, for text output. */
export function formatChange(c: CatalogChange): string {
  if (c.change === "added") return `+ ${c.object}: ${c.after}`;
  if (c.change === "removed") return `- ${c.object}: ${c.before}`;
  return `~ ${c.object}: ${c.before} -> ${c.after}`;
}
