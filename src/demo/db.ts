import { performance } from "node:perf_hooks";
import pg from "pg";
import type { SimulatedApp } from "./app.js";

export async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url, application_name: "lockstep-demo" });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/**
 * The application's traffic as pg_stat_user_tables shows it: wait until users has seen this many
 * scans and writes since its counters were reset (backends report at most once a second), and
 * return the application's queries per second meanwhile.
 */
export async function waitForTraffic(url: string, app: SimulatedApp, activity = 1_000, timeoutMs = 60_000): Promise<number> {
  const t0 = performance.now();
  const q0 = app.counts().ok;
  const deadline = Date.now() + timeoutMs;
  await withClient(url, async (c) => {
    for (;;) {
      const r = await c.query<{ n: string }>(
        `SELECT coalesce(seq_scan, 0) + coalesce(idx_scan, 0) + n_tup_ins + n_tup_upd + n_tup_del AS n FROM pg_stat_user_tables WHERE relid = 'public.users'::regclass`,
      );
      if (Number(r.rows[0]?.n ?? 0) >= activity) return;
      if (Date.now() > deadline) throw new Error("the simulated application's traffic did not show in pg_stat_user_tables");
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  });
  return ((app.counts().ok - q0) * 1000) / (performance.now() - t0);
}

/** A copy of a table (its columns, defaults, rows and primary key) in a schema of its own. */
export async function copyTable(url: string, table: string, schema: string): Promise<void> {
  await withClient(url, async (c) => {
    await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await c.query(`CREATE SCHEMA ${schema}`);
    const name = table.split(".").pop()!;
    await c.query(`CREATE TABLE ${schema}.${name} (LIKE ${table} INCLUDING DEFAULTS)`);
    await c.query(`INSERT INTO ${schema}.${name} SELECT * FROM ${table}`);
    await c.query(`ALTER TABLE ${schema}.${name} ADD PRIMARY KEY (id)`);
    await c.query(`ANALYZE ${schema}.${name}`);
  });
}
