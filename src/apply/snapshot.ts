import type pg from "pg";
import type { SchemaSnapshot } from "../analyze/types.js";
import { introspect } from "../db/introspect.js";

/**
 * The schema as drift detection compares it: the catalog snapshot (db/introspect.ts) without what
 * changes on its own (row estimates, sizes, statistics), as sorted lines per object.
 */
export type SchemaFingerprint = Record<string, { kind: string; columns: string[]; constraints: string[]; indexes: string[] }>;

export async function takeSnapshot(client: pg.ClientBase, excludeSchemas: string[] = []): Promise<SchemaFingerprint> {
  return fingerprint(await introspect(client), excludeSchemas);
}

export function fingerprint(snap: SchemaSnapshot, excludeSchemas: string[] = []): SchemaFingerprint {
  const out: SchemaFingerprint = {};
  for (const [key, rel] of Object.entries(snap.relations)) {
    if (excludeSchemas.includes(rel.schema) || rel.kind === "index" || rel.kind === "partitioned-index") continue;
    out[key] = {
      kind: rel.kind,
      columns: rel.columns.map((c) =>
        [c.name, c.type, c.notNull ? "not null" : "", c.default ? `default ${c.default}` : "", c.identity ? `identity ${c.identity}` : "", c.generated ? `generated ${c.generated}` : ""].filter(Boolean).join(" "),
      ),
      constraints: rel.constraints.map((c) => `${c.name} ${c.definition}${c.validated ? "" : " (not validated)"}`).sort(),
      indexes: rel.indexes.map((i) => `${i.definition}${i.valid ? "" : " (INVALID)"}`).sort(),
    };
  }
  for (const [key, t] of Object.entries(snap.types)) {
    if (excludeSchemas.includes(t.schema)) continue;
    out[`type ${key}`] = { kind: t.kind, columns: [...(t.labels ?? []), ...(t.baseType ? [`base ${t.baseType}`] : []), ...(t.notNull ? ["not null"] : [])], constraints: [...(t.checks ?? [])].sort(), indexes: [] };
  }
  return out;
}

/** Human-readable differences, "before" being the snapshot taken after the last apply. */
export function diffSnapshots(before: SchemaFingerprint, after: SchemaFingerprint): string[] {
  const out: string[] = [];
  for (const key of Object.keys(before).sort()) if (!after[key]) out.push(`${key} was dropped`);
  const label = { columns: "column", constraints: "constraint", indexes: "index" } as const;
  for (const key of Object.keys(after).sort()) {
    const b = before[key];
    const a = after[key]!;
    if (!b) {
      out.push(`${key} was created`);
      continue;
    }
    if (a.kind !== b.kind) out.push(`${key} changed from ${b.kind} to ${a.kind}`);
    for (const part of ["columns", "constraints", "indexes"] as const) {
      for (const x of a[part]) if (!b[part].includes(x)) out.push(`${key}: ${label[part]} ${x} appeared`);
      for (const x of b[part]) if (!a[part].includes(x)) out.push(`${key}: ${label[part]} ${x} disappeared`);
    }
  }
  return out;
}
