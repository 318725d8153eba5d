import pg from "pg";
import PgBoss from "pg-boss";
import { connectionError } from "../db/connection.js";
import { log } from "../log.js";
import { STORE_SCHEMA, storeMigrations, type StoreMigration } from "./migrations.js";

export interface Store {
  pool: pg.Pool;
  boss: PgBoss;
  close(): Promise<void>;
}

/** Any number of Lockstep processes may start at once; this lock makes them take turns. */
const MIGRATION_LOCK_KEY = 0x6c6f636b; // "lock"

/**
 * Apply Lockstep's own migrations (each once, in order, under an advisory lock).
 * Returns the versions this call applied.
 */
export async function migrateStore(pool: pg.Pool, migrations: StoreMigration[] = storeMigrations): Promise<number[]> {
  const client = await pool.connect();
  const applied: number[] = [];
  try {
    await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${STORE_SCHEMA}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${STORE_SCHEMA}.schema_migrations (
         version int PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const done = new Set(
      (await client.query<{ version: number }>(`SELECT version FROM ${STORE_SCHEMA}.schema_migrations`)).rows.map((r) => r.version),
    );
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (done.has(m.version)) continue;
      await client.query("BEGIN");
      try {
        await client.query(m.sql);
        await client.query(`INSERT INTO ${STORE_SCHEMA}.schema_migrations (version, name) VALUES ($1, $2)`, [m.version, m.name]);
        await client.query("COMMIT");
      } catch (e) {
        await client.query("ROLLBACK");
        throw e;
      }
      applied.push(m.version);
      log.info({ version: m.version, name: m.name }, "state store migrated");
    }
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY]).catch(() => undefined);
    client.release();
  }
  return applied;
}

/** Open the state database: pool, own migrations, and the pg-boss queue on the same database. */
export async function openStore(url: string, opts: { startQueue?: boolean } = {}): Promise<Store> {
  const pool = new pg.Pool({ connectionString: url, max: 10, application_name: "lockstep-state" });
  pool.on("error", (e) => log.error({ err: e }, "state database connection error"));
  try {
    await migrateStore(pool);
  } catch (e) {
    await pool.end();
    if ((e as { code?: string }).code) throw connectionError(url, e);
    throw e;
  }
  const boss = new PgBoss({ connectionString: url, schema: "lockstep_jobs", application_name: "lockstep-jobs" });
  boss.on("error", (e) => log.error({ err: e }, "job queue error"));
  if (opts.startQueue !== false) await boss.start();
  return {
    pool,
    boss,
    async close() {
      if (opts.startQueue !== false) await boss.stop({ graceful: true, wait: true });
      await pool.end();
    },
  };
}
