import pg from "pg";
import { describe, expect, it } from "vitest";
import type { BackfillProgress } from "../../src/backfill/engine.js";
import { requestControl } from "../../src/backfill/runs.js";
import { createTestDatabase } from "../helpers/db.js";
import { backfill, createUsers, stateFor, until } from "./helpers.js";

const db = await createTestDatabase("bfctl");
const state = await stateFor(db);
const q = async <T = Record<string, unknown>>(sql: string) => (await db.client.query(sql)).rows as T[];
const allDone = async (table: string) =>
  (await q<{ wrong: number; max: number }>(`SELECT count(*) FILTER (WHERE normalized_email IS DISTINCT FROM lower(email))::int AS wrong, max(touches) AS max FROM ${table}`))[0];
const spec = (table: string, extra: Record<string, unknown> = {}) => ({ table, set: "normalized_email = lower(email)", batch_size: 50, ...extra });

async function other(): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  return c;
}

describe("backfill control and throttles", () => {
  it("pauses at a batch boundary when asked through the state DB, and resumes from the checkpoint", async () => {
    await createUsers(db.client, "pr", 1000);
    const paused = await backfill(db, state, spec("pr"), {
      afterBatch: async (p) => {
        if (p.batches === 3) await requestControl(state, p.run_id, "pause", "U123");
      },
    });
    expect(paused).toMatchObject({ status: "paused", rows: 150, batches: 3, reason: "paused by U123", stopped_by: "U123" });
    const resumed = await backfill(db, state, spec("pr"), { clearPause: true });
    expect(resumed).toMatchObject({ status: "done", run_id: paused.run_id, rows: 1000, remaining: 0, resumed: true });
    expect(await allDone("pr")).toEqual({ wrong: 0, max: 1 });
  });

  it("cancels; the same backfill then starts a fresh run, and --restart discards a paused one", async () => {
    await createUsers(db.client, "cx", 600);
    const cancelled = await backfill(db, state, spec("cx"), {
      afterBatch: async (p) => {
        if (p.batches === 2) await requestControl(state, p.run_id, "cancel", "U9");
      },
    });
    expect(cancelled).toMatchObject({ status: "cancelled", rows: 100 });
    const paused = await backfill(db, state, spec("cx"), {
      afterBatch: async (p) => {
        if (p.batches === 3) await requestControl(state, p.run_id, "pause", "U9");
      },
    });
    expect(paused.run_id).not.toBe(cancelled.run_id);
    // Its first two batches found the cancelled run's rows done already.
    expect(paused).toMatchObject({ status: "paused", rows: 50, batches: 3 });
    const restarted = await backfill(db, state, spec("cx"), { restart: true });
    expect(restarted.run_id).not.toBe(paused.run_id);
    expect(restarted).toMatchObject({ status: "done", rows: 450, remaining: 0, resumed: false });
    expect(await allDone("cx")).toEqual({ wrong: 0, max: 1 });
  });

  it("waits while replication lag is over the limit (injected lag source) and says why", async () => {
    await createUsers(db.client, "lag", 300);
    let calls = 0;
    const events: BackfillProgress[] = [];
    const r = await backfill(db, state, spec("lag", { max_replication_lag_ms: 1000 }), {
      events,
      lagSource: async () => (++calls <= 3 ? 5000 : 10),
    });
    expect(r).toMatchObject({ status: "done", rows: 300 });
    expect(events.filter((e) => e.status === "throttled").map((e) => e.throttle)).toContain("replication lag 5.0 s > 1.0 s");
    expect(events.findIndex((e) => e.status === "throttled")).toBeLessThan(events.findIndex((e) => e.status === "running"));
  });

  it("yields to a lock held on the table, then finishes once it is released", async () => {
    await createUsers(db.client, "lk", 300);
    const holder = await other();
    await holder.query("BEGIN; LOCK TABLE lk IN SHARE MODE");
    const events: BackfillProgress[] = [];
    const run = backfill(db, state, spec("lk", { lock_timeout_ms: 100 }), { events });
    await until(async () => events.some((e) => e.throttle?.includes("holds ShareLock")), "the lock throttle");
    expect(events.some((e) => e.status === "running")).toBe(false);
    await holder.query("COMMIT");
    await holder.end();
    expect(await run).toMatchObject({ status: "done", rows: 300, remaining: 0 });
  });

  it("yields to a long-running transaction on the table", async () => {
    await createUsers(db.client, "lx", 200);
    const reader = await other();
    await reader.query("BEGIN; SELECT count(*) FROM lx");
    const events: BackfillProgress[] = [];
    const run = backfill(db, state, spec("lx", { max_xact_age_s: 0.001 }), { events });
    await until(async () => events.some((e) => e.throttle?.startsWith("long-running transaction")), "the long transaction throttle");
    await reader.query("COMMIT");
    await reader.end();
    expect(await run).toMatchObject({ status: "done", rows: 200 });
  });

  it("retries a batch that hits lock_timeout on a locked row", async () => {
    await createUsers(db.client, "rl", 200);
    const writer = await other();
    await writer.query("BEGIN; UPDATE rl SET hits = hits + 1 WHERE id = 120");
    const events: BackfillProgress[] = [];
    const run = backfill(db, state, spec("rl", { lock_timeout_ms: 50 }), { events });
    await until(async () => events.some((e) => e.throttle?.includes("lock_timeout")), "a lock timeout retry");
    await writer.query("COMMIT");
    await writer.end();
    expect(await run).toMatchObject({ status: "done", rows: 200, remaining: 0 });
    expect(await allDone("rl")).toEqual({ wrong: 0, max: 1 });
    expect((await q<{ hits: number }>("SELECT hits FROM rl WHERE id = 120"))[0]!.hits).toBe(1);
  });

  it("applies the rows/s rate limit and says so", async () => {
    await createUsers(db.client, "rt", 30);
    const events: BackfillProgress[] = [];
    // 10 rows per batch at 20 rows/s: each batch is due 500 ms after the previous one.
    const r = await backfill(db, state, spec("rt", { max_rows_per_s: 20, batch_size: 10 }), { events });
    expect(r).toMatchObject({ status: "done", rows: 30 });
    expect(events.some((e) => e.throttle === "rate limit 20 rows/s")).toBe(true);
  });

  it("picks up rows inserted during the run, ahead of the walk and behind it (a sweep pass)", async () => {
    await createUsers(db.client, "ins", 500);
    const r = await backfill(db, state, spec("ins"), {
      afterBatch: async (p) => {
        if (p.batches === 2) await db.client.query("INSERT INTO ins (id, email) SELECT g, 'New' || g || '@X.ORG' FROM generate_series(-20, -1) g UNION ALL SELECT g, 'Late' || g || '@X.ORG' FROM generate_series(1001, 1030) g");
      },
    });
    expect(r).toMatchObject({ status: "done", rows: 550, remaining: 0, pass: 2 });
    expect(await allDone("ins")).toEqual({ wrong: 0, max: 1 });
  });

  it("re-checks by value every row its own batches did not write last: one set back behind the walk is found and swept", async () => {
    await createUsers(db.client, "back", 600);
    const r = await backfill(db, state, spec("back", { batch_size: 100 }), {
      afterBatch: async (p) => {
        if (p.batches === 3) await db.client.query("UPDATE back SET normalized_email = 'stale' WHERE id IN (5, 150)");
      },
    });
    expect(r).toMatchObject({ status: "done", rows: 602, remaining: 0, pass: 2 });
    expect((await allDone("back"))!.wrong).toBe(0);
  });

  it("loses no concurrent update to the same rows", async () => {
    await createUsers(db.client, "cc", 2000);
    const writer = await other();
    let stop = false;
    let increments = 0;
    const writes = (async () => {
      for (let i = 0; !stop || i < 50; i++) {
        const id = 1 + ((i * 7919) % 2000);
        // Also rewrite the source column (same lower(email)), so both sides lock and rewrite the same rows.
        await writer.query("UPDATE cc SET hits = hits + 1, email = CASE WHEN $2 THEN upper(email) ELSE email END WHERE id = $1", [id, i % 5 === 0]);
        increments++;
      }
    })();
    const r = await backfill(db, state, spec("cc", { batch_size: 100 }));
    stop = true;
    await writes;
    await writer.end();
    expect(r.status).toBe("done");
    const [c] = await q<{ hits: number; wrong: number }>("SELECT sum(hits)::int AS hits, count(*) FILTER (WHERE normalized_email IS DISTINCT FROM lower(email))::int AS wrong FROM cc");
    expect(c!.hits).toBe(increments);
    // Writes that landed after the final verification are the application's to handle (dual write).
    const late = await backfill(db, state, spec("cc"));
    expect(late.status).toBe("done");
    expect((await allDone("cc"))!.wrong).toBe(0);
  });

  it("outside its window a job-style run stops with resume_at; inside it runs", async () => {
    await createUsers(db.client, "win", 100);
    const at = (h: number) => () => new Date(2026, 0, 1, h, 30);
    const outside = await backfill(db, state, spec("win"), { windows: ["01:00-05:00"], waitForWindow: false, now: at(12) });
    expect(outside).toMatchObject({ status: "paused", rows: 0 });
    expect(outside.reason).toMatch(/outside window 01:00-05:00/);
    expect(new Date(outside.resume_at!).getHours()).toBe(1);
    const inside = await backfill(db, state, spec("win"), { windows: ["01:00-05:00"], waitForWindow: false, now: at(2) });
    expect(inside).toMatchObject({ status: "done", rows: 100, run_id: outside.run_id });
  });
});
