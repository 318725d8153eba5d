import pg from "pg";
import { quoteIdent } from "../db/connection.js";

/** The demo target's database on the embedded server (the demo and the sandbox each rebuild it). */
export const DEMO_DATABASE = "lockstep_demo";

/** A million users: what "a busy production table" means in the demo. */
export const DEMO_USERS = 1_000_000;

export interface DemoTargetOptions {
  /** rows in users (orders gets one per user) */
  users?: number;
  /** told before each phase of the build */
  onPhase?: (what: string) => void;
}

export interface DemoTarget {
  url: string;
  users: number;
  orders: number;
  /** pg_total_relation_size of users */
  usersBytes: number;
}

/**
 * (Re)create the demo target on a server: `users` and `orders` filled with generate_series, built
 * on two connections at once (the two tables, then their indexes), analysed, and with their
 * pg_stat_user_tables counters reset: the bulk load is set-up, not traffic, so what `check` reads
 * as the tables' traffic is the simulated application's.
 */
export async function buildDemoTarget(adminUrl: string, url: string, opts: DemoTargetOptions = {}): Promise<DemoTarget> {
  const users = opts.users ?? DEMO_USERS;
  const phase = opts.onPhase ?? (() => undefined);
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(databaseOf(url))} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${quoteIdent(databaseOf(url))}`);
  } finally {
    await admin.end();
  }
  const a = new pg.Client({ connectionString: url });
  const b = new pg.Client({ connectionString: url });
  await Promise.all([a.connect(), b.connect()]);
  try {
    await a.query(TABLES_SQL);
    phase(`filling users (${users.toLocaleString("en-US")} rows) and orders`);
    await Promise.all([
      a.query(`INSERT INTO users (id, email, username, created_at) OVERRIDING SYSTEM VALUE
                 SELECT g, 'User' || g || '@Example.com', 'user' || g, now() - g * interval '1 minute' FROM generate_series(1, $1::int) g`, [users]),
      b.query(`INSERT INTO orders (user_id, total_cents, status, created_at)
                 SELECT 1 + (g::bigint * 7919) % $1::int, (g * 37) % 10000, (ARRAY['new','paid','shipped'])[1 + g % 3], now() - g * interval '1 minute'
                   FROM generate_series(1, $1::int) g`, [users]),
    ]);
    phase("indexes, the foreign key, ANALYZE");
    await Promise.all([
      (async () => {
        await a.query(`SELECT setval(pg_get_serial_sequence('users', 'id'), $1::int)`, [users]);
        await a.query(`CREATE UNIQUE INDEX users_email_key ON users (email)`);
      })(),
      b.query(`CREATE INDEX orders_user_id_idx ON orders (user_id)`),
    ]);
    await a.query(`ALTER TABLE orders ADD CONSTRAINT orders_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id)`);
    await Promise.all([a.query("ANALYZE users"), b.query("ANALYZE orders")]);
    await a.query(`SELECT pg_stat_reset_single_table_counters(t::regclass) FROM unnest(ARRAY['users', 'orders']) t`);
    const size = await a.query<{ bytes: string }>(`SELECT pg_total_relation_size('users') AS bytes`);
    return { url, users, orders: users, usersBytes: Number(size.rows[0]!.bytes) };
  } finally {
    await Promise.all([a.end(), b.end()]);
  }
}

const TABLES_SQL = `
CREATE TABLE users (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  email text NOT NULL,
  username text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz
);
CREATE TABLE orders (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id bigint NOT NULL,
  total_cents integer NOT NULL CHECK (total_cents >= 0),
  status text NOT NULL DEFAULT 'new',
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE VIEW recent_orders AS SELECT * FROM orders WHERE created_at > now() - interval '7 days';
`;

function databaseOf(url: string): string {
  return decodeURIComponent(new URL(url).pathname.slice(1));
}
