import { randomUUID } from "node:crypto";
import type pg from "pg";
import { flywayChecksum, prismaChecksums, sha256Hex } from "../checksum.js";
import { flywayRepeatableKey } from "../source.js";
import { compareDotted } from "../../analyze/sources.js";
import type { Migration } from "../types.js";
import type { AppliedRecord, NativeHistory, NativeReading } from "./types.js";

async function tableHasColumns(client: pg.ClientBase, table: string, columns: string[], without: string[] = []): Promise<boolean> {
  const r = await client.query<{ n: number; other: number }>(
    `SELECT count(*) FILTER (WHERE attname = ANY($2))::int AS n, count(*) FILTER (WHERE attname = ANY($3))::int AS other
       FROM pg_attribute WHERE attrelid = to_regclass($1) AND NOT attisdropped`,
    [table, columns, without],
  );
  return r.rows[0]!.n === columns.length && r.rows[0]!.other === 0;
}

/** golang-migrate: ONE row holding the current version and a dirty flag; every version <= it is applied. */
export const golangMigrate: NativeHistory = {
  tool: "golang-migrate",
  layout: "golang-migrate",
  exists: (c) => tableHasColumns(c, "schema_migrations", ["version", "dirty"]),
  async create(c) {
    await c.query(`CREATE TABLE IF NOT EXISTS schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL)`);
  },
  async read(c, local): Promise<NativeReading> {
    const r = await c.query<{ version: string; dirty: boolean }>(`SELECT version::text AS version, dirty FROM schema_migrations LIMIT 1`);
    const row = r.rows[0];
    const applied = new Map<string, AppliedRecord>();
    if (!row) return { applied, problems: [] };
    const current = BigInt(row.version);
    for (const m of local) {
      const v = BigInt(m.version);
      if (v < current || (v === current && !row.dirty)) applied.set(m.version, { version: m.version, source: "golang-migrate" });
    }
    return {
      applied,
      problems: row.dirty ? [`golang-migrate history is dirty at version ${row.version} (a migration failed half-way); fix the schema by hand, then \`migrate force\``] : [],
      dirtyVersion: row.dirty ? row.version : undefined,
    };
  },
  async markStarted(c, m) {
    await setGolangVersion(c, m.version, true);
  },
  async record(c, m) {
    await setGolangVersion(c, m.version, false);
  },
};

/** As golang-migrate's postgres driver does it: truncate, then insert the one row (in a transaction). */
async function setGolangVersion(c: pg.ClientBase, version: string, dirty: boolean): Promise<void> {
  await c.query("TRUNCATE schema_migrations");
  await c.query("INSERT INTO schema_migrations (version, dirty) VALUES ($1, $2)", [version, dirty]);
}

/** Flyway: one row per migration, CRC32 checksum of the lines; a BASELINE row covers older versions. */
export const flyway: NativeHistory = {
  tool: "flyway",
  layout: "flyway",
  exists: (c) => tableHasColumns(c, "flyway_schema_history", ["installed_rank", "version", "checksum", "success"]),
  async create(c) {
    await c.query(`CREATE TABLE IF NOT EXISTS flyway_schema_history (
      installed_rank integer NOT NULL CONSTRAINT flyway_schema_history_pk PRIMARY KEY,
      version varchar(50), description varchar(200) NOT NULL, type varchar(20) NOT NULL,
      script varchar(1000) NOT NULL, checksum integer, installed_by varchar(100) NOT NULL,
      installed_on timestamp NOT NULL DEFAULT now(), execution_time integer NOT NULL, success boolean NOT NULL)`);
    await c.query(`CREATE INDEX IF NOT EXISTS flyway_schema_history_s_idx ON flyway_schema_history (success)`);
  },
  async read(c, local): Promise<NativeReading> {
    const r = await c.query<{ version: string | null; description: string; checksum: number | null; success: boolean; type: string; script: string }>(
      `SELECT version, description, checksum, success, type, script FROM flyway_schema_history ORDER BY installed_rank`,
    );
    const applied = new Map<string, AppliedRecord>();
    const problems: string[] = [];
    let baseline: string | undefined;
    for (const row of r.rows) {
      if (!row.success) problems.push(`Flyway history has a failed migration (${row.script}); run \`flyway repair\` first`);
      if (row.type === "BASELINE" && row.version) baseline = row.version;
      else if (["UNDO_SQL", "DELETE"].includes(row.type)) problems.push(`Flyway history has ${row.type} rows, which Lockstep does not replay`);
      if (!row.version && row.success && row.type === "SQL") {
        // a repeatable migration: the latest row per description holds the checksum it last ran with
        const key = flywayRepeatableKey(row.description);
        applied.set(key, { version: key, source: "flyway", matches: (m) => flywayChecksum(m.bytes) === row.checksum });
        continue;
      }
      if (!row.version || !row.success || row.type === "BASELINE" || row.type === "SCHEMA") continue;
      const version = normalizeDotted(row.version);
      applied.set(version, { version, source: "flyway", matches: (m) => row.checksum === null || flywayChecksum(m.bytes) === row.checksum });
    }
    const versioned = local.filter((m) => !m.repeatable);
    if (baseline) {
      for (const m of versioned) {
        const key = normalizeDotted(m.version);
        if (compareDotted(key, baseline) <= 0 && !applied.has(key)) applied.set(key, { version: key, source: "flyway" });
      }
    }
    const latest = [...applied.values()].filter((a) => !a.version.startsWith("R__")).map((a) => a.version).sort(compareDotted).at(-1);
    const outOfOrder = latest ? versioned.filter((m) => !applied.has(normalizeDotted(m.version)) && compareDotted(m.version, latest) < 0) : [];
    for (const m of outOfOrder) problems.push(`${m.path} is older than the latest applied Flyway version ${latest}; Flyway would ignore it (outOfOrder is off)`);
    return { applied, problems };
  },
  async record(c, m, info) {
    await c.query(
      `INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success)
       SELECT coalesce(max(installed_rank), 0) + 1, $1, $2, 'SQL', $3, $4, current_user, $5, true FROM flyway_schema_history`,
      [m.repeatable ? null : m.version, m.name, m.path, flywayChecksum(m.bytes), Math.round(info.durationMs)],
    );
  },
};

export function normalizeDotted(version: string): string {
  return version.split(/[._]/).map((p) => String(BigInt(p))).join(".");
}

/** diesel: one row per migration version (the directory name's digits), no checksum. */
export const diesel: NativeHistory = {
  tool: "diesel",
  layout: "diesel",
  exists: (c) => tableHasColumns(c, "__diesel_schema_migrations", ["version", "run_on"]),
  async create(c) {
    await c.query(`CREATE TABLE IF NOT EXISTS __diesel_schema_migrations (version varchar(50) PRIMARY KEY NOT NULL, run_on timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP)`);
  },
  async read(c): Promise<NativeReading> {
    const r = await c.query<{ version: string }>(`SELECT version FROM __diesel_schema_migrations`);
    return { applied: new Map(r.rows.map((row) => [row.version, { version: row.version, source: "diesel" as const }])), problems: [] };
  },
  async record(c, m) {
    await c.query(`INSERT INTO __diesel_schema_migrations (version) VALUES ($1)`, [m.version]);
  },
};

/** Prisma: one row per migration directory with the SHA-256 of migration.sql; failed rows block deploys. */
export const prisma: NativeHistory = {
  tool: "prisma",
  layout: "prisma",
  exists: (c) => tableHasColumns(c, "_prisma_migrations", ["migration_name", "checksum", "finished_at", "rolled_back_at"]),
  async create(c) {
    await c.query(`CREATE TABLE IF NOT EXISTS _prisma_migrations (
      id varchar(36) PRIMARY KEY NOT NULL, checksum varchar(64) NOT NULL, finished_at timestamptz,
      migration_name varchar(255) NOT NULL, logs text, rolled_back_at timestamptz,
      started_at timestamptz NOT NULL DEFAULT now(), applied_steps_count integer NOT NULL DEFAULT 0)`);
  },
  async read(c): Promise<NativeReading> {
    const r = await c.query<{ migration_name: string; checksum: string; finished: boolean; rolled_back: boolean }>(
      `SELECT migration_name, checksum, finished_at IS NOT NULL AS finished, rolled_back_at IS NOT NULL AS rolled_back FROM _prisma_migrations ORDER BY started_at`,
    );
    const applied = new Map<string, AppliedRecord>();
    const problems: string[] = [];
    for (const row of r.rows) {
      if (row.rolled_back) continue;
      if (!row.finished) {
        problems.push(`Prisma history has a failed migration (${row.migration_name}); resolve it with \`prisma migrate resolve\` first`);
        continue;
      }
      applied.set(row.migration_name, { version: row.migration_name, source: "prisma", matches: (m: Migration) => prismaChecksums(m.bytes).includes(row.checksum) });
    }
    return { applied, problems };
  },
  async record(c, m, info) {
    await c.query(
      `INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
       VALUES ($1, $2, $3, $4, now(), 1)`,
      [randomUUID(), prismaChecksums(m.bytes)[0], m.version, info.startedAt],
    );
  },
};

/**
 * Drizzle (drizzle-kit migrate / drizzle-orm's migrator): drizzle.__drizzle_migrations, one row per
 * migration with the SHA-256 of the file's text and created_at = the journal entry's `when`. drizzle-kit
 * runs the journal entries whose `when` is later than the newest created_at.
 */
export const drizzle: NativeHistory = {
  tool: "drizzle",
  layout: "drizzle",
  exists: (c) => tableHasColumns(c, "drizzle.__drizzle_migrations", ["id", "hash", "created_at"]),
  async create(c) {
    await c.query(`CREATE SCHEMA IF NOT EXISTS "drizzle"`);
    await c.query(`CREATE TABLE IF NOT EXISTS "drizzle"."__drizzle_migrations" (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at bigint)`);
  },
  async read(c, local): Promise<NativeReading> {
    const r = await c.query<{ hash: string; created_at: string | null }>(`SELECT hash, created_at::text FROM "drizzle"."__drizzle_migrations"`);
    const hashes = new Map(r.rows.map((row) => [Number(row.created_at), row.hash]));
    const last = r.rows.reduce((max, row) => Math.max(max, Number(row.created_at ?? 0)), -Infinity);
    const applied = new Map<string, AppliedRecord>();
    const problems: string[] = [];
    for (const m of local) {
      const when = m.journalWhen ?? 0;
      if (when > last) continue;
      const hash = hashes.get(when);
      if (hash === undefined) problems.push(`${m.path} was never run, but its journal \`when\` (${when}) is not later than the newest drizzle migration applied (${last}): drizzle-kit migrate would skip it`);
      applied.set(m.version, { version: m.version, source: "drizzle", ...(hash === undefined ? {} : { matches: (x: Migration) => drizzleHash(x.bytes) === hash }) });
    }
    return { applied, problems };
  },
  async record(c, m) {
    await c.query(`INSERT INTO "drizzle"."__drizzle_migrations" ("hash", "created_at") VALUES ($1, $2)`, [drizzleHash(m.bytes), m.journalWhen]);
  },
};

/** drizzle-orm's migrator hashes the file read as a UTF-8 string. */
function drizzleHash(bytes: Buffer): string {
  return sha256Hex(bytes.toString("utf8"));
}

/** dbmate: schema_migrations(version) — the same name as golang-migrate's table, without its dirty column. */
export const dbmate: NativeHistory = {
  tool: "dbmate",
  layout: "dbmate",
  exists: (c) => tableHasColumns(c, "schema_migrations", ["version"], ["dirty"]),
  async create(c) {
    await c.query(`CREATE TABLE IF NOT EXISTS schema_migrations (version varchar NOT NULL PRIMARY KEY)`);
  },
  async read(c): Promise<NativeReading> {
    const r = await c.query<{ version: string }>(`SELECT version FROM schema_migrations`);
    return { applied: new Map(r.rows.map((row) => [row.version, { version: row.version, source: "dbmate" as const }])), problems: [] };
  },
  async record(c, m) {
    await c.query(`INSERT INTO schema_migrations (version) VALUES ($1)`, [m.version]);
  },
};

export const NATIVE_HISTORIES: NativeHistory[] = [golangMigrate, flyway, diesel, prisma, drizzle, dbmate];
