import type pg from "pg";

/**
 * The schema as drift detection compares it: per relation its kind, columns, constraints and
 * indexes, as Postgres prints them. Stand-in for the trace issue's introspect() until it is merged.
 */
export type SchemaFingerprint = Record<string, { kind: string; columns: string[]; constraints: string[]; indexes: string[] }>;

export async function takeSnapshot(client: pg.ClientBase, excludeSchemas: string[] = []): Promise<SchemaFingerprint> {
  const r = await client.query<{ rel: string; kind: string; columns: string[] | null; constraints: string[] | null; indexes: string[] | null }>(
    `SELECT format('%I.%I', n.nspname, c.relname) AS rel, c.relkind::text AS kind,
        (SELECT array_agg(format('%I %s%s%s', a.attname, format_type(a.atttypid, a.atttypmod),
                   CASE WHEN a.attnotnull THEN ' not null' ELSE '' END,
                   coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '')) ORDER BY a.attnum)
           FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
          WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS columns,
        (SELECT array_agg(format('%I %s', co.conname, pg_get_constraintdef(co.oid)) ORDER BY co.conname)
           FROM pg_constraint co WHERE co.conrelid = c.oid) AS constraints,
        (SELECT array_agg(pg_get_indexdef(i.indexrelid) || CASE WHEN i.indisvalid THEN '' ELSE ' (INVALID)' END ORDER BY 1)
           FROM pg_index i WHERE i.indrelid = c.oid) AS indexes
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
        AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%'
        AND NOT (n.nspname = ANY($1::text[]))`,
    [excludeSchemas],
  );
  const out: SchemaFingerprint = {};
  for (const row of r.rows) out[row.rel] = { kind: row.kind, columns: row.columns ?? [], constraints: row.constraints ?? [], indexes: row.indexes ?? [] };
  return out;
}

/** Human-readable differences, "before" being the snapshot taken after the last apply. */
export function diffSnapshots(before: SchemaFingerprint, after: SchemaFingerprint): string[] {
  const out: string[] = [];
  for (const rel of Object.keys(before).sort()) if (!after[rel]) out.push(`${rel} was dropped`);
  for (const rel of Object.keys(after).sort()) {
    const b = before[rel];
    const a = after[rel]!;
    if (!b) {
      out.push(`${rel} was created`);
      continue;
    }
    for (const part of ["columns", "constraints", "indexes"] as const) {
      for (const x of a[part]) if (!b[part].includes(x)) out.push(`${rel}: ${part.slice(0, -1).replace("indexe", "index")} ${x} appeared`);
      for (const x of b[part]) if (!a[part].includes(x)) out.push(`${rel}: ${part.slice(0, -1).replace("indexe", "index")} ${x} disappeared`);
    }
  }
  return out;
}
