import type pg from "pg";
import { quoteIdent } from "../../db/connection.js";
import { UserError } from "../../errors.js";
import { VERSION } from "../../version.js";
import { sha256Hex } from "../checksum.js";
import type { ApplyLayout, Migration } from "../types.js";
import { NATIVE_HISTORIES, normalizeDotted } from "./native.js";
import type { AppliedRecord, NativeHistory, NativeTool, RecordInfo } from "./types.js";

export type { AppliedRecord, NativeTool, RecordInfo } from "./types.js";

export interface HistoryOptions {
  layout: ApplyLayout;
  /** apply.history: auto | lockstep | a tool name */
  mode: string;
  /** apply.history_table, e.g. lockstep.migrations */
  table: string;
  /** create missing tables (false for dry runs: read only) */
  create: boolean;
}

/**
 * The target's migration history: Lockstep's own table (always written: checksum, who, how long)
 * plus the native tool's table when the project uses one (written as that tool would write it).
 */
export interface History {
  /** the native tool kept in step, or "lockstep" when only Lockstep's table is written */
  writes: "lockstep" | NativeTool;
  native?: NativeHistory;
  /** schema-qualified, quoted */
  table: string;
  /** per-statement progress markers of migrations that cannot run in one transaction */
  stepsTable: string;
  applied: Map<string, AppliedRecord>;
  /** why the native history cannot be kept faithfully (refuse unless apply.history: lockstep) */
  problems: string[];
  /** golang-migrate's dirty version, when set */
  dirtyVersion?: string;
  key(m: Migration): string;
  pending(local: Migration[]): Migration[];
  /** deployed migrations whose file no longer matches the recorded checksum */
  edited(local: Migration[]): Migration[];
  markStarted(client: pg.ClientBase, m: Migration): Promise<void>;
  record(client: pg.ClientBase, m: Migration, info: RecordInfo): Promise<void>;
}

export function parseTableName(name: string): { schema: string; table: string } {
  const parts = name.split(".");
  if (parts.length > 2 || parts.some((p) => !/^[A-Za-z_][A-Za-z0-9_$]*$/.test(p))) {
    throw new UserError("config-invalid", `apply.history_table: "${name}" is not a table name such as lockstep.migrations`);
  }
  return parts.length === 2 ? { schema: parts[0]!, table: parts[1]! } : { schema: "public", table: parts[0]! };
}

export async function openHistory(client: pg.ClientBase, local: Migration[], opts: HistoryOptions): Promise<History> {
  const { schema, table } = parseTableName(opts.table);
  const qTable = `${quoteIdent(schema)}.${quoteIdent(table)}`;
  const qSteps = `${quoteIdent(schema)}.${quoteIdent(`${table}_steps`)}`;
  if (opts.create) await createLockstepTables(client, quoteIdent(schema), qTable, qSteps);

  const problems: string[] = [];
  const present: NativeHistory[] = [];
  for (const h of NATIVE_HISTORIES) if (await h.exists(client)) present.push(h);
  const forced = NATIVE_HISTORIES.find((h) => h.tool === opts.mode);
  if (opts.mode !== "auto" && opts.mode !== "lockstep" && !forced) {
    throw new UserError("config-invalid", `apply.history: "${opts.mode}" is not one of auto, lockstep, ${NATIVE_HISTORIES.map((h) => h.tool).join(", ")}`);
  }
  const layoutTool = forced ?? NATIVE_HISTORIES.find((h) => h.layout === opts.layout);
  for (const h of present) {
    if (h !== layoutTool) problems.push(`the target has ${h.tool}'s history table, but the migrations are in the ${opts.layout} layout`);
  }
  if (forced && forced.layout !== opts.layout) problems.push(`apply.history: ${forced.tool} does not match the ${opts.layout} layout`);

  const native = layoutTool;
  const nativeExists = native ? present.includes(native) : false;
  const applied = new Map<string, AppliedRecord>();
  let dirtyVersion: string | undefined;
  if (native && nativeExists) {
    const reading = await native.read(client, local);
    for (const [k, v] of reading.applied) applied.set(k, v);
    dirtyVersion = reading.dirtyVersion;
    const ownInterrupted = dirtyVersion !== undefined && (await hasSteps(client, qSteps, dirtyVersion));
    problems.push(...(ownInterrupted ? reading.problems.filter((p) => !p.includes("dirty")) : reading.problems));
  }
  const key = (m: Migration) => (opts.layout === "flyway" && !m.repeatable ? normalizeDotted(m.version) : m.version);
  // Lockstep's own rows: applied, with the SHA-256 of the file as applied.
  if (await tableExists(client, qTable)) {
    const rows = await client.query<{ version: string; checksum: string }>(`SELECT version, checksum FROM ${qTable}`);
    for (const row of rows.rows) {
      const k = opts.layout === "flyway" ? safeNormalize(row.version) : row.version;
      const nativeRecord = applied.get(k);
      applied.set(k, {
        version: k,
        source: "lockstep",
        matches: (m) => sha256Hex(m.bytes) === row.checksum && (nativeRecord?.matches?.(m) ?? true),
      });
    }
  }
  const writes = opts.mode === "lockstep" || !native ? "lockstep" : native.tool;
  const writeNative = writes !== "lockstep" ? native : undefined;

  return {
    writes,
    native,
    table: qTable,
    stepsTable: qSteps,
    applied,
    problems: opts.mode === "lockstep" ? [] : problems,
    dirtyVersion,
    key,
    // a repeatable migration is pending again whenever its checksum changed; others once
    pending: (ms) => ms.filter((m) => (m.repeatable ? applied.get(key(m))?.matches?.(m) !== true : !applied.has(key(m)))),
    edited: (ms) => ms.filter((m) => !m.repeatable && applied.get(key(m))?.matches?.(m) === false),
    async markStarted(c, m) {
      if (writeNative && !nativeExists) await writeNative.create(c);
      await writeNative?.markStarted?.(c, m);
    },
    async record(c, m, info) {
      await c.query(
        `INSERT INTO ${qTable} (version, name, checksum, applied_at, applied_by, duration_ms, lockstep_version, path, history)
         VALUES ($1, $2, $3, now(), $4, $5, $6, $7, $8)
         ${m.repeatable ? "ON CONFLICT (version) DO UPDATE SET name = EXCLUDED.name, checksum = EXCLUDED.checksum, applied_at = now(), applied_by = EXCLUDED.applied_by, duration_ms = EXCLUDED.duration_ms, lockstep_version = EXCLUDED.lockstep_version, path = EXCLUDED.path" : ""}`,
        [m.version, m.name, sha256Hex(m.bytes), info.appliedBy, Math.round(info.durationMs), VERSION, m.path, writes],
      );
      if (writeNative) {
        if (!nativeExists) await writeNative.create(c);
        await writeNative.record(c, m, info);
      }
      await c.query(`DELETE FROM ${qSteps} WHERE version = $1`, [m.version]);
    },
  };
}

function safeNormalize(v: string): string {
  try {
    return normalizeDotted(v);
  } catch {
    return v;
  }
}

async function tableExists(client: pg.ClientBase, qualified: string): Promise<boolean> {
  const r = await client.query<{ oid: string | null }>(`SELECT to_regclass($1)::text AS oid`, [qualified]);
  return r.rows[0]!.oid !== null;
}

async function hasSteps(client: pg.ClientBase, qSteps: string, version: string): Promise<boolean> {
  if (!(await tableExists(client, qSteps))) return false;
  const r = await client.query(`SELECT 1 FROM ${qSteps} WHERE version = $1 LIMIT 1`, [version]);
  return (r.rowCount ?? 0) > 0;
}

async function createLockstepTables(client: pg.ClientBase, qSchema: string, qTable: string, qSteps: string): Promise<void> {
  if ((await tableExists(client, qTable)) && (await tableExists(client, qSteps))) return;
  await client.query(`CREATE SCHEMA IF NOT EXISTS ${qSchema}`);
  await client.query(`CREATE TABLE IF NOT EXISTS ${qTable} (
    version text PRIMARY KEY,
    name text NOT NULL,
    checksum text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now(),
    applied_by text,
    duration_ms integer NOT NULL,
    lockstep_version text NOT NULL,
    path text,
    history text)`);
  await client.query(`CREATE TABLE IF NOT EXISTS ${qSteps} (
    version text NOT NULL,
    statement integer NOT NULL,
    status text NOT NULL CHECK (status IN ('started', 'done')),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (version, statement))`);
}

/** Rows of Lockstep's history table, newest first (for `lockstep history`). */
export async function listHistory(client: pg.ClientBase, tableName: string): Promise<Array<{ version: string; name: string; checksum: string; applied_at: Date; applied_by: string | null; duration_ms: number; lockstep_version: string; history: string | null }>> {
  const { schema, table } = parseTableName(tableName);
  const q = `${quoteIdent(schema)}.${quoteIdent(table)}`;
  if (!(await tableExists(client, q))) return [];
  const r = await client.query(`SELECT version, name, checksum, applied_at, applied_by, duration_ms, lockstep_version, history FROM ${q} ORDER BY applied_at DESC, version DESC`);
  return r.rows;
}
