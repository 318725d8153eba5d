import pg from "pg";
import { describe, expect, it } from "vitest";
import { createTestDatabase } from "../helpers/db.js";
import { backfill, createUsers, stateFor } from "./helpers.js";
import type { BackfillProgress } from "../../src/backfill/engine.js";

const db = await createTestDatabase("bf");
const state = await stateFor(db);
const q = async <T extends pg.QueryResultRow = Record<string, unknown>>(sql: string, values?: unknown[]) => (await db.client.query<T>(sql, values)).rows;

describe("backfill engine", () => {
  it("updates every row once, in batches, and verifies nothing remains", async () => {
    await createUsers(db.client, "u1", 2000);
    const events: BackfillProgress[] = [];
    const r = await backfill(db, state, { table: "u1", set: "normalized_email = lower(email)", batch_size: 150 }, { events });
    expect(r).toMatchObject({ status: "done", rows: 2000, remaining: 0 });
    expect(r.batches).toBeGreaterThanOrEqual(Math.ceil(2000 / 150));
    const [check] = await q<{ wrong: number; touched: number; max: number }>(
      "SELECT count(*) FILTER (WHERE normalized_email IS DISTINCT FROM lower(email))::int AS wrong, count(*) FILTER (WHERE touches = 1)::int AS touched, max(touches) AS max FROM u1",
    );
    expect(check).toEqual({ wrong: 0, touched: 2000, max: 1 });
    expect(events.filter((e) => e.status === "running").length).toBe(r.batches);
    expect(events.at(-1)?.status).toBe("done");
  });

  it("running it again finds nothing to do (a fresh run, since the last one is done)", async () => {
    const r = await backfill(db, state, { table: "u1", set: "normalized_email = lower(email)" });
    expect(r).toMatchObject({ status: "done", rows: 0, remaining: 0 });
    const [{ max }] = await q<{ max: number }>("SELECT max(touches) AS max FROM u1");
    expect(max).toBe(1);
  });

  it("walks composite keys with row-value ranges", async () => {
    await db.client.query(`
      CREATE TABLE items (tenant int NOT NULL, id int NOT NULL, name text, slug text, PRIMARY KEY (tenant, id));
      INSERT INTO items SELECT t, i, 'Item ' || t || '-' || i, NULL FROM generate_series(1, 7) t, generate_series(1, 53) i;`);
    const r = await backfill(db, state, { table: "items", set: ["slug = replace(lower(name), ' ', '-')"], where: "tenant <> 3", batch_size: 10 });
    expect(r).toMatchObject({ status: "done", rows: 6 * 53, remaining: 0 });
    const [c] = await q<{ done: number; untouched: number }>(
      "SELECT count(*) FILTER (WHERE slug = replace(lower(name), ' ', '-'))::int AS done, count(*) FILTER (WHERE tenant = 3 AND slug IS NULL)::int AS untouched FROM items",
    );
    expect(c).toEqual({ done: 6 * 53, untouched: 53 });
  });

  it("uses a unique NOT NULL key when there is no primary key, and refuses a table with neither", async () => {
    await db.client.query(`
      CREATE TABLE by_code (code text NOT NULL UNIQUE, v int, w int);
      INSERT INTO by_code SELECT 'c' || g, g, NULL FROM generate_series(1, 300) g;
      CREATE TABLE heap (v int, w int); INSERT INTO heap VALUES (1, NULL);`);
    const ok = await backfill(db, state, { table: "by_code", set: "w = v * 2", batch_size: 40 });
    expect(ok).toMatchObject({ status: "done", rows: 300, remaining: 0 });
    await expect(backfill(db, state, { table: "heap", set: "w = v * 2" })).rejects.toThrow(/no primary key and no unique index on NOT NULL columns/);
  });

  it("refuses volatile expressions, looked up in the target's pg_proc", async () => {
    await expect(backfill(db, state, { table: "u1", set: "normalized_email = md5(random()::text)" })).rejects.toThrow(/random\(\) is VOLATILE/);
    await db.client.query("CREATE FUNCTION my_volatile(t text) RETURNS text LANGUAGE sql VOLATILE AS 'SELECT t'");
    await expect(backfill(db, state, { table: "u1", set: "normalized_email = public.my_volatile(email)" })).rejects.toThrow(/public\.my_volatile\(\) is VOLATILE/);
    await db.client.query("CREATE FUNCTION my_immutable(t text) RETURNS text LANGUAGE sql IMMUTABLE AS 'SELECT lower(t)'");
    await expect(backfill(db, state, { table: "u1", set: "normalized_email = my_immutable(email)" })).resolves.toMatchObject({ status: "done" });
  });

  it("reports bad SQL and unknown columns with line and column", async () => {
    await expect(backfill(db, state, { table: "u1", set: "normalized_email = lower(email" })).rejects.toThrow(/--set .*line 1, column \d+/);
    await expect(backfill(db, state, { table: "u1", set: "normalized_email = lower(emial)" })).rejects.toThrow(/--set .*line 1, column 26: column "emial" does not exist/);
    await expect(backfill(db, state, { table: "u1", set: "normalized_email = lower(email)", where: "id > 1) OR (true" })).rejects.toThrow(/--where .*unbalanced/);
    await expect(backfill(db, state, { table: "u1", set: "nope = 1" })).rejects.toThrow(/column nope does not exist/);
    await expect(backfill(db, state, { table: "u1", set: "id = id + 1" })).rejects.toThrow(/part of the key/);
  });

  it("refuses an expression that does not converge, keeping nothing of the batch", async () => {
    await createUsers(db.client, "u2", 100);
    const r = await backfill(db, state, { table: "u2", set: "hits = hits + 1", batch_size: 10 });
    expect(r.status).toBe("failed");
    expect(r.reason).toMatch(/would still need it/);
    const [{ s }] = await q<{ s: number }>("SELECT sum(hits)::int AS s FROM u2");
    expect(s).toBe(0);
    // With a WHERE that excludes done rows it is safe to repeat, and runs.
    const ok = await backfill(db, state, { table: "u2", set: "hits = hits + 1", where: "hits = 0", batch_size: 10 });
    expect(ok).toMatchObject({ status: "done", rows: 100, remaining: 0 });
  });
});

describe("parallel walkers", () => {
  it("splits the key space into shards, each row changed once, resumable after a pause", async () => {
    await createUsers(db.client, "par", 30_000);
    const { requestControl } = await import("../../src/backfill/runs.js");
    const spec = { table: "par", set: "normalized_email = lower(email)", batch_size: 500, workers: 3 };
    const paused = await backfill(db, state, spec, {
      afterBatch: async (p) => {
        if (p.batches === 6) await requestControl(state, p.run_id, "pause", "test");
      },
    });
    expect(paused.status).toBe("paused");
    const [run] = await q<{ shards: Array<{ from: string[] | null; to: string[] | null; last: string[] | null }> }>("SELECT shards FROM lockstep_state.backfill_runs WHERE id = $1", [paused.run_id]);
    expect(run!.shards).toHaveLength(3);
    expect(run!.shards[0]!.from).toBeNull();
    expect(run!.shards[2]!.to).toBeNull();
    expect(run!.shards[1]!.from).toEqual(run!.shards[0]!.to);
    const done = await backfill(db, state, spec, { clearPause: true });
    expect(done).toMatchObject({ status: "done", run_id: paused.run_id, rows: 30_000, remaining: 0 });
    const [c] = await q<{ once: number; max: number }>("SELECT count(*) FILTER (WHERE touches = 1 AND normalized_email = lower(email))::int AS once, max(touches) AS max FROM par");
    expect(c).toEqual({ once: 30_000, max: 1 });
  });
});
