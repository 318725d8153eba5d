import type { StatementSummary } from "./describe.js";
import { normalizeType, typeChange, type Acc } from "./locks.js";
import type { SchemaContext } from "./schema.js";
import type { LockMode } from "./types.js";

/*
 * Locks of statements on the objects beside tables (statistics, publications, composite types of
 * typed tables) and of the maintenance commands whose reach depends on partitions and inheritance.
 * Measured on PG 18 (test/fixtures/lock-catalog/20-*, 21-*).
 */

const AEL: LockMode = "AccessExclusiveLock";
const SUE: LockMode = "ShareUpdateExclusiveLock";

/** DROP STATISTICS: the table each statistics object is on, ShareUpdateExclusiveLock. */
export function lockDropStatistics(s: StatementSummary, schema: SchemaContext, acc: Acc): void {
  for (const o of s.objects) {
    const table = schema.snapshot.statistics?.[o];
    if (table) acc.lock(table, SUE);
    else schema.assume(`${o}: the table of this statistics object is unknown; DROP STATISTICS locks it ShareUpdateExclusiveLock`);
  }
}

/**
 * CREATE / ALTER PUBLICATION ... TABLE: each table named (with its inheritance children unless
 * ONLY; never the partitions of a partitioned one), ShareUpdateExclusiveLock; SET TABLE also the
 * tables it replaces. Schemas and ALL TABLES lock nothing.
 */
export function lockPublication(s: StatementSummary, schema: SchemaContext, acc: Acc): void {
  const p = s.publication;
  if (!p) return;
  for (const t of p.tables.flatMap((x) => schema.publishedWith(x))) acc.lock(t, SUE);
  if (p.action !== "set") return;
  const current = schema.publicationTables(p.name);
  if (current) for (const t of current) acc.lock(t, SUE);
  else schema.assume(`publication ${p.name}: its tables are unknown; SET also locks each table it removes (ShareUpdateExclusiveLock)`);
}

/**
 * ALTER TYPE (composite) ... ADD / DROP / ALTER / RENAME ATTRIBUTE: the typed tables of that type
 * (CREATE TABLE ... OF) change with it, under AccessExclusiveLock; a new attribute type rewrites
 * them. Tables that merely have a column of the type are not locked (Postgres refuses ALTER
 * ATTRIBUTE ... TYPE for them).
 */
export function lockTypedTables(s: StatementSummary, schema: SchemaContext, pg: number, acc: Acc): void {
  const attributeChange = s.kind === "alter-attribute" || s.actions.some((a) => a.action === "add-column" || a.action === "drop-column" || a.action === "alter-column-type");
  if (!attributeChange || !s.relation) return;
  const typed = Object.entries(schema.snapshot.relations).filter(([, r]) => r.ofType === s.relation).map(([k]) => k);
  const type = schema.snapshot.types[s.relation];
  for (const t of typed) {
    acc.lock(t, AEL);
    for (const a of s.actions) {
      if (a.action !== "alter-column-type" || !a.type) continue;
      const old = type?.attributes?.find((x) => x.name === a.column)?.type;
      const to = { name: a.type.schema && a.type.schema !== "public" ? `${a.type.schema}.${a.type.name}` : a.type.name, typmods: a.type.typmods, array: a.type.array };
      if (!old || typeChange(normalizeType(old), to, a.using, a.column!, schema, pg) === "rewrite") acc.rewriteOne(t);
    }
  }
}

/**
 * VACUUM / ANALYZE of one table: partitions are always processed (each in its own transaction),
 * children of legacy inheritance from PG 18 on; ONLY (PG 18) keeps to the table itself, and an
 * ANALYZE of a parent then still samples the tables below it under AccessShareLock.
 */
export function lockVacuum(t: string, s: StatementSummary, schema: SchemaContext, pg: number, acc: Acc): void {
  const full = s.vacuum?.full === true;
  const mode: LockMode = full ? AEL : SUE;
  const recurse = !s.only && (schema.relation(t)?.kind === "partitioned-table" || pg >= 18);
  for (const x of recurse ? [t, ...schema.inheritorsOf(t)] : [t]) {
    acc.lock(x, mode);
    if (full) acc.rewriteOne(x);
  }
  if (s.vacuum?.analyze && !recurse) for (const c of schema.inheritorsOf(t)) if (schema.hasStorage(c)) acc.lock(c, "AccessShareLock");
}

/**
 * REINDEX TABLE / INDEX. A partitioned table is reindexed partition by partition, each in its own
 * transaction, after all its partitions were collected under ShareLock, with CONCURRENTLY too
 * (so it blocks writes for a moment); a partitioned index locks the table and each leaf partition.
 */
export function lockReindex(s: StatementSummary, schema: SchemaContext, acc: Acc): void {
  const mode: LockMode = s.concurrently ? SUE : "ShareLock";
  const table = s.objectType === "index" ? (s.relation ? schema.tableOfIndex(s.relation) : undefined) : s.relation;
  if (!table) return;
  acc.lock(table, mode);
  const partitions = schema.partitionsOf(table);
  if (s.objectType === "table") partitions.forEach((p) => acc.lock(p, "ShareLock"));
  else partitions.filter((p) => schema.hasStorage(p)).forEach((p) => acc.lock(p, mode));
}

/**
 * CLUSTER: a partitioned table is clustered partition by partition, each leaf in its own
 * transaction (so not inside a transaction block); children of legacy inheritance are not touched.
 */
export function lockCluster(rel: string | undefined, schema: SchemaContext, acc: Acc): void {
  if (!rel) return;
  acc.lock(rel, AEL);
  const leaves = schema.relation(rel)?.kind === "partitioned-table" ? schema.partitionsOf(rel).filter((p) => schema.hasStorage(p)) : [rel];
  for (const leaf of leaves) {
    acc.lock(leaf, AEL);
    acc.rewriteOne(leaf);
  }
}

/**
 * ENABLE / DISABLE TRIGGER on a partitioned table reaches the partitions for the row triggers it
 * cloned onto them: its user row triggers, and (ALL) the internal triggers of its enforced
 * foreign keys on either side.
 */
export function triggerReachesPartitions(rel: string, trigger: string | undefined, schema: SchemaContext): boolean {
  const r = schema.relation(rel);
  if (r?.kind !== "partitioned-table") return false;
  const user = r.partitionTriggers ?? [];
  if (trigger === "USER") return user.length > 0;
  if (trigger === "ALL") return user.length > 0 || [...schema.foreignKeysOf(rel), ...schema.referencing(rel).map((x) => x.constraint)].some((c) => !c.notEnforced);
  return trigger !== undefined && user.includes(trigger);
}

/** SET ACCESS METHOD rewrites a table (or materialized view) only when the method changes; a partitioned table has no storage. */
export function accessMethodChanges(rel: string, method: string | undefined, schema: SchemaContext): boolean {
  if (!schema.hasStorage(rel)) return false;
  const current = schema.relation(rel)?.accessMethod ?? "heap";
  return current !== (method ?? schema.snapshot.defaultAccessMethod ?? "heap");
}
