import { describe, expect, it } from "vitest";
import { analyzeSql } from "../../src/analyze/analyze.js";
import { estimateSeconds } from "../../src/analyze/risk/estimate.js";
import type { RelationInfo, SchemaSnapshot } from "../../src/analyze/types.js";

/** What --db's introspection yields for a table, with sizes and pg_stat_user_tables traffic. */
function snapshot(name: string, rows: number, bytes: number, activity: number): SchemaSnapshot {
  const rel: RelationInfo = {
    schema: "public",
    name,
    kind: "table",
    columns: [{ name: "id", type: "bigint", typeName: "pg_catalog.int8", typmod: -1, notNull: true }, { name: "email", type: "text", typeName: "pg_catalog.text", typmod: -1, notNull: false }],
    constraints: [],
    indexes: [],
    rows,
    bytes,
    stats: { seqScan: activity / 10, idxScan: activity / 2, inserts: activity / 5, updates: activity / 5, deletes: 0, liveTuples: rows },
  };
  return { source: "catalog", serverVersion: 180000, relations: { [`public.${name}`]: rel }, types: {}, assumptions: [] };
}

async function statement(sql: string, schema?: SchemaSnapshot) {
  const report = await analyzeSql("migration.sql", sql, schema ? { schema } : {});
  return { file: report.files[0]!, st: report.files[0]!.statements[0]! };
}

describe("risk and estimates through the analyzer", () => {
  it("CREATE INDEX on a 10-row table is low; on a hot 50 GB table critical, with the build's predicted seconds", async () => {
    const small = await statement("CREATE INDEX users_email_idx ON users (email);", snapshot("users", 10, 16_384, 20));
    expect(small.st.risk).toBe("low");
    expect(small.file.risk).toBe("low");
    expect(small.st.estimate).toEqual({ rows: 10, bytes: 16_384, seconds: 0 });
    const hot = await statement("CREATE INDEX users_email_idx ON users (email);", snapshot("users", 400e6, 50e9, 500e6));
    expect(hot.st.risk).toBe("critical");
    expect(hot.st.estimate).toEqual({ rows: 400e6, bytes: 50e9, seconds: Math.round(estimateSeconds("index-build", 50e9)) });
    expect(hot.st.riskReasons?.[0]).toMatch(/ShareLock on public\.users \(50 GB, busy\) blocks writes/);
  });

  it("CONCURRENTLY on the same hot table is low: writes go on", async () => {
    const { st } = await statement("CREATE INDEX CONCURRENTLY users_email_idx ON users (email);", snapshot("users", 400e6, 50e9, 500e6));
    expect(st.risk).toBe("low");
    expect(st.estimate?.seconds).toBeGreaterThan(0);
  });

  it("a rewrite's estimate uses the rewrite throughput", async () => {
    const { st } = await statement("ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid();", snapshot("users", 2e6, 500e6, 5_000));
    expect(st.rewrites).toEqual(["public.users"]);
    expect(st.estimate?.seconds).toBeCloseTo(estimateSeconds("rewrite", 500e6), 0);
    expect(["medium", "high"]).toContain(st.risk);
  });

  it("without --db, risk assumes a large busy table and says so; no estimate is invented", async () => {
    const { file, st } = await statement("CREATE INDEX users_email_idx ON users (email);");
    expect(st.risk).toBe("critical"); // over a minute of blocked writes on the assumed 10 GB, busy table
    expect(st.estimate).toBeUndefined();
    expect(file.assumptions).toContain("public.users: size and traffic unknown (no --db); assumed a large (10 GB), busy table");
  });

  it("a table created in the same migration is low risk whatever is done to it", async () => {
    const report = await analyzeSql("migration.sql", "CREATE TABLE t (id bigint, v text);\nCREATE INDEX t_v_idx ON t (v);\nALTER TABLE t ALTER COLUMN id TYPE text;");
    expect(report.files[0]!.statements.map((s) => s.risk)).toEqual(["low", "low", "low"]);
  });

  it("an instant ACCESS EXCLUSIVE lock on a hot table is medium, low after SET lock_timeout", async () => {
    const hot = snapshot("users", 400e6, 50e9, 500e6);
    expect((await statement("ALTER TABLE users ADD COLUMN nickname text;", hot)).st.risk).toBe("medium");
    const report = await analyzeSql("migration.sql", "SET lock_timeout = '2s';\nALTER TABLE users ADD COLUMN nickname text;", { schema: hot });
    expect(report.files[0]!.statements[1]!.risk).toBe("low");
  });
});
