import type { AlterAction, ExpressionSummary, KeyFilter, StatementSummary, TypeRef } from "./describe.js";
import { deeper, topContext, type ExecContext, type Host } from "./effects/context.js";
import { fireEventTriggers } from "./effects/event-triggers.js";
import { callRoutine, runBody } from "./effects/routines.js";
import { fireTruncateTriggers } from "./effects/triggers.js";
import { dmlEffects, viewRedirects } from "./effects/writes.js";
import { moveDestinations, prunedPartitions, routedPartitions } from "./partition-routing.js";
import type { SchemaContext } from "./schema.js";
import { lockDetachPartition, lockDropTable, lockNewPartition, lockPartitionConstraintSources, lockReferencingDropped } from "./locks-partitions.js";
import { accessMethodChanges, lockCluster, lockReindex, lockDropStatistics, lockPublication, lockTypedTables, lockVacuum, triggerReachesPartitions } from "./locks-objects.js";
import { LOCK_MODES, type ColumnInfo, type ConstraintInfo, type LockMode, type SchemaSnapshot, type StatementLock } from "./types.js";

export interface LockPrediction {
  /** one entry per relation, strongest mode, sorted by relation */
  locks: StatementLock[];
  /** tables / materialized views that get a new relfilenode */
  rewrites: string[];
  /** relations read in full while locked (validation scans, index builds), without a rewrite */
  scans: string[];
}

export const DEFAULT_PG_VERSION = 18;

/** Statements whose `objects` name relations of the schema snapshot (DROP TRIGGER/POLICY/RULE name their tables). */
const RELATION_OBJECTS = new Set(["table", "view", "materialized-view", "foreign-table", "index", "sequence", "partitioned-table", "trigger", "policy", "rule"]);

const AEL: LockMode = "AccessExclusiveLock";
const SUE: LockMode = "ShareUpdateExclusiveLock";
const SRE: LockMode = "ShareRowExclusiveLock";

/** Accumulates the strongest mode per relation. */
export class Acc {
  readonly modes = new Map<string, LockMode>();
  readonly rewrites = new Set<string>();
  readonly scans = new Set<string>();
  /** while set, weaker modes are not recorded (see Host.keepAtLeast) */
  floor?: LockMode;
  /** how many locks and rewrites were recorded (or strengthened) so far */
  recorded = 0;
  constructor(private readonly schema: SchemaContext) {}
  lock(rel: string | undefined, mode: LockMode): void {
    if (!rel || (this.floor && LOCK_MODES.indexOf(mode) < LOCK_MODES.indexOf(this.floor))) return;
    const prev = this.modes.get(rel);
    if (!prev || LOCK_MODES.indexOf(mode) > LOCK_MODES.indexOf(prev)) {
      this.modes.set(rel, mode);
      this.recorded++;
    }
  }
  /** lock a table and every table below it (partitions, sub-partitions, inheritance children: find_all_inheritors) */
  lockTree(rel: string | undefined, mode: LockMode): void {
    if (!rel) return;
    this.lock(rel, mode);
    for (const p of this.schema.inheritorsOf(rel)) this.lock(p, mode);
  }
  /** lock a table and its partitions, not legacy inheritance children (indexes, triggers, foreign keys recurse so) */
  lockPartitions(rel: string | undefined, mode: LockMode): void {
    if (!rel) return;
    this.lock(rel, mode);
    for (const p of this.schema.partitionsOf(rel)) this.lock(p, mode);
  }
  /** a new relfilenode for the table, or for each partition of a partitioned table (not children) */
  rewrite(rel: string | undefined): void {
    if (!rel) return;
    for (const t of [rel, ...this.schema.partitionsOf(rel)]) this.rewriteOne(t);
  }
  /** a new relfilenode for the table and every table below it */
  rewriteTree(rel: string | undefined): void {
    if (!rel) return;
    for (const t of [rel, ...this.schema.inheritorsOf(rel)]) this.rewriteOne(t);
  }
  /** a new relfilenode for this relation, if it has storage */
  rewriteOne(rel: string): void {
    const kind = this.schema.relation(rel)?.kind;
    this.recorded++;
    if (kind !== "partitioned-table" && kind !== "view") this.rewrites.add(rel);
  }
  scan(rel: string | undefined): void {
    if (rel) this.scans.add(rel);
  }
  result(): LockPrediction {
    const shown = (rel: string) => !privateOrSystem(rel, this.schema);
    const locks = [...this.modes.entries()].filter(([r]) => shown(r)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([relation, mode]) => ({ relation, mode }));
    const rewrites = [...this.rewrites].filter(shown).sort();
    return { locks, rewrites, scans: [...this.scans].filter((s) => !this.rewrites.has(s)).sort() };
  }
}

/**
 * Relations no other connection can wait on, or that are not the schema's: the system catalogs (an
 * unqualified `pg_index` is pg_catalog's, which is searched first), and temporary tables (also when
 * named unqualified: pg_temp is searched before the other schemas).
 */
function privateOrSystem(rel: string, schema: SchemaContext): boolean {
  const dot = rel.indexOf(".");
  const nsp = rel.slice(0, dot);
  const name = rel.slice(dot + 1);
  if (nsp === "pg_catalog" || nsp === "information_schema" || nsp === "pg_temp" || nsp.startsWith("pg_toast")) return true;
  if (nsp === "public" && schema.relation(`pg_temp.${name}`)) return true;
  // a sequence or an index is locked with its table, or for a moment (nextval, reads of last_value): not shown
  const kind = schema.relation(rel)?.kind;
  if (kind === "sequence" || kind === "index" || kind === "partitioned-index") return true;
  return name.startsWith("pg_") && !schema.relation(rel);
}

/**
 * Predict what Postgres (version `pg`, 11..18) locks and rewrites for one statement, given the
 * schema as it stands before the statement. Mirrors AlterTableGetLockLevel and friends.
 */
export function predictLocks(s: StatementSummary, schema: SchemaContext, pg = DEFAULT_PG_VERSION): LockPrediction {
  const acc = new Acc(schema);
  const host: Host = {
    schema,
    lock: (rel, mode) => acc.lock(rel, mode),
    lockPartitions: (rel, mode) => acc.lockPartitions(rel, mode),
    statement: (inner, ctx) => lockWithEvents(inner, schema, pg, acc, host, ctx),
    keepAtLeast: (mode, fn) => {
      const before = acc.floor;
      const recorded = acc.recorded;
      acc.floor = mode;
      try {
        fn();
      } finally {
        acc.floor = before;
      }
      return acc.recorded > recorded;
    },
  };
  lockWithEvents(s, schema, pg, acc, host, topContext(schema));
  return acc.result();
}

/** A statement's locks, then the event triggers its DDL fires (table_rewrite only if it rewrote a table). */
function lockWithEvents(s: StatementSummary, schema: SchemaContext, pg: number, acc: Acc, host: Host, ctx: ExecContext): void {
  const rewrites = acc.rewrites.size;
  lockStatement(s, schema, pg, acc, host, ctx);
  fireEventTriggers(s, host, ctx, acc.rewrites.size > rewrites);
}

/**
 * Can the statement run inside a transaction block, given the schema? REINDEX and CLUSTER of a
 * partitioned table (or index) process each partition in its own transaction.
 */
export function runsInTransactionBlock(s: StatementSummary, schema: SchemaContext): boolean {
  if (!s.transactional) return false;
  if (s.kind === "reindex" && s.relation) {
    const table = s.objectType === "index" ? schema.tableOfIndex(s.relation) : s.relation;
    if (schema.relation(s.relation)?.kind === "partitioned-index" || schema.relation(table)?.kind === "partitioned-table") return false;
  }
  if (s.kind === "cluster" && schema.relation(s.relation)?.kind === "partitioned-table") return false;
  return true;
}

/** The table's triggers (or rules) are known, from the catalog or from its creation in this run, and none has this name. */
function knownMissing(table: string, name: string | undefined, list: "triggers" | "rules", schema: SchemaContext): boolean {
  const rel = schema.relation(table);
  if (!rel || !name || !(schema.known || schema.isNew(table))) return false;
  return !(rel[list] ?? []).some((x) => x.name === name);
}

function lockStatement(s: StatementSummary, schema: SchemaContext, pg: number, acc: Acc, host: Host, ctx: ExecContext): void {
  const rel = s.relation;
  // IF EXISTS on a relation the catalog does not have: a notice, no locks
  if (s.ifExists && schema.known && RELATION_OBJECTS.has(s.objectType ?? "") && !s.kind.startsWith("create-") && s.objects.length > 0 && s.objects.every((o) => !schema.relation(o))) return;
  switch (s.kind) {
    case "create-table": {
      if (s.ifNotExists && rel && schema.relation(rel) && !schema.isNew(rel)) return;
      acc.lock(rel, AEL);
      for (const c of s.constraints) if (c.type === "foreign-key" && c.references) lockFkTarget(c.references.relation, rel!, schema, acc);
      if (s.partitionOf) lockNewPartition(rel!, s.partitionOf, s.defaultPartition === true, AEL, schema, acc);
      for (const p of s.inherits) acc.lock(p, SUE);
      for (const l of s.like) acc.lock(l, "AccessShareLock");
      return;
    }
    case "create-table-as":
    case "create-materialized-view":
      acc.lock(rel, AEL);
      if (s.withNoData) lockReads(s.reads, "AccessShareLock", schema, acc, false);
      else lockQueryReads(s, "AccessShareLock", schema, acc, ctx);
      return;
    case "create-view":
      acc.lock(rel, AEL);
      lockReads(s.reads, "AccessShareLock", schema, acc, false);
      return;
    case "refresh-materialized-view": {
      acc.lock(rel, s.concurrently ? "ExclusiveLock" : AEL);
      if (!s.concurrently) acc.rewrite(rel);
      if (!s.withNoData) lockReads(schema.expandViews(schema.relation(rel)?.reads ?? []).filter((r) => r !== rel), "AccessShareLock", schema, acc, true);
      return;
    }
    case "create-index": {
      const mode: LockMode = s.concurrently ? SUE : "ShareLock";
      if (s.only) acc.lock(rel, mode);
      else acc.lockPartitions(rel, mode);
      acc.scan(rel);
      return;
    }
    case "drop-index":
      for (const idx of s.objects) {
        const table = schema.tableOfIndex(idx);
        if (!table) {
          schema.assume(`${idx}: the table of this index is unknown; its lock is not shown`);
          continue;
        }
        acc.lockPartitions(table, s.concurrently ? SUE : AEL);
        // CASCADE drops the foreign keys that use the index, on the tables that declare them
        if (s.cascade) for (const fk of schema.foreignKeysOnIndex(idx)) acc.lockPartitions(fk.table, AEL);
      }
      return;
    case "reindex":
      lockReindexStatement(s, schema, pg, acc);
      return;
    case "drop-table":
    case "drop-foreign-table":
      for (const t of s.objects) lockDropTable(t, s.cascade, schema, acc);
      return;
    case "drop-view":
    case "drop-materialized-view":
      for (const v of s.objects) {
        acc.lock(v, AEL);
        if (s.cascade) for (const dep of schema.dependentViews(v)) acc.lock(dep, AEL);
      }
      return;
    case "truncate":
      fireTruncateTriggers(lockTruncate(s, schema, acc), host, ctx);
      return;
    case "insert":
    case "update":
    case "delete":
    case "merge":
      lockDml(s, schema, acc, ctx);
      dmlEffects(s, host, ctx);
      return;
    case "select": {
      lockQueryReads(s, s.lockMode === "RowShareLock" ? "RowShareLock" : "AccessShareLock", schema, acc, ctx);
      for (const m of s.modifies ?? []) host.statement(m, ctx);
      for (const c of s.calls ?? []) callRoutine(c, host, ctx);
      return;
    }
    case "explain":
      // EXPLAIN without ANALYZE plans the statement and runs nothing: the planner's locks only
      if (rel) acc.lockTree(rel, "RowExclusiveLock");
      lockQueryReads(s, s.lockMode === "RowShareLock" ? "RowShareLock" : "AccessShareLock", schema, acc, ctx);
      return;
    case "copy":
      // COPY FROM inserts (its triggers and key checks act); COPY TO reads
      if (s.copy?.from) acc.lockTree(rel, "RowExclusiveLock");
      else acc.lock(rel, "AccessShareLock");
      lockUserReads(s, schema, acc, ctx);
      if (s.copy?.from) dmlEffects(s, host, ctx);
      return;
    case "call":
      lockUserReads(s, schema, acc, ctx);
      for (const c of s.calls ?? []) callRoutine(c, host, ctx);
      if (s.relation && !schema.snapshot.routines?.[s.relation]) schema.assume(`procedure ${s.relation} is not created in these migrations: what it locks is not shown`);
      return;
    case "lock-table":
      for (const t of s.objects) {
        for (const x of schema.expandViews([t])) {
          if (s.only) acc.lock(x, (s.lockMode ?? AEL) as LockMode);
          else acc.lockTree(x, (s.lockMode ?? AEL) as LockMode);
        }
      }
      return;
    case "create-statistics":
      acc.lock(rel, SUE);
      return;
    case "drop-statistic-ext":
      lockDropStatistics(s, schema, acc);
      return;
    case "create-publication":
    case "alter-publication":
      lockPublication(s, schema, acc);
      return;
    case "alter-type":
    case "alter-attribute":
      lockTypedTables(s, schema, pg, acc);
      return;
    case "create-sequence":
    case "alter-sequence":
      if (s.ownedBy) acc.lock(s.ownedBy, "AccessShareLock");
      return;
    case "drop-schema":
      if (s.cascade) lockDropSchemas(s.objects.map((o) => o.replace(/^public\./, "")), schema, acc);
      return;
    case "drop-type":
    case "drop-domain":
      if (!s.cascade) return;
      for (const t of s.objects) {
        for (const table of schema.tablesUsingType(t)) acc.lockTree(table, AEL);
        lockDependents(`type ${t}`, schema, acc);
      }
      return;
    case "drop-function":
    case "drop-procedure":
    case "drop-routine":
    case "drop-sequence":
      if (s.cascade) for (const o of s.objects) lockDependents(`${s.kind === "drop-sequence" ? "sequence" : "function"} ${o}`, schema, acc);
      return;
    case "vacuum":
    case "analyze":
      for (const t of s.objects) lockVacuum(t, s, schema, pg, acc);
      return;
    case "cluster":
      lockCluster(rel, schema, acc);
      return;
    case "comment":
    case "security-label":
      // constraints, triggers, policies and rules are looked up under AccessShareLock on their table
      if (["tabconstraint", "trigger", "policy", "rule"].includes(s.targetKind ?? "")) acc.lock(rel, "AccessShareLock");
      else if (s.objectType && ["table", "view", "materialized-view", "foreign-table"].includes(s.objectType)) acc.lock(rel, SUE);
      return;
    case "grant":
    case "revoke":
      if (["table", "view", "materialized-view", "foreign-table"].includes(s.targetKind ?? "")) for (const t of s.objects) acc.lock(t, "AccessShareLock");
      return;
    case "create-trigger":
    case "create-constraint-trigger":
      // row triggers of a partitioned table are cloned onto every partition; statement triggers are not
      if (s.trigger?.level === "row") acc.lockPartitions(rel, SRE);
      else acc.lock(rel, SRE);
      return;
    case "drop-trigger":
    case "drop-policy":
    case "drop-rule":
      // IF EXISTS naming a trigger or rule the table does not have: a notice, and the table's lock is let go at once
      if (s.ifExists && s.kind !== "drop-policy" && s.objects.every((t, i) => knownMissing(t, s.droppedNames?.[i], s.kind === "drop-trigger" ? "triggers" : "rules", schema))) return;
      for (const t of s.objects) acc.lock(t, AEL);
      // a row trigger of a partitioned table goes with its clones on the partitions
      if (s.kind === "drop-trigger" && triggerReachesPartitions(rel!, s.droppedNames?.[0], schema)) acc.lockPartitions(rel, AEL);
      return;
    case "create-policy":
    case "alter-policy":
      acc.lock(rel, AEL);
      // the expressions' subqueries are parsed and checked: what they read is opened
      for (const r of s.reads) acc.lock(r, "AccessShareLock");
      return;
    case "alter-trigger":
      if (triggerReachesPartitions(rel!, s.actions[0]?.constraintName, schema)) acc.lockPartitions(rel, AEL);
      acc.lock(rel, AEL);
      return;
    case "create-rule":
    case "alter-rule":
      acc.lock(rel, AEL);
      return;
    case "alter-domain":
      lockAlterDomain(s, schema, pg, acc);
      return;
    case "do":
      if (s.doBlock?.unparsed) schema.assume("a DO block whose body could not be read (not PL/pgSQL, or invalid): what it locks is not shown", true);
      else if (s.doBlock) runBody(s.doBlock, host, deeper(ctx, "DO block"));
      return;
  }
  if (s.kind.startsWith("alter-") && rel && ["table", "view", "materialized-view", "foreign-table", "index", "sequence"].includes(s.objectType ?? "")) {
    // ALTER INDEX ... ATTACH PARTITION opens both tables; the rest locks only the index / sequence itself
    if (s.objectType === "index") for (const a of s.actions) if (a.action === "attach-partition") [rel, a.partition!].forEach((i) => acc.lock(schema.tableOfIndex(i), "AccessShareLock"));
    if (s.objectType === "index" || s.objectType === "sequence") return;
    lockAlterTable(s, schema, pg, acc);
    if (!schema.isNew(rel)) for (const fn of rowFunctions(s)) callRoutine(fn, host, ctx);
  }
}

/**
 * REINDEX: SHARE on the table (ACCESS EXCLUSIVE on the index), SHARE UPDATE EXCLUSIVE when
 * CONCURRENTLY; of an index or table, partitions as lockReindex says.
 */
function lockReindexStatement(s: StatementSummary, schema: SchemaContext, pg: number, acc: Acc): void {
  const mode: LockMode = s.concurrently ? SUE : "ShareLock";
  const rel = s.relation;
  if (s.objectType === "index" && !(rel && schema.tableOfIndex(rel))) {
    schema.assume(`${rel}: the table of this index is unknown; REINDEX locks it ${mode === SUE ? "SHARE UPDATE EXCLUSIVE" : "SHARE (writes wait)"}, not shown`);
    return;
  }
  if (s.objectType === "index" || s.objectType === "table") return lockReindex(s, schema, acc);
  const what = `REINDEX ${s.objectType?.toUpperCase()}`;
  if (s.objectType === "schema" || s.objectType === "database") {
    // ReindexMultipleTables: every table and materialized view in turn (partitioned tables have no storage), one transaction each
    for (const [key, r] of Object.entries(schema.snapshot.relations)) {
      if ((r.kind === "table" || r.kind === "materialized-view") && (s.objectType === "database" || r.schema === rel)) acc.lock(key, mode);
    }
    if (!schema.known) schema.assume(`${what}${rel ? ` ${rel}` : ""} locks every table${s.objectType === "schema" ? " of the schema" : ""} in turn, ${mode === SUE ? "SHARE UPDATE EXCLUSIVE" : "SHARE (writes wait)"}; without --db they are not listed`);
  }
  // REINDEX DATABASE left the catalogs to REINDEX SYSTEM from Postgres 16
  if (s.objectType === "system" || (s.objectType === "database" && pg < 16 && !s.concurrently)) schema.assume(`${what} also rebuilds every system catalog's indexes in turn (SHARE on the catalog, ACCESS EXCLUSIVE on the index): schema changes, and catalog look-ups through the index being rebuilt (planning, new connections), wait; catalogs are not listed`);
}

/**
 * User functions an ALTER TABLE runs for every existing row: a new column's volatile default, a
 * type change's USING expression.
 */
function rowFunctions(s: StatementSummary): string[] {
  const out: string[] = [];
  for (const a of s.actions) {
    const expr = a.action === "add-column" && a.columnDef?.default?.volatility === "volatile" ? a.columnDef.default : a.action === "alter-column-type" ? a.using : undefined;
    for (const f of expr?.functions ?? []) out.push(f.includes(".") ? f : `public.${f}`);
  }
  return out;
}

/** The other side of a new foreign key: triggers are added there and on its partitions (ShareRowExclusiveLock). */
export function lockFkTarget(target: string, from: string, schema: SchemaContext, acc: Acc): void {
  if (target === from) return;
  acc.lockPartitions(target, SRE);
}

/** A query's relations; of a partitioned one, only the partitions plan-time pruning keeps for the terms restricting each scan of it. */
function lockQueryReads(s: StatementSummary, mode: LockMode, schema: SchemaContext, acc: Acc, ctx: ExecContext): void {
  const reads = s.reads.filter((r) => lockable(r, schema, ctx));
  const pruned = new Set<string>();
  for (const [table, scans] of scanFilters(s.readKeyFilters ?? [], schema)) {
    if (!reads.includes(table) || s.readsOnly?.includes(table)) continue;
    const kept = scans.map((filters) => prunedPartitions(table, filters, schema));
    if (kept.some((k) => k === undefined)) continue;
    [table, ...kept.flat()].forEach((r) => acc.lock(r!, mode));
    lockPartitionConstraintSources(table, schema, acc);
    pruned.add(table);
  }
  lockReads(schema.expandViews(reads.filter((r) => !pruned.has(r))), mode, schema, acc, true, s.readsOnly);
}

/**
 * Per relation, the terms restricting each of its scans (one per SELECT naming it); an unqualified
 * term goes to the one relation of its SELECT that has all its columns.
 */
function scanFilters(groups: NonNullable<StatementSummary["readKeyFilters"]>, schema: SchemaContext): Map<string, KeyFilter[][]> {
  const out = new Map<string, KeyFilter[][]>();
  for (const g of groups) {
    const scan = new Map(g.relations.map((r) => [r, [...(g.byRelation[r] ?? [])]]));
    for (const f of g.unqualified) {
      const owners = g.relations.filter((r) => filterColumns(f).every((c) => schema.column(r, c)));
      if (owners.length === 1) scan.get(owners[0]!)!.push(f);
    }
    for (const [rel, filters] of scan) out.set(rel, [...(out.get(rel) ?? []), filters]);
  }
  return out;
}

function filterColumns(f: KeyFilter): string[] {
  return f.op === "or" ? f.arms.flat().flatMap(filterColumns) : [f.column];
}

/** `withPartitions`: a query reads the partitions and inheritance children too, except of the relations read with ONLY. */
function lockReads(reads: string[], mode: LockMode, schema: SchemaContext, acc: Acc, withPartitions: boolean, only: string[] = []): void {
  for (const r of reads) {
    if (withPartitions && !only.includes(r)) acc.lockTree(r, mode);
    else acc.lock(r, mode);
    if (withPartitions) lockPartitionConstraintSources(r, schema, acc);
  }
}

/** Relations whose defaults, triggers, constraints, indexes, policies, columns or queries DROP ... CASCADE of `object` removes. */
function lockDependents(object: string, schema: SchemaContext, acc: Acc): void {
  for (const rel of schema.snapshot.dependents?.[object] ?? []) {
    acc.lock(rel, AEL);
    const kind = schema.relation(rel)?.kind;
    if (kind === "view" || kind === "materialized-view") for (const v of schema.dependentViews(rel)) acc.lock(v, AEL);
  }
}

/** DROP SCHEMA ... CASCADE: everything in it, and what depends on that elsewhere. */
function lockDropSchemas(names: string[], schema: SchemaContext, acc: Acc): void {
  const inSchemas = (qualified: string) => names.includes(qualified.slice(0, qualified.indexOf(".")));
  for (const [key, r] of Object.entries(schema.snapshot.relations)) {
    if (!names.includes(r.schema)) continue;
    if (["table", "partitioned-table", "foreign-table", "view", "materialized-view"].includes(r.kind)) lockDropTable(key, true, schema, acc);
  }
  for (const object of Object.keys(schema.snapshot.dependents ?? {})) if (inSchemas(object.slice(object.indexOf(" ") + 1))) lockDependents(object, schema, acc);
  for (const type of Object.keys(schema.snapshot.types)) if (inSchemas(type)) for (const table of schema.tablesUsingType(type)) acc.lockTree(table, AEL);
}

/** TRUNCATE: AccessExclusiveLock and a new relfilenode for each table it empties; returns them. */
function lockTruncate(s: StatementSummary, schema: SchemaContext, acc: Acc): Set<string> {
  const targets = new Set<string>();
  const add = (t: string, named: boolean) => {
    if (targets.has(t)) return;
    targets.add(t);
    // ONLY keeps to the named tables (Postgres refuses it for a partitioned one)
    if (!(named && s.only)) for (const p of schema.directInheritorsOf(t)) add(p, false);
    if (s.cascade) for (const ref of schema.referencing(t)) add(ref.table, false);
  };
  s.objects.forEach((t) => add(t, true));
  for (const t of targets) {
    acc.lock(t, AEL);
    // a table created in the same transaction is truncated in place (same relfilenode)
    if (!(s.inTransaction && schema.isNew(t))) acc.rewriteOne(t);
  }
  return targets;
}

/** The statement's own locks: its target (through auto-updatable views to their tables) and what it reads. */
function lockDml(s: StatementSummary, schema: SchemaContext, acc: Acc, ctx: ExecContext): void {
  const target = s.relation!;
  const view = schema.relation(target);
  const event = s.kind === "merge" ? "update" : (s.kind as "insert" | "update" | "delete");
  // a view whose INSTEAD OF triggers or INSTEAD rules take the write: its tables are only read (to find the rows)
  const redirected = viewRedirects(view, event, schema);
  if (redirected && s.kind !== "insert") lockReads(schema.expandViews(view!.reads ?? []), "AccessShareLock", schema, acc, true);
  const viaViews = redirected ? [target] : schema.expandViews([target]);
  for (const t of viaViews) {
    if (s.kind !== "insert") {
      // plan-time pruning: only the partitions the WHERE clause can reach are opened
      const kept = s.dml?.keyFilters && t === target && s.kind !== "merge" ? prunedPartitions(t, s.dml.keyFilters, schema) : undefined;
      if (kept) [t, ...kept].forEach((p) => acc.lock(p, "RowExclusiveLock"));
      else if (s.only && t === target) acc.lock(t, "RowExclusiveLock");
      else acc.lockTree(t, "RowExclusiveLock");
      lockPartitionConstraintSources(t, schema, acc, s.kind !== "delete");
      // rows whose partition key is set move to another partition
      if (s.kind === "update" && t === target && s.dml?.sets) moveDestinations(t, s.dml.sets, s.dml.keyFilters ?? [], schema)?.forEach((p) => acc.lock(p, "RowExclusiveLock"));
    } else if (schema.relation(t)?.kind !== "partitioned-table") acc.lock(t, "RowExclusiveLock");
    else {
      // rows are routed at execution time: only the partitions that receive one are opened
      acc.lock(t, "RowExclusiveLock");
      const routed = s.dml?.values ? routedPartitions(t, s.dml.columns, s.dml.values, schema) : undefined;
      for (const p of routed ?? schema.partitionsOf(t)) acc.lock(p, "RowExclusiveLock");
    }
    if (s.kind === "insert") lockPartitionConstraintSources(t, schema, acc, true);
  }
  lockUserReads(s, schema, acc, ctx);
}

/** AccessShareLock on what a statement reads (through views, partitions and children included, pruned), catalogs left out. */
function lockUserReads(s: StatementSummary, schema: SchemaContext, acc: Acc, ctx: ExecContext): void {
  lockQueryReads(s, "AccessShareLock", schema, acc, ctx);
}

/**
 * Is a relation a statement reads one whose lock the prediction shows? Not the catalogs
 * (pg_catalog, information_schema); and inside a function, trigger or DO body, with the schema
 * read from a database, not a name the catalog lacks: a trigger's transition table (REFERENCING
 * NEW TABLE AS ...) or a temporary table the body creates.
 */
function lockable(rel: string, schema: SchemaContext, ctx: ExecContext): boolean {
  const nsp = rel.slice(0, rel.indexOf("."));
  if (nsp === "pg_catalog" || nsp === "information_schema") return false;
  if (schema.relation(rel)) return true;
  if (ctx.depth > 0 && schema.known) return false;
  return !rel.startsWith("public.pg_");
}

function lockAlterDomain(s: StatementSummary, schema: SchemaContext, pg: number, acc: Acc): void {
  const d = s.domain;
  if (!d) return;
  const tables = schema.tablesUsingType(d.name);
  let mode: LockMode | undefined;
  if (d.action === "add-constraint" && d.constraint && !d.constraint.notValid) mode = "ShareLock";
  else if (d.action === "set-not-null") mode = "ShareLock";
  else if (d.action === "validate-constraint") mode = "ShareLock";
  if (!mode) return;
  if (!schema.known && tables.length === 0) schema.assume(`${d.name}: tables using this domain are unknown without --db/--schema; they are scanned under ${mode}`);
  for (const t of tables) {
    acc.lockTree(t, mode);
    acc.scan(t);
  }
}

/* ------------------------------------- ALTER TABLE ---------------------------------------- */

const SUE_RELOPTIONS = /^(toast\.)?(autovacuum_.*|fillfactor|toast_tuple_target|parallel_workers|log_autovacuum_min_duration|vacuum_index_cleanup|vacuum_truncate|vacuum_max_eager_freeze_failure_rate|n_distinct|n_distinct_inherited)$/;

/** AlterTableGetLockLevel, per subcommand. */
export function alterLockLevel(a: AlterAction, pg: number, objectType?: string): LockMode {
  switch (a.action) {
    case "enable-trigger":
    case "disable-trigger":
      return SRE;
    case "set-statistics":
    case "cluster-on":
    case "drop-cluster":
    case "validate-constraint":
    case "detach-partition-finalize":
      return SUE;
    case "set-options":
    case "reset-options":
      if (a.column) return SUE;
      if (objectType === "view") return AEL;
      return (a.options ?? []).every((o) => SUE_RELOPTIONS.test(o)) ? SUE : AEL;
    case "attach-partition":
      return pg >= 12 ? SUE : AEL;
    case "detach-partition":
      return a.concurrently ? SUE : AEL;
    case "add-constraint":
      return a.constraint?.type === "foreign-key" ? SRE : AEL;
    default:
      return AEL;
  }
}

function lockAlterTable(s: StatementSummary, schema: SchemaContext, pg: number, acc: Acc): void {
  const rel = s.relation!;
  const recurse = (mode: LockMode) => (s.only ? acc.lock(rel, mode) : acc.lockTree(rel, mode));
  // ONLY on DROP COLUMN / DROP CONSTRAINT still visits the direct children (their copies become their own)
  const recurseOneLevel = (mode: LockMode) => [rel, ...(s.only ? schema.directInheritorsOf(rel) : schema.inheritorsOf(rel))].forEach((t) => acc.lock(t, mode));
  for (const a of s.actions) {
    const mode = alterLockLevel(a, pg, s.objectType);
    const con = a.constraintName ? schema.relation(rel)?.constraints.find((c) => c.name === a.constraintName) : undefined;
    switch (a.action) {
      case "attach-partition":
        lockNewPartition(a.partition!, rel, false, mode, schema, acc);
        acc.lockTree(a.partition, AEL);
        acc.scan(a.partition);
        // the attached table is checked against its new partition constraint, which includes the parent's
        lockPartitionConstraintSources(rel, schema, acc, true);
        break;
      case "detach-partition":
      case "detach-partition-finalize":
        lockDetachPartition(rel, a, schema, acc);
        break;
      case "rename":
      case "set-schema":
      case "owner-to":
      case "replica-identity":
      case "cluster-on":
      case "drop-cluster":
      case "set-options":
      case "reset-options":
      case "enable-row-security":
      case "disable-row-security":
      case "force-row-security":
      case "no-force-row-security":
      case "enable-rule":
      case "disable-rule":
      case "of-type":
      case "not-of":
      case "generic-options":
      case "column-options":
      case "add-index":
        acc.lock(rel, mode);
        break;
      case "enable-trigger":
      case "disable-trigger":
        if (triggerReachesPartitions(rel, a.trigger?.all ? a.trigger.all.toUpperCase() : a.trigger?.name, schema)) acc.lockPartitions(rel, mode);
        else acc.lock(rel, mode);
        break;
      case "add-constraint":
        lockAddConstraint(rel, a, schema, acc, mode, recurse);
        break;
      case "drop-constraint": {
        if (con?.noInherit) acc.lock(rel, mode);
        else recurseOneLevel(mode);
        if (con?.type === "f" && con.references && con.references !== rel) {
          // the referenced table is always opened; its partitions only lose triggers an enforced key has
          acc.lock(con.references, AEL);
          if (!con.notEnforced) acc.lockPartitions(con.references, AEL);
        }
        if (con && (con.type === "p" || con.type === "u") && a.cascade) for (const t of [rel, ...schema.partitionsOf(rel)]) lockReferencingDropped(t, schema, acc);
        if (!con && !schema.known) schema.assume(`${rel}: constraint ${a.constraintName} is unknown; if it is a foreign key, the referenced table is locked too`);
        break;
      }
      case "rename-constraint":
        // only checks (and not-null constraints) that children inherit are renamed on them too
        if (con && (con.noInherit || (con.type !== "c" && con.type !== "n"))) acc.lock(rel, mode);
        else recurse(mode);
        break;
      case "validate-constraint":
        // validating a valid constraint does nothing beyond opening the table
        if (con?.validated) {
          acc.lock(rel, mode);
          break;
        }
        recurse(mode);
        if (con?.type === "f" && con.references) acc.lockPartitions(con.references, "RowShareLock");
        acc.scan(rel);
        break;
      case "alter-constraint":
        lockAlterConstraint(rel, a, con, schema, acc);
        break;
      case "add-column":
        lockAddColumn(rel, a, schema, pg, acc, mode);
        break;
      case "alter-column-type":
        lockAlterType(rel, a, schema, pg, acc, mode);
        break;
      case "drop-column": {
        recurseOneLevel(mode);
        for (const fk of schema.foreignKeysOf(rel)) if (a.column && fk.columns.includes(a.column) && fk.references !== rel) acc.lock(fk.references, AEL);
        for (const r of schema.referencing(rel)) if (a.column && r.constraint.definition.includes(a.column) && a.cascade) acc.lock(r.table, AEL);
        if (a.cascade && a.column) {
          for (const v of schema.viewsUsingColumn(rel, a.column)) {
            acc.lock(v, AEL);
            for (const d of schema.dependentViews(v)) acc.lock(d, AEL);
          }
        }
        break;
      }
      case "set-not-null": {
        const col = a.column ? schema.column(rel, a.column) : undefined;
        // already NOT NULL: from PG 18 (not-null constraints) nothing to do beyond opening the table
        if (col?.notNull && pg >= 18) {
          acc.lock(rel, mode);
          break;
        }
        recurse(mode);
        const proven = schema.relation(rel)?.constraints.some((c) => c.type === "c" && c.validated && isNotNullCheck(c.definition, a.column!));
        if (!(col?.notNull) && !(pg >= 12 && proven)) acc.scan(rel);
        break;
      }
      case "drop-not-null": {
        // a nullable column (from PG 18), or a NOT NULL ... NO INHERIT that is the table's own: the children are not visited
        const nullable = pg >= 18 && schema.column(rel, a.column ?? "")?.notNull === false;
        if (nullable || schema.relation(rel)?.constraints.some((c) => c.type === "n" && c.noInherit && c.columns.includes(a.column ?? ""))) acc.lock(rel, mode);
        else recurse(mode);
        break;
      }
      case "add-identity":
      case "set-identity":
      case "drop-identity":
        // identity recurses to partitions only (children of legacy inheritance keep their own columns)
        if (s.only) acc.lock(rel, mode);
        else acc.lockPartitions(rel, mode);
        break;
      case "set-logged":
      case "set-unlogged":
      case "set-tablespace":
        acc.lock(rel, mode);
        // moving to where it already is is a no-op (tables are assumed in pg_default)
        if (!(a.action === "set-tablespace" && a.tablespace === "pg_default")) acc.rewriteOne(rel);
        break;
      case "set-access-method":
        acc.lock(rel, mode);
        if (accessMethodChanges(rel, a.newName, schema)) acc.rewriteOne(rel);
        break;
      case "inherit":
      case "no-inherit":
        acc.lock(rel, mode);
        acc.lock(a.parent, a.action === "inherit" ? SUE : "AccessShareLock");
        // a new parent must not be one of the table's own descendants
        if (a.action === "inherit") for (const c of schema.inheritorsOf(rel)) acc.lock(c, "AccessShareLock");
        break;
      case "set-expression":
        recurse(mode);
        if (schema.column(rel, a.column ?? "")?.generated !== "virtual") acc.rewriteTree(rel);
        break;
      default:
        recurse(mode);
    }
  }
}

function lockAddConstraint(rel: string, a: AlterAction, schema: SchemaContext, acc: Acc, mode: LockMode, recurse: (mode: LockMode) => void): void {
  const c = a.constraint;
  recurse(mode);
  if (!c) return;
  if (c.type === "foreign-key" && c.references) {
    lockFkTarget(c.references.relation, rel, schema, acc);
    if (!c.notValid && !c.notEnforced) {
      acc.scan(rel);
      lockPartitionConstraintSources(c.references.relation, schema, acc);
    }
  } else if (c.type === "check" || c.type === "not-null") {
    if (!c.notValid) acc.scan(rel);
  } else if (!c.usingIndex) acc.scan(rel); // index build
}

/**
 * ALTER CONSTRAINT (ATExecAlterConstraint): a change of deferrability or enforceability of a
 * foreign key reaches its copies on the partitions; NOT ENFORCED drops the triggers on the
 * referenced tables, ENFORCED creates them and validates; [NO] INHERIT of a not-null constraint
 * reaches the children. Setting what already holds only opens the table.
 */
function lockAlterConstraint(rel: string, a: AlterAction, con: ConstraintInfo | undefined, schema: SchemaContext, acc: Acc): void {
  acc.lock(rel, AEL);
  const change = a.constraintChange ?? {};
  if (!con) {
    if (!schema.known) schema.assume(`${rel}: constraint ${a.constraintName} is unknown; assumed ALTER CONSTRAINT changes it on every partition`);
    acc.lockPartitions(rel, AEL);
    return;
  }
  const deferrability = change.deferrable !== undefined && (change.deferrable !== Boolean(con.deferrable) || change.initiallyDeferred !== Boolean(con.initiallyDeferred));
  // NOT ENFORCED always rewrites the copies; ENFORCED only when the key was not enforced
  const enforceability = change.enforced === false || (change.enforced === true && con.notEnforced === true);
  if (deferrability || enforceability) acc.lockPartitions(rel, AEL);
  if (enforceability && con.references) {
    if (!change.enforced && !con.notEnforced) acc.lockPartitions(con.references, AEL);
    if (change.enforced) {
      acc.lockPartitions(con.references, SRE);
      acc.scan(rel);
    }
  }
  if (change.inherit === true && con.noInherit) acc.lockTree(rel, AEL);
  if (change.inherit === false && !con.noInherit) schema.directInheritorsOf(rel).forEach((c) => acc.lock(c, AEL));
}

/** Does adding this column write every row (new relfilenode)? (ATExecAddColumn) */
export function addColumnRewrites(col: NonNullable<AlterAction["columnDef"]>, schema: SchemaContext, pg: number): boolean {
  if (col.generated === "virtual") return false;
  if (col.generated === "stored" || col.identity || col.type.serial) return true;
  const domain = schema.snapshot.types[qualifiedType(col.type)];
  const domainChecks = domain?.kind === "domain" && ((domain.checks?.length ?? 0) > 0 || domain.notNull === true);
  const def = col.default;
  // a domain with constraints is checked row by row: the column is written out (even with no default)
  if (domainChecks) return true;
  if (!def || def.isNull) return false;
  if (pg < 11) return true;
  return def.volatility === "volatile";
}

function lockAddColumn(rel: string, a: AlterAction, schema: SchemaContext, pg: number, acc: Acc, mode: LockMode): void {
  acc.lockTree(rel, mode);
  const col = a.columnDef;
  if (!col) return;
  if (addColumnRewrites(col, schema, pg)) acc.rewriteTree(rel);
  else if (col.notNull && !col.default) acc.scan(rel);
  if (col.references) lockFkTarget(col.references.relation, rel, schema, acc);
  if (col.default && col.default.volatility === "volatile" && col.default.functions.some((f) => !KNOWN_VOLATILE.test(f))) {
    schema.assume(`${rel}.${col.name}: default calls ${col.default.functions.join(", ")}, assumed VOLATILE (a table rewrite) as Postgres' default for functions`);
  }
}

const KNOWN_VOLATILE = /^(pg_catalog\.)?(random|gen_random_uuid|uuid_generate_v[14]|uuid_generate_v1mc|uuidv[47]|nextval|clock_timestamp|timeofday|txid_current|gen_random_bytes)$/;

function qualifiedType(t: TypeRef): string {
  return `${t.schema ?? "public"}.${t.name}`;
}

function lockAlterType(rel: string, a: AlterAction, schema: SchemaContext, pg: number, acc: Acc, mode: LockMode): void {
  acc.lockTree(rel, mode);
  const col = a.column ? schema.column(rel, a.column) : undefined;
  // constraints involving the column are dropped and re-created: the other side of a FK too
  for (const fk of schema.foreignKeysOf(rel)) if (a.column && fk.columns.includes(a.column) && fk.references !== rel) acc.lockPartitions(fk.references, AEL);
  for (const r of schema.referencing(rel)) if (r.table !== rel && a.column && referencedColumns(r.constraint.definition).includes(a.column)) acc.lockPartitions(r.table, AEL);
  if (!a.type) return;
  if (!col) {
    schema.assume(`${rel}.${a.column}: the column's current type is unknown; assumed the type change rewrites the table`);
    acc.rewriteTree(rel);
    return;
  }
  const verdict = typeChange(columnType(col, schema), { name: a.type.schema && a.type.schema !== "public" ? `${a.type.schema}.${a.type.name}` : a.type.name, typmods: a.type.typmods, array: a.type.array }, a.using, a.column!, schema, pg);
  if (verdict === "rewrite") acc.rewriteTree(rel);
  else if (verdict === "scan") acc.scan(rel);
}

/** A column's type as a cast sees it: a domain column reads as its base type, without the domain's typmod. */
function columnType(col: ColumnInfo, schema: SchemaContext): NormType {
  const domain = schema.snapshot.types[col.typeName];
  if (domain?.kind === "domain" && domain.baseType) return { ...normalizeType(domain.baseType), typmods: [] };
  return normalizeType(col.type);
}

function referencedColumns(definition: string): string[] {
  const m = /REFERENCES\s+\S+\s*\(([^)]*)\)/i.exec(definition);
  return m ? m[1]!.split(",").map((c) => c.trim().replace(/^"|"$/g, "")) : [];
}

function isNotNullCheck(definition: string, column: string): boolean {
  const d = definition.replace(/[()"]/g, "").replace(/^CHECK\s*/i, "").trim().toLowerCase();
  return d === `${column.toLowerCase()} is not null`;
}

/* ------------------------------------ type changes ---------------------------------------- */

export interface NormType {
  name: string;
  typmods: number[];
  array: boolean;
}

const TYPE_ALIASES: Record<string, string> = {
  "character varying": "varchar",
  character: "bpchar",
  char: "bpchar",
  integer: "int4",
  int: "int4",
  smallint: "int2",
  bigint: "int8",
  boolean: "bool",
  real: "float4",
  "double precision": "float8",
  decimal: "numeric",
  "timestamp without time zone": "timestamp",
  "timestamp with time zone": "timestamptz",
  "time without time zone": "time",
  "time with time zone": "timetz",
  "bit varying": "varbit",
};

/** format_type() text ("character varying(20)[]") or parsed text ("varchar(20)") -> NormType. */
export function normalizeType(text: string): NormType {
  let t = text.trim().toLowerCase().replace(/^pg_catalog\./, "").replace(/^public\./, "");
  const array = t.endsWith("[]");
  if (array) t = t.replace(/(\[\])+$/, "");
  let typmods: number[] = [];
  // "timestamp(3) with time zone" keeps its modifier in the middle
  const m = /^([^(]*)\(([^)]*)\)(.*)$/.exec(t);
  if (m) {
    typmods = m[2]!.split(",").map((x) => Number(x.trim()));
    t = `${m[1]!.trim()}${m[3] ? ` ${m[3].trim()}` : ""}`.trim();
  }
  const name = TYPE_ALIASES[t] ?? t;
  if (name === "bpchar" && typmods.length === 0 && t === "character") typmods = [1];
  return { name, typmods, array };
}

/** binary-coercible casts between different types (pg_cast castmethod 'b'), the common ones */
const BINARY_COERCIBLE = new Set(["varchar>text", "text>varchar", "text>citext", "varchar>citext", "citext>text", "citext>varchar", "bpchar>text", "bpchar>varchar", "cidr>inet", "xml>text", "xml>varchar", "int4>oid", "oid>int4", "regclass>oid", "varbit>bit"]);
const castSets = new WeakMap<SchemaSnapshot, Set<string>>();

/** The catalog's binary-coercible casts (normalized names) when known, else the built-in common ones. */
function binaryCoercible(snapshot: SchemaSnapshot): Set<string> {
  if (!snapshot.binaryCasts) return BINARY_COERCIBLE;
  let set = castSets.get(snapshot);
  if (!set) {
    set = new Set(snapshot.binaryCasts.map((c) => c.split(">").map((t) => normalizeType(t).name).join(">")));
    castSets.set(snapshot, set);
  }
  return set;
}
const LENGTH_SUPPORTED = new Set(["varchar", "varbit", "numeric", "timestamp", "timestamptz", "time", "timetz", "interval"]);

/**
 * ATColumnChangeRequiresRewrite: does changing a column from `from` to `to` rewrite the table?
 * "none" (catalog only) or "rewrite" ("scan" is reserved for checks without a rewrite).
 */
export function typeChange(from: NormType, to: NormType, using: ExpressionSummary | undefined, column: string, schema: SchemaContext, pg: number): "none" | "scan" | "rewrite" {
  if (using && using.text.replace(/"/g, "").trim().toLowerCase() !== column.toLowerCase()) {
    // USING col::type behaves like the implicit cast; anything else computes new values
    const cast = new RegExp(`^\\(?"?${column}"?\\)?\\s*::\\s*`, "i");
    if (!cast.test(using.text)) return "rewrite";
  }
  if (from.array !== to.array) return "rewrite";
  // arrays of another element type or a new element typmod are coerced element by element (ArrayCoerceExpr)
  if (from.array) return from.name === to.name && (sameMods(from, to) || to.typmods.length === 0) ? "none" : "rewrite";
  const domain = schema.snapshot.types[to.name.includes(".") ? to.name : `public.${to.name}`];
  if (domain?.kind === "domain" && domain.baseType) {
    // the domain's own typmod (varchar(20)) is applied as a length coercion
    const base = normalizeType(domain.baseTypeFormatted ?? domain.baseType);
    const inner = typeChange(from, { ...base, array: to.array }, undefined, column, schema, pg);
    if (inner === "rewrite") return "rewrite";
    // coercing to a domain with constraints counts as a rewrite (ATColumnChangeRequiresRewrite)
    return (domain.checks?.length ?? 0) > 0 || domain.notNull ? "rewrite" : inner;
  }
  if (from.name === to.name) {
    if (sameMods(from, to)) return "none";
    if (!LENGTH_SUPPORTED.has(to.name)) return "rewrite";
    if (to.typmods.length === 0) return "none"; // to unconstrained
    if (from.typmods.length === 0) return "rewrite"; // unconstrained -> constrained: must check
    if (to.name === "numeric") return to.typmods[0]! >= from.typmods[0]! && (to.typmods[1] ?? 0) === (from.typmods[1] ?? 0) ? "none" : "rewrite";
    return to.typmods[0]! >= from.typmods[0]! ? "none" : "rewrite";
  }
  if ((from.name === "timestamp" && to.name === "timestamptz") || (from.name === "timestamptz" && to.name === "timestamp")) {
    schema.assume("timestamp <-> timestamptz changes are free only when the session TimeZone is UTC (assumed)");
    return pg >= 12 && (to.typmods.length === 0 || (from.typmods.length > 0 && to.typmods[0]! >= from.typmods[0]!)) ? "none" : "rewrite";
  }
  if (binaryCoercible(schema.snapshot).has(`${from.name}>${to.name}`)) {
    // varchar -> varchar(n) and text -> varchar(n) need a length check: a rewrite
    if (to.typmods.length && to.name !== "numeric") return from.name === "varchar" && from.typmods.length && to.typmods[0]! >= from.typmods[0]! ? "none" : "rewrite";
    if (from.name === "bpchar") return "rewrite"; // bpchar -> text strips padding
    return "none";
  }
  return "rewrite";
}

function sameMods(a: NormType, b: NormType): boolean {
  return a.typmods.length === b.typmods.length && a.typmods.every((x, i) => x === b.typmods[i]);
}
