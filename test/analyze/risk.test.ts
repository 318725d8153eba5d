import { describe, expect, it } from "vitest";
import { assessRisk, ASSUMED_TABLE_BYTES } from "../../src/analyze/risk/risk.js";
import { estimateSeconds } from "../../src/analyze/risk/estimate.js";
import type { RelationInfo, SchemaSnapshot } from "../../src/analyze/types.js";

function table(name: string, extra: Partial<RelationInfo>): RelationInfo {
  return { schema: "public", name, kind: "table", columns: [], constraints: [], indexes: [], ...extra };
}
function catalog(...rels: RelationInfo[]): SchemaSnapshot {
  return { source: "catalog", relations: Object.fromEntries(rels.map((r) => [`${r.schema}.${r.name}`, r])), types: {}, assumptions: [] };
}
const hot = { seqScan: 10_000, idxScan: 90_000_000, inserts: 5_000_000, updates: 20_000_000, deletes: 100_000, liveTuples: 400_000_000 };
const quiet = { seqScan: 2, idxScan: 0, inserts: 10, updates: 0, deletes: 0, liveTuples: 10 };

const createIndex = (relation: string) => ({ locks: [{ relation, mode: "ShareLock" as const }], work: [{ relation, kind: "index-build" as const }] });

describe("risk", () => {
  it("a blocking index build on a 10-row table is low, on a hot 50 GB table critical", () => {
    const small = assessRisk({ ...createIndex("public.tiny"), schema: catalog(table("tiny", { rows: 10, bytes: 16_384, stats: quiet })) });
    expect(small.risk).toBe("low");
    expect(small.estimate).toEqual({ rows: 10, bytes: 16_384, seconds: 0 });
    const big = assessRisk({ ...createIndex("public.events"), schema: catalog(table("events", { rows: 400e6, bytes: 50e9, stats: hot })) });
    expect(big.risk).toBe("critical");
    expect(big.estimate?.seconds).toBe(Math.round(estimateSeconds("index-build", 50e9)));
    expect(big.reasons[0]).toMatch(/ShareLock on public.events \(50 GB, busy\) blocks writes for the index-build/);
  });

  it("without sizes assumes a large busy table and says so; a table new in this migration is low", () => {
    const unknown = assessRisk({ ...createIndex("public.users"), schema: { source: "statements", relations: {}, types: {}, assumptions: [] } });
    expect(unknown.risk).toBe("critical"); // over a minute of blocked writes on the assumed 10 GB, busy table
    expect(unknown.estimate).toBeUndefined();
    expect(unknown.assumptions).toEqual([expect.stringContaining("public.users: size and traffic unknown")]);
    const fresh = assessRisk({ ...createIndex("public.users"), schema: { source: "statements", relations: { "public.users": table("users", { isNew: true }) }, types: {}, assumptions: [] } });
    expect(fresh.risk).toBe("low");
    expect(fresh.assumptions).toEqual([]);
  });

  it("sizes of a replayed --schema are not production sizes", () => {
    const replay = { ...catalog(table("users", { rows: 0, bytes: 8192 })), source: "replay" as const };
    expect(assessRisk({ ...createIndex("public.users"), schema: replay }).estimate).toBeUndefined();
    expect(ASSUMED_TABLE_BYTES).toBeGreaterThan(1e9);
  });

  it("an instant AccessExclusiveLock on a hot table is medium, low with a lock_timeout or on a quiet table", () => {
    const ddl = { locks: [{ relation: "public.events", mode: "AccessExclusiveLock" as const }], work: [] };
    expect(assessRisk({ ...ddl, schema: catalog(table("events", { rows: 400e6, bytes: 50e9, stats: hot })) }).risk).toBe("medium");
    expect(assessRisk({ ...ddl, lockTimeout: true, schema: catalog(table("events", { rows: 400e6, bytes: 50e9, stats: hot })) }).risk).toBe("low");
    expect(assessRisk({ ...ddl, schema: catalog(table("events", { rows: 10, bytes: 8192, stats: quiet })) }).risk).toBe("low");
  });

  it("non-blocking work (CONCURRENTLY, VALIDATE) stays low on a big table; a rewrite under AccessExclusiveLock does not", () => {
    const schema = catalog(table("events", { rows: 400e6, bytes: 50e9, stats: hot }));
    expect(assessRisk({ locks: [{ relation: "public.events", mode: "ShareUpdateExclusiveLock" }], work: [{ relation: "public.events", kind: "validate" }], schema }).risk).toBe("low");
    expect(assessRisk({ locks: [{ relation: "public.events", mode: "AccessExclusiveLock" }], work: [{ relation: "public.events", kind: "rewrite" }], schema }).risk).toBe("critical");
    // a mid-sized moderate table: seconds of rewrite
    const mid = catalog(table("orders", { rows: 2e6, bytes: 500e6, stats: { ...quiet, idxScan: 50_000 } }));
    expect(assessRisk({ locks: [{ relation: "public.orders", mode: "AccessExclusiveLock" }], work: [{ relation: "public.orders", kind: "rewrite" }], schema: mid }).risk).toBe("medium");
  });

  it("a whole-table UPDATE blocks writers of its rows for its duration", () => {
    const schema = catalog(table("events", { rows: 400e6, bytes: 50e9, stats: hot }));
    expect(assessRisk({ locks: [{ relation: "public.events", mode: "RowExclusiveLock" }], work: [{ relation: "public.events", kind: "update-all" }], schema }).risk).toBe("critical");
    expect(assessRisk({ locks: [{ relation: "public.events", mode: "RowExclusiveLock" }], work: [], schema }).risk).toBe("low");
  });

  it("traffic is a rate over the time the counters cover, not a lifetime total", () => {
    const ddl = { locks: [{ relation: "public.users", mode: "AccessExclusiveLock" as const }], work: [] };
    const risk = (stats: typeof quiet & { windowSeconds?: number }) => assessRisk({ ...ddl, schema: catalog(table("users", { rows: 1e6, bytes: 150e6, stats })) }).risk;
    // 5,000 queries in the two minutes since the counters were reset: a busy table (cumulatively "moderate")
    expect(risk({ ...quiet, idxScan: 5_000, windowSeconds: 120 })).toBe("medium");
    // a million rows bulk-loaded a year ago and little since: not busy for ever
    expect(risk({ ...quiet, inserts: 1e6, windowSeconds: 365 * 86_400 })).toBe("low");
    // seconds after a reset, a handful of queries is not a busy table (the window counts as a minute)
    expect(risk({ ...quiet, idxScan: 100, windowSeconds: 2 })).toBe("low");
    // no window known: the lifetime thresholds (busy from 100,000)
    expect(risk({ ...quiet, idxScan: 100_000 })).toBe("medium");
    expect(risk({ ...quiet, idxScan: 5_000 })).toBe("low");
  });
});
