import { USER_NAMESPACE, notExtensionMember } from "./catalog-sql.js";
import { quoteIdent, quoteLiteral } from "./connection.js";
import type { CatalogQuery, Ddl } from "./copy-schema.js";

/**
 * Grants, default privileges and comments of the copied objects, and the roles they name (created
 * NOLOGIN on the shadow server when missing: a grant to a role needs the role). Ownership is not
 * copied: on the shadow everything belongs to its superuser, so privileges the owner holds are
 * left out and the rest are granted by the superuser.
 */

const QNAME = (ns: string, name: string) => `quote_ident(${ns}) || '.' || quote_ident(${name})`;
const GRANTEE = `CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END`;

/** Every role a policy, grant, default privilege or user mapping names (not the predefined pg_* ones). */
export async function roleDdl(q: CatalogQuery): Promise<Ddl[]> {
  const rows = await q<{ rolname: string }>(`
    SELECT r.rolname FROM pg_roles r WHERE r.rolname NOT LIKE 'pg\\_%' AND r.oid IN (
      SELECT unnest(p.polroles) FROM pg_policy p
      UNION SELECT (aclexplode(c.relacl)).grantee FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE ${USER_NAMESPACE}
      UNION SELECT (aclexplode(at.attacl)).grantee FROM pg_attribute at JOIN pg_class c ON c.oid = at.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE at.attacl IS NOT NULL AND ${USER_NAMESPACE}
      UNION SELECT (aclexplode(n.nspacl)).grantee FROM pg_namespace n WHERE ${USER_NAMESPACE}
      UNION SELECT (aclexplode(p.proacl)).grantee FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE ${USER_NAMESPACE}
      UNION SELECT (aclexplode(t.typacl)).grantee FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE ${USER_NAMESPACE}
      UNION SELECT (aclexplode(w.fdwacl)).grantee FROM pg_foreign_data_wrapper w
      UNION SELECT (aclexplode(s.srvacl)).grantee FROM pg_foreign_server s
      UNION SELECT d.defaclrole FROM pg_default_acl d
      UNION SELECT (aclexplode(d.defaclacl)).grantee FROM pg_default_acl d
      UNION SELECT m.umuser FROM pg_user_mappings m)
    ORDER BY 1`);
  return rows.map((r) => ({
    what: `role ${r.rolname}`,
    sql: `DO $$BEGIN CREATE ROLE ${quoteIdent(r.rolname)} NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END$$`,
    optional: true,
  }));
}

interface GrantRow {
  kind: string;
  object: string;
  column: string | null;
  privilege: string;
  grantee: string;
  grantable: boolean;
}

/** Objects with an ACL: what GRANT calls them, their name, their ACL and owner. */
const ACL_OBJECTS = `
  SELECT CASE WHEN c.relkind = 'S' THEN 'SEQUENCE' ELSE 'TABLE' END AS kind, ${QNAME("n.nspname", "c.relname")} AS object, NULL::text AS column, c.relacl AS acl, c.relowner AS owner
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S') AND ${USER_NAMESPACE} AND ${notExtensionMember("pg_class", "c.oid")}
  UNION ALL
  SELECT 'TABLE', ${QNAME("n.nspname", "c.relname")}, quote_ident(at.attname), at.attacl, c.relowner
  FROM pg_attribute at JOIN pg_class c ON c.oid = at.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE at.attnum > 0 AND NOT at.attisdropped AND at.attacl IS NOT NULL AND ${USER_NAMESPACE} AND ${notExtensionMember("pg_class", "c.oid")}
  UNION ALL
  SELECT 'SCHEMA', quote_ident(n.nspname), NULL, n.nspacl, n.nspowner FROM pg_namespace n WHERE ${USER_NAMESPACE} AND ${notExtensionMember("pg_namespace", "n.oid")}
  UNION ALL
  SELECT 'ROUTINE', p.oid::regprocedure::text, NULL, p.proacl, p.proowner
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE ${USER_NAMESPACE} AND ${notExtensionMember("pg_proc", "p.oid")}
  UNION ALL
  SELECT CASE WHEN t.typtype = 'd' THEN 'DOMAIN' ELSE 'TYPE' END, format_type(t.oid, NULL), NULL, t.typacl, t.typowner
  FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace LEFT JOIN pg_class tc ON tc.oid = t.typrelid
  WHERE t.typtype IN ('b', 'c', 'd', 'e', 'r', 'm') AND (t.typrelid = 0 OR tc.relkind = 'c') AND t.typcategory <> 'A'
    AND ${USER_NAMESPACE} AND ${notExtensionMember("pg_type", "t.oid")}
  UNION ALL
  SELECT 'FOREIGN DATA WRAPPER', quote_ident(w.fdwname), NULL, w.fdwacl, w.fdwowner FROM pg_foreign_data_wrapper w
  UNION ALL
  SELECT 'FOREIGN SERVER', quote_ident(s.srvname), NULL, s.srvacl, s.srvowner FROM pg_foreign_server s`;

/**
 * Grants as on the source. An object whose ACL is set starts with REVOKE ALL FROM PUBLIC: a set
 * ACL without PUBLIC means PUBLIC's default (EXECUTE on routines, USAGE on types) was revoked.
 */
export async function grantDdl(q: CatalogQuery): Promise<Ddl[]> {
  const objects = await q<{ kind: string; object: string }>(`SELECT DISTINCT o.kind, o.object FROM (${ACL_OBJECTS}) o WHERE o.acl IS NOT NULL AND o.column IS NULL ORDER BY 1, 2`);
  const grants = await q<GrantRow>(`
    SELECT o.kind, o.object, o.column, a.privilege_type AS privilege, ${GRANTEE} AS grantee, a.is_grantable AS grantable
    FROM (${ACL_OBJECTS}) o CROSS JOIN LATERAL aclexplode(o.acl) a
    WHERE a.grantee <> o.owner ORDER BY o.column NULLS FIRST, 1, 2, 3, 4, 5`);
  return [
    ...objects.map((o) => ({ what: `privileges on ${o.object}`, sql: `REVOKE ALL ON ${o.kind} ${o.object} FROM PUBLIC`, optional: true })),
    ...grants.map((g) => ({
      what: `privileges on ${g.object}`,
      sql: `GRANT ${g.privilege}${g.column ? ` (${g.column})` : ""} ON ${g.kind} ${g.object} TO ${g.grantee}${g.grantable ? " WITH GRANT OPTION" : ""}`,
      optional: true,
    })),
  ];
}

const DEFAULT_ACL_OBJECTS: Record<string, string> = { r: "TABLES", S: "SEQUENCES", f: "FUNCTIONS", T: "TYPES", n: "SCHEMAS", L: "LARGE OBJECTS" };

/** ALTER DEFAULT PRIVILEGES as on the source: what objects created later (by the migration) get. */
export async function defaultPrivilegeDdl(q: CatalogQuery): Promise<Ddl[]> {
  const rows = await q<{ role: string; schema: string | null; objtype: string; privilege: string | null; grantee: string | null; grantable: boolean; hasPublic: boolean }>(`
    SELECT quote_ident(pg_get_userbyid(d.defaclrole)) AS role, CASE WHEN d.defaclnamespace <> 0 THEN quote_ident(n.nspname) END AS schema, d.defaclobjtype::text AS objtype,
      a.privilege_type AS privilege, ${GRANTEE} AS grantee, a.is_grantable AS grantable,
      EXISTS (SELECT 1 FROM aclexplode(d.defaclacl) p WHERE p.grantee = 0) AS "hasPublic"
    FROM pg_default_acl d LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace
    LEFT JOIN LATERAL aclexplode(d.defaclacl) a ON a.grantee <> d.defaclrole
    ORDER BY d.oid, 4, 5`);
  const out: Ddl[] = [];
  const seen = new Set<string>();
  for (const r of rows) {
    const objects = DEFAULT_ACL_OBJECTS[r.objtype];
    if (!objects) continue;
    const prefix = `ALTER DEFAULT PRIVILEGES FOR ROLE ${r.role}${r.schema ? ` IN SCHEMA ${r.schema}` : ""}`;
    const key = `${r.role} ${r.schema} ${r.objtype}`;
    // a role-wide entry replaces the built-in defaults: without PUBLIC, PUBLIC's EXECUTE / USAGE was revoked
    if (!r.schema && !r.hasPublic && (r.objtype === "f" || r.objtype === "T") && !seen.has(key)) {
      out.push({ what: `default privileges of ${r.role}`, sql: `${prefix} REVOKE ALL ON ${objects} FROM PUBLIC`, optional: true });
    }
    seen.add(key);
    if (r.privilege && r.grantee) {
      out.push({ what: `default privileges of ${r.role}`, sql: `${prefix} GRANT ${r.privilege} ON ${objects} TO ${r.grantee}${r.grantable ? " WITH GRANT OPTION" : ""}`, optional: true });
    }
  }
  return out;
}

/** COMMENT ON every commented object of the user's schemas (and of the schema-less kinds: casts, publications, servers, ...). */
export async function commentDdl(q: CatalogQuery): Promise<Ddl[]> {
  const rows = await q<{ type: string; identity: string; description: string }>(`
    SELECT o.type, o.identity, d.description
    FROM pg_description d CROSS JOIN LATERAL pg_identify_object(d.classoid, d.objoid, d.objsubid) o
    LEFT JOIN pg_namespace n ON n.nspname = o.schema
    WHERE d.objoid >= 16384 AND d.classoid <> 'pg_extension'::regclass
      AND NOT EXISTS (SELECT 1 FROM pg_depend ext WHERE ext.classid = d.classoid AND ext.objid = d.objoid AND ext.deptype = 'e')
      AND (o.schema IS NULL OR ${USER_NAMESPACE})
    ORDER BY d.classoid, d.objoid, d.objsubid`);
  return rows.flatMap((r) => {
    const target = commentTarget(r.type, r.identity);
    return target ? [{ what: `comment on ${r.type} ${r.identity}`, sql: `COMMENT ON ${target} IS ${quoteLiteral(r.description)}`, optional: true }] : [];
  });
}

/** What COMMENT ON calls an object pg_identify_object describes. */
function commentTarget(type: string, identity: string): string | undefined {
  if (type.endsWith(" column")) return `COLUMN ${identity}`;
  if (type === "table constraint") return `CONSTRAINT ${identity}`;
  if (type === "domain constraint") return `CONSTRAINT ${identity.replace(" on ", " ON DOMAIN ")}`;
  if (type === "foreign-data wrapper") return `FOREIGN DATA WRAPPER ${identity}`;
  if (type === "statistics object") return `STATISTICS ${identity}`;
  if (["role", "database", "tablespace", "large object", "default acl", "user mapping", "publication relation", "publication namespace"].includes(type)) return undefined;
  return `${type.toUpperCase()} ${identity}`;
}
