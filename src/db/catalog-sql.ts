import type pg from "pg";

/**
 * SQL fragments shared by the catalog readers (introspection, schema copy, trace).
 * `$1` is always a text[] of schemas to read, or NULL for every user schema.
 */

/** The user's namespaces (alias n): the requested ones, or every non-system schema. */
export const USER_NAMESPACE = `(CASE WHEN $1::text[] IS NULL
    THEN n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'
    ELSE n.nspname = ANY($1::text[]) END)`;

/** Objects created by an extension are the extension's business, not the schema's. */
export function notExtensionMember(catalog: string, oidExpr: string): string {
  return `NOT EXISTS (SELECT 1 FROM pg_depend ext WHERE ext.classid = '${catalog}'::regclass AND ext.objid = ${oidExpr} AND ext.deptype = 'e')`;
}

/** With search_path = pg_catalog every deparsed name comes out schema-qualified. */
export async function withQualifiedNames<T>(client: pg.ClientBase, fn: () => Promise<T>): Promise<T> {
  const { rows } = await client.query<{ p: string }>("SELECT current_setting('search_path') AS p");
  await client.query("SELECT set_config('search_path', 'pg_catalog', false)");
  try {
    return await fn();
  } finally {
    await client.query("SELECT set_config('search_path', $1, false)", [rows[0]!.p]);
  }
}
