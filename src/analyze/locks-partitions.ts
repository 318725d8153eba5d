import type { AlterAction } from "./describe.js";
import { lockFkTarget, type Acc } from "./locks.js";
import type { SchemaContext } from "./schema.js";
import type { LockMode } from "./types.js";

/*
 * What partition DDL locks beyond the partitioned table and the partition: the DEFAULT partition
 * (its rows must fit the new bounds), and both sides of the foreign keys whose copies Postgres
 * keeps per partition (on each partition of a referencing table, and on the referencing table for
 * each partition of a referenced one). Measured on PG 18 (test/fixtures/lock-catalog/19-*, 20-*).
 */

const AEL: LockMode = "AccessExclusiveLock";
const SRE: LockMode = "ShareRowExclusiveLock";

/** The partitioned table at the top of `name`'s partition tree (or `name`). */
function rootOf(name: string, schema: SchemaContext): string {
  return schema.partitionAncestry(name).at(-1)!;
}

/**
 * The tables whose own foreign keys reference `table` or a partitioned table above it: each such
 * key has a copy per partition below (read from the declarations, so that a schema known only
 * from statements, without the copies, gives the same answer as the catalog).
 */
function referencingAbove(table: string, schema: SchemaContext): string[] {
  const tables = schema.partitionAncestry(table).flatMap((t) => schema.referencing(t).filter((r) => !r.constraint.inherited && r.table !== t).map((r) => r.table));
  return [...new Set(tables)];
}

/** The foreign keys a partition of `parent` gets copies of: those declared on the parent and the tables above it. */
function inheritedForeignKeys(parent: string, schema: SchemaContext): string[] {
  return schema.partitionAncestry(parent).flatMap((t) => schema.ownForeignKeysOf(t).map((fk) => fk.references!));
}

/**
 * A partition joins `parent` (CREATE TABLE ... PARTITION OF, ATTACH PARTITION): the parent (in
 * `parentMode`), the DEFAULT partition checked under AccessExclusiveLock, the tables the parent's
 * foreign keys reference (the copy's triggers), and the tables whose foreign keys reference the
 * tree (a new copy recorded there).
 */
export function lockNewPartition(partition: string, parent: string, isDefault: boolean, parentMode: LockMode, schema: SchemaContext, acc: Acc): void {
  acc.lock(parent, parentMode);
  const def = schema.defaultPartitionOf(parent);
  if (def && !isDefault && def !== partition) {
    acc.lock(def, AEL);
    acc.scan(def);
  }
  for (const target of inheritedForeignKeys(parent, schema)) lockFkTarget(target, partition, schema, acc);
  for (const table of referencingAbove(parent, schema)) acc.lock(table, SRE);
}

/**
 * DETACH PARTITION (and its CONCURRENTLY / FINALIZE forms, whose last transaction takes
 * AccessExclusiveLock on the partition): the partition's copies of the parent's foreign keys
 * become its own (new triggers on the referenced tables); the copies that foreign keys
 * referencing the tree keep for this partition are dropped after a check that no row of the
 * referencing table points into it.
 */
export function lockDetachPartition(parent: string, a: AlterAction, schema: SchemaContext, acc: Acc): void {
  const partition = a.partition!;
  const twoPhase = a.concurrently === true || a.action === "detach-partition-finalize";
  acc.lock(parent, twoPhase ? "ShareUpdateExclusiveLock" : AEL);
  acc.lockTree(partition, AEL);
  const def = schema.defaultPartitionOf(parent);
  if (def && def !== partition && !twoPhase) {
    acc.lock(def, AEL);
    // the DEFAULT partition's new constraint includes the parent's own partition constraint
    lockPartitionConstraintSources(parent, schema, acc, true);
  }
  for (const target of inheritedForeignKeys(parent, schema)) lockFkTarget(target, partition, schema, acc);
  for (const table of referencingAbove(parent, schema)) {
    acc.lock(table, AEL);
    for (const p of schema.inheritorsOf(table)) acc.lock(p, "AccessShareLock");
  }
}

/**
 * DROP TABLE: the table and everything below it; for a partition, its parent and the parent's
 * DEFAULT partition; the referenced tables of its own enforced foreign keys (their triggers go);
 * and every foreign key referencing what is dropped (CASCADE drops them; without it, the drop fails).
 */
export function lockDropTable(t: string, cascade: boolean, schema: SchemaContext, acc: Acc): void {
  acc.lockTree(t, AEL);
  const parent = schema.relation(t)?.parent;
  if (parent) {
    acc.lock(parent, AEL);
    const def = schema.defaultPartitionOf(parent);
    if (def && def !== t) acc.lock(def, AEL);
  }
  for (const x of [t, ...schema.inheritorsOf(t)]) {
    for (const fk of schema.ownForeignKeysOf(x)) if (fk.references !== x && !fk.notEnforced) acc.lockPartitions(fk.references, AEL);
    lockReferencingDropped(x, schema, acc);
  }
  if (cascade) for (const v of schema.dependentViews(t)) acc.lock(v, AEL);
}

/**
 * `table` (or the key a foreign key needs there) is dropped: each foreign key referencing it goes.
 * A key declared against a partitioned table above it goes whole with its copy for this
 * partition: the referencing tree and the referenced tree lose their triggers.
 */
export function lockReferencingDropped(table: string, schema: SchemaContext, acc: Acc): void {
  for (const ref of schema.referencing(table)) if (!ref.constraint.inherited && ref.table !== table) acc.lockPartitions(ref.table, AEL);
  const parent = schema.relation(table)?.parent;
  for (const referencing of parent ? referencingAbove(parent, schema) : []) {
    acc.lockPartitions(referencing, AEL);
    acc.lockPartitions(rootOf(table, schema), AEL);
  }
}

/**
 * A partition's constraint is built from its bound and those of the tables above it, each opened
 * under AccessShareLock when a backend first needs it: to plan a query over a partitioned table
 * that is itself a partition, and (`checked`) to check rows written into any partition. Later
 * statements of the same session find it cached; a migration's first statement does not.
 */
export function lockPartitionConstraintSources(rel: string, schema: SchemaContext, acc: Acc, checked = false): void {
  if (!checked && schema.relation(rel)?.kind !== "partitioned-table") return;
  for (const p of schema.partitionAncestry(rel).slice(1)) acc.lock(p, "AccessShareLock");
}
