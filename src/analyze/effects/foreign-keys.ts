import type { AssignedValue } from "../describe.js";
import { routedPartitions } from "../partition-routing.js";
import type { SchemaContext } from "../schema.js";
import type { ConstraintInfo, RelationInfo } from "../types.js";
import { deeper, type ExecContext, type Host } from "./context.js";
import { cascadeKey, referencedColumns } from "./rows.js";
import { rowsOf, writeEffects, type Write } from "./writes.js";

/**
 * What the foreign-key triggers do for the rows a write touches (ri_triggers.c):
 * - inserting or updating a key on the referencing side checks the referenced table
 *   (SELECT ... FOR KEY SHARE: RowShareLock), unless the new key is NULL (MATCH SIMPLE: any
 *   column; MATCH FULL: all) or an UPDATE leaves it unchanged (RI_FKey_fk_upd_check_required);
 * - deleting, or updating the key of, a referenced row runs the constraint's action on every
 *   referencing table: NO ACTION / RESTRICT look (RowShareLock), CASCADE / SET NULL / SET DEFAULT
 *   write (RowExclusiveLock), and that write fires the table's own triggers and keys in turn.
 * RI triggers are ordinary (ENABLE ORIGIN) triggers: none fire when session_replication_role is replica.
 * Returns whether any key was involved.
 */
export function foreignKeyEffects(w: Write, host: Host, ctx: ExecContext): boolean {
  if (ctx.role === "replica") return false;
  const schema = host.schema;
  const rel = schema.relation(w.table);
  if (!rel || rel.fkTriggersDisabled) return false;
  let involved = false;
  if (w.event !== "delete" && w.inserted !== false) {
    for (const fk of schema.foreignKeysOf(w.table)) {
      if (fk.forReferencedPartition || fk.notEnforced || !checksReferenced(fk, w, rel, schema)) continue; // NOT ENFORCED keys have no triggers
      involved = true;
      lockReferenced(fk, w, host);
    }
  }
  // moved rows: for the referenced side, Postgres handles the move as an UPDATE of the partitioned table
  if (w.event === "insert" || w.moved) return involved;
  for (const { table: child, constraint: fk } of schema.referencing(w.table)) {
    if (fk.notEnforced) continue;
    const key = referencedColumns(fk, schema);
    if (w.event === "update" && !keyMayChange(w, key, schema)) continue;
    involved = true;
    const action = (w.event === "delete" ? fk.onDelete : fk.onUpdate) ?? "no action";
    if (action === "no action" || action === "restrict") {
      host.lockPartitions(child, "RowShareLock");
      continue;
    }
    host.lockPartitions(child, "RowExclusiveLock");
    // the rows the action reaches, as probed level by level (effects/rows.ts), else assumed
    const parentRows = w.event === "delete" ? w.rowsKey : key && w.changeKeyOf?.(key.filter((c) => w.columns.includes(c)));
    const rowsKey = parentRows ? cascadeKey(parentRows, fk, child) : undefined;
    const reached = rowsKey ? rowsOf(rowsKey, child, schema) : { rows: true, rowsAssumed: true };
    const assigned = new Map<string, AssignedValue>(fk.columns.map((c) => [c, action === "set null" ? null : action === "set default" ? { default: true } : false]));
    const write: Write =
      w.event === "delete" && action === "cascade"
        ? { table: child, event: "delete", columns: [], ...reached, ...(rowsKey ? { rowsKey } : {}) }
        : { table: child, event: "update", columns: fk.columns, assigned, ...reached, ...(rowsKey ? { changeKeyOf: () => rowsKey } : {}) };
    writeEffects(write, host, deeper(ctx, `foreign key ${fk.name} on ${child}`));
  }
  return involved;
}

/**
 * The RI check's SELECT ... FOR KEY SHARE: on a partitioned referenced table, only the partitions
 * the new keys route to (plan-time pruning on the key values); all of them when a key is not a constant.
 */
function lockReferenced(fk: ConstraintInfo, w: Write, host: Host): void {
  const target = fk.references!;
  host.lock(target, "RowShareLock");
  // a partition's copy of its partitioned table's key: the check reads the key's table too
  for (let p = host.schema.relation(w.table)?.parent; p; p = host.schema.relation(p)?.parent) {
    if (host.schema.foreignKeysOf(p).some((k) => k.name === fk.name)) host.lock(p, "AccessShareLock");
  }
  if (host.schema.relation(target)?.kind !== "partitioned-table") return;
  const key = referencedColumns(fk, host.schema);
  const rows = key ? newKeys(fk, w, host.schema.relation(w.table)) : undefined;
  const routed = key && rows ? routedPartitions(target, key, rows, host.schema) : undefined;
  for (const p of routed ?? host.schema.partitionsOf(target)) host.lock(p, "RowShareLock");
}

/** Per row written, the new value of each key column (false when not a constant). */
function newKeys(fk: ConstraintInfo, w: Write, rel: RelationInfo | undefined): Array<Array<string | null | false>> | undefined {
  if (w.event === "update") return [fk.columns.map((c) => {
    const v = w.assigned?.get(c);
    return typeof v === "string" || v === null ? v : false;
  })];
  if (!w.values?.length) return undefined;
  const order = w.columns.length ? w.columns : (rel?.columns.map((c) => c.name) ?? []);
  return w.values.map((row) => fk.columns.map((c) => {
    const i = order.indexOf(c);
    return i >= 0 && i < row.length ? (row[i] ?? null) : false;
  }));
}

/** Does this write make the referencing side's RI check run (a key that is not NULL, new or changed)? */
function checksReferenced(fk: ConstraintInfo, w: Write, rel: RelationInfo, schema: SchemaContext): boolean {
  const cols = fk.columns;
  let isNull: (c: string) => boolean;
  if (w.event === "insert") isNull = (c) => insertsNull(c, w, rel);
  else {
    const set = cols.filter((c) => w.columns.includes(c));
    if (set.length === 0 || set.every((c) => isSelf(w.assigned?.get(c), c)) || changesNone(w, set, schema)) return false;
    isNull = (c) => {
      const v = w.assigned?.get(c);
      return w.columns.includes(c) && (v === null || (isDefault(v) && defaultIsNull(rel, c)));
    };
  }
  return fk.matchFull ? !cols.every(isNull) : !cols.some(isNull);
}

/** Is the column NULL in every row the INSERT writes (given NULL, or left out without a default)? */
function insertsNull(column: string, w: Write, rel: RelationInfo): boolean {
  const order = w.columns.length ? w.columns : rel.columns.map((c) => c.name);
  const i = order.indexOf(column);
  const width = w.values?.[0]?.length;
  if (i < 0 || (width !== undefined && i >= width && !w.columns.length)) return defaultIsNull(rel, column);
  if (w.nullColumns?.includes(column)) return true;
  return Boolean(w.values?.length) && w.values!.every((row) => row[i] === null);
}

function defaultIsNull(rel: RelationInfo, column: string): boolean {
  const col = rel.columns.find((c) => c.name === column);
  if (!col) return false;
  return !col.identity && !col.generated && (col.default === undefined || /^NULL(::[\w .]+)?$/i.test(col.default.trim()));
}

const isSelf = (v: AssignedValue | undefined, column: string) => typeof v === "object" && v !== null && "column" in v && v.column === column;
const isDefault = (v: AssignedValue | undefined) => typeof v === "object" && v !== null && "default" in v;

/** An UPDATE can change the referenced key only if it sets one of its columns to something else. */
function keyMayChange(w: Write, key: string[] | undefined, schema: SchemaContext): boolean {
  if (!key) return w.columns.length > 0;
  const set = key.filter((c) => w.columns.includes(c));
  return set.length > 0 && !set.every((c) => isSelf(w.assigned?.get(c), c)) && !changesNone(w, set, schema);
}

/** Probed: no touched row gets a new value in these columns. */
function changesNone(w: Write, columns: string[], schema: SchemaContext): boolean {
  const key = w.changeKeyOf?.(columns);
  return key !== undefined && schema.rowFact(key, w.table) === false;
}


