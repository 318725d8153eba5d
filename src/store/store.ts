import pg from "pg";
import PgBoss from "pg-boss";
import { connectionError } from "../db/connection.js";
import { ExitCode, UserError, isUnavailable, isUserError, pgErrorWords } from "../errors.js";
import { log } from "../log.js";
import { redact } from "../redact.js";
import { STORE_SCHEMA, storeMigrations } from "./migrations.js";
import { ensureJobQueues, JOBS_SCHEMA } from "./queues.js";

export interface Store {
  pool: pg.Pool;
  boss: PgBoss;
  close(): Promise<void>;
}

/**
 * Any number of Lockstep processes (bot replicas, CLIs) may start at once on one state database:
 * this session-level advisory lock makes their start-up schema and queue work take turns.
 */
const STARTUP_LOCK_KEY = 0x6c6f636b; // "lock"

/** Run `fn` holding the start-up lock on one connection of the state database. */
async function withStartupLock<T>(pool: pg.Pool, url: string, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (e) {
    throw connectionError(url, e);
  }
  try {
    await client.query("SELECT pg_advisory_lock($1)", [STARTUP_LOCK_KEY]);
    return await fn(client);
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [STARTUP_LOCK_KEY]).catch(() => undefined);
    client.release();
  }
}

/** Apply Lockstep's own migrations (each once, in order). */
async function applyMigrations(client: pg.PoolClient): Promise<void> {
  await client.query(`CREATE SCHEMA IF NOT EXISTS ${STORE_SCHEMA}`);
  await client.query(
    `CREATE TABLE IF NOT EXISTS ${STORE_SCHEMA}.schema_migrations (
       version int PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
  );
  const done = new Set(
    (await client.query<{ version: number }>(`SELECT version FROM ${STORE_SCHEMA}.schema_migrations`)).rows.map((r) => r.version),
  );
  for (const m of [...storeMigrations].sort((a, b) => a.version - b.version)) {
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
    log.info({ version: m.version, name: m.name }, "state store migrated");
  }
}

/**
 * Open the state database: pool, own migrations, and the pg-boss queue on the same database with
 * Lockstep's job queues; the schema and queue work under the start-up lock.
 */
export async function openStore(url: string, opts: { startQueue?: boolean } = {}): Promise<Store> {
  const startQueue = opts.startQueue !== false;
  const pool = new pg.Pool({ connectionString: url, max: 10, application_name: "lockstep-state" });
  pool.on("error", (e) => log.error({ err: e }, "state database connection error"));
  const boss = new PgBoss({ connectionString: url, schema: JOBS_SCHEMA, application_name: "lockstep-jobs" });
  boss.on("error", (e) => log.error({ err: e }, "job queue error"));
  let bossStarted = false;
  try {
    await withStartupLock(pool, url, async (client) => {
      await applyMigrations(client);
      if (!startQueue) return;
      bossStarted = true;
      await boss.start();
      await ensureJobQueues(boss);
    });
  } catch (e) {
    if (bossStarted) await boss.stop({ graceful: false, wait: true }).catch(() => undefined);
    await pool.end();
    // refused, reset, shutting down, not accepting connections: exit 3, try again (a wrong password stays exit 2)
    if ((!isUserError(e) || e.code === "db-unreachable") && isUnavailable(e)) {
      const words = isUserError(e) ? e.message : `${redact(url)}: ${pgErrorWords((e as { code?: string }).code) ?? redact((e as Error).message ?? String(e))}`;
      throw new UserError("state-unavailable", `Lockstep's state database is temporarily unavailable (${words})`, {
        hint: "try again in a minute; DATABASE_URL names it",
        exitCode: ExitCode.internal,
        cause: e,
      });
    }
    throw e;
  }
  return {
    pool,
    boss,
    async close() {
      if (startQueue) await boss.stop({ graceful: true, wait: true });
      await pool.end();
    },
  };
}
