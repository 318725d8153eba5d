import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { analyzeSql } from "../../src/analyze/analyze.js";
import { LOCK_MODES, type LockMode, type SchemaSnapshot } from "../../src/analyze/types.js";
import { connect } from "../../src/db/connection.js";
import { introspect } from "../../src/db/introspect.js";
import { createShadow, type Shadow } from "../../src/db/shadow.js";
import { conflicts } from "../../src/trace/lock-modes.js";
import { adminUrl } from "../helpers/db.js";
import { createFixtureTemplate, loadCatalog } from "../helpers/lock-catalog.js";
import { lockRequests } from "../helpers/lock-requests.js";
import { until } from "../helpers/until.js";

/**
 * Statements that take their locks in several internal transactions, which `trace` cannot watch
 * to the end (it lets go when the statement waits for its holders' transactions): what Postgres 18
 * really requests is read here by holding each table from a session of its own and letting go of
 * each one the statement waits on. The `-- postgres:` notes of the lock catalog are checked this
 * way, and so are `check`'s predictions for the statements trace cannot run at all.
 */
process.env.LOCKSTEP_SHADOW_ADMIN_URL = adminUrl();
let template: Awaited<ReturnType<typeof createFixtureTemplate>>;
let schema: SchemaSnapshot;
let tables: string[];

beforeAll(async () => {
  template = await createFixtureTemplate();
  const copy = await createShadow({ template: template.name });
  schema = await introspect(copy.client);
  await copy.drop();
  tables = Object.entries(schema.relations).filter(([, r]) => r.kind === "table" || r.kind === "partitioned-table").map(([k]) => k);
});

afterAll(async () => {
  await template?.drop();
});

/** The weakest mode that conflicts with `mode`: holding it makes a request of `mode` wait. */
function holdFor(mode: LockMode): LockMode {
  return LOCK_MODES.find((m) => conflicts(m, mode))!;
}

async function onFreshCopy<T>(fn: (shadow: Shadow) => Promise<T>): Promise<T> {
  const shadow = await createShadow({ template: template.name });
  try {
    return await fn(shadow);
  } finally {
    await shadow.drop();
  }
}

async function relfilenodes(shadow: Shadow): Promise<Map<string, number>> {
  const { rows } = await shadow.client.query<{ name: string; node: number }>(
    "SELECT n.nspname || '.' || c.relname AS name, c.relfilenode::int AS node FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'm') AND n.nspname IN ('public', 'app', 'part')",
  );
  return new Map(rows.map((r) => [r.name, r.node]));
}

async function predicted(sql: string): Promise<Map<string, LockMode>> {
  const report = await analyzeSql("case.sql", sql, { schema, pgVersion: 18 });
  return new Map(report.files[0]!.statements[0]!.locks.map((l) => [l.relation, l.mode]));
}

describe("locks taken in later internal transactions", () => {
  it("the lock catalog's notes are what Postgres requests", async () => {
    const noted = (await loadCatalog()).filter((e) => e.postgres);
    expect(noted.length).toBeGreaterThanOrEqual(3);
    for (const entry of noted) {
      for (const mode of new Set(entry.postgres!.locks.map((l) => l.mode))) {
        const seen = await onFreshCopy((s) => lockRequests(s.url, entry.sql, tables, holdFor(mode)));
        for (const l of entry.postgres!.locks.filter((x) => x.mode === mode)) expect(seen, `${entry.id} ${l.relation}`).toContainEqual(l);
      }
      if (entry.postgres!.rewrites.length === 0) continue;
      const rewritten = await onFreshCopy(async (s) => {
        const before = await relfilenodes(s);
        await s.client.query(entry.sql);
        const after = await relfilenodes(s);
        return [...before].filter(([rel, node]) => after.get(rel) !== node).map(([rel]) => rel);
      });
      for (const r of entry.postgres!.rewrites) expect(rewritten, entry.id).toContain(r);
    }
  }, 240_000);

  // requests that conflict with the held mode, predicted and observed, on the part schema's tables
  const cases: Array<{ sql: string; hold: LockMode }> = [
    { sql: "REINDEX INDEX part.sales_customer_idx", hold: "RowExclusiveLock" },
    // no ShareLock: writes go on (its ShareUpdateExclusiveLock requests race with its waits for older transactions)
    { sql: "REINDEX INDEX CONCURRENTLY part.sales_customer_idx", hold: "RowExclusiveLock" },
    { sql: "REINDEX TABLE part.metrics_cpu", hold: "RowExclusiveLock" },
    { sql: "REINDEX TABLE CONCURRENTLY part.metrics", hold: "ShareUpdateExclusiveLock" },
    { sql: "REINDEX TABLE CONCURRENTLY part.metrics_mem", hold: "ShareUpdateExclusiveLock" },
    { sql: "CLUSTER part.sales USING sales_customer_idx", hold: "AccessShareLock" },
    { sql: "ALTER TABLE part.readings DETACH PARTITION part.readings_1a CONCURRENTLY", hold: "AccessShareLock" },
  ];
  for (const c of cases) {
    it(`${c.sql}: check predicts each request that waits behind ${c.hold}`, async () => {
      const part = tables.filter((t) => t.startsWith("part."));
      const seen = await onFreshCopy((s) => lockRequests(s.url, c.sql, part, c.hold));
      const observed = new Map(seen.map((l) => [l.relation, l.mode]));
      const predictedConflicting = new Map([...(await predicted(c.sql))].filter(([rel, mode]) => rel.startsWith("part.") && conflicts(mode, c.hold)));
      expect(Object.fromEntries(predictedConflicting)).toEqual(Object.fromEntries(observed));
    }, 120_000);
  }

  it("DETACH PARTITION ... FINALIZE completes a detach left pending: ShareUpdateExclusiveLock on the table, AccessExclusiveLock on the partition", async () => {
    const sql = "ALTER TABLE part.sessions DETACH PARTITION part.sessions_2 FINALIZE";
    const locks = await onFreshCopy(async (s) => {
      // a DETACH ... CONCURRENTLY cancelled while it waits for an older transaction leaves the partition pending
      const older = await connect(s.url);
      const detach = await connect(s.url);
      try {
        await older.query("BEGIN");
        await older.query("LOCK TABLE part.sessions IN ACCESS SHARE MODE");
        const run = detach.query("ALTER TABLE part.sessions DETACH PARTITION part.sessions_2 CONCURRENTLY").catch((e: Error) => e);
        const pid = (detach as unknown as { processID: number }).processID;
        await until(async () => (await s.client.query("SELECT 1 FROM pg_locks WHERE pid = $1 AND NOT granted", [pid])).rowCount, "the detach to wait");
        await s.client.query("SELECT pg_cancel_backend($1)", [pid]);
        expect(String(await run)).toMatch(/canceling statement/);
        await older.query("ROLLBACK");
      } finally {
        await older.end();
        await detach.end();
      }
      await s.client.query("BEGIN");
      await s.client.query(sql);
      const { rows } = await s.client.query<{ rel: string; mode: LockMode }>(
        "SELECT l.relation::regclass::text AS rel, l.mode FROM pg_locks l JOIN pg_class c ON c.oid = l.relation JOIN pg_namespace n ON n.oid = c.relnamespace WHERE l.pid = pg_backend_pid() AND c.relkind IN ('r', 'p') AND n.nspname = 'part'",
      );
      await s.client.query("ROLLBACK");
      return rows;
    });
    const strongest = new Map<string, LockMode>();
    for (const r of locks) if (!strongest.has(r.rel) || LOCK_MODES.indexOf(r.mode) > LOCK_MODES.indexOf(strongest.get(r.rel)!)) strongest.set(r.rel, r.mode);
    expect(Object.fromEntries(strongest)).toEqual({ "part.sessions": "ShareUpdateExclusiveLock", "part.sessions_2": "AccessExclusiveLock" });
    expect(Object.fromEntries(await predicted(sql))).toEqual({ "part.sessions": "ShareUpdateExclusiveLock", "part.sessions_2": "AccessExclusiveLock" });
  }, 120_000);
});
