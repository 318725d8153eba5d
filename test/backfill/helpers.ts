import type pg from "pg";
import { afterAll } from "vitest";
import { runBackfill, type BackfillOptions, type BackfillProgress } from "../../src/backfill/engine.js";
import { parseSpec, type BackfillSpecInput } from "../../src/backfill/spec.js";
import { openStore } from "../../src/store/store.js";
import type { TestDatabase } from "../helpers/db.js";

/** The state store in the test database itself (so checkpoints share the batch's transaction). */
export async function stateFor(db: TestDatabase): Promise<pg.Pool> {
  const store = await openStore(db.url, { startQueue: false });
  afterAll(() => store.close());
  return store.pool;
}

/** A users-like table: id, email, normalized_email, plus a per-row count of updates (trigger). */
export async function createUsers(client: pg.Client, table: string, rows: number): Promise<void> {
  await client.query(`
    DROP TABLE IF EXISTS ${table};
    CREATE TABLE ${table} (id bigint PRIMARY KEY, email text, normalized_email text, hits int NOT NULL DEFAULT 0, touches int NOT NULL DEFAULT 0);
    INSERT INTO ${table} (id, email) SELECT g, 'User' || g || '@Example.COM' FROM generate_series(1, ${rows}) g;
    CREATE OR REPLACE FUNCTION count_touches() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.normalized_email IS DISTINCT FROM OLD.normalized_email THEN NEW.touches := OLD.touches + 1; END IF; RETURN NEW; END $$;
    CREATE TRIGGER ${table}_touches BEFORE UPDATE ON ${table} FOR EACH ROW EXECUTE FUNCTION count_touches();
    ANALYZE ${table};`);
}

export function backfill(
  db: TestDatabase,
  state: pg.Pool,
  spec: BackfillSpecInput,
  opts: Partial<Omit<BackfillOptions, "spec">> & { events?: BackfillProgress[] } = {},
) {
  const { events, ...rest } = opts;
  return runBackfill({
    targetUrl: db.url,
    targetLabel: "test",
    state,
    pollMs: 20,
    onProgress: events ? (p) => events.push(p) : undefined,
    ...rest,
    spec: parseSpec(spec, "test"),
  });
}

export { until } from "../helpers/until.js";
