import { describe, expect, it } from "vitest";
import type { RelationInfo, SchemaSnapshot } from "../../src/analyze/types.js";
import { checkSql, rulesFired } from "../helpers/check-sql.js";

function catalog(names: Array<[string, RelationInfo["kind"]]>): SchemaSnapshot {
  const relations: Record<string, RelationInfo> = {};
  for (const [q, kind] of names) relations[q] = { schema: q.split(".")[0]!, kind, columns: [], constraints: [], indexes: [], rows: 10, bytes: 8192 };
  return { source: "catalog", serverVersion: 180000, relations, types: {}, assumptions: [] };
}

describe("REINDEX SCHEMA / DATABASE / SYSTEM", () => {
  const schema = catalog([
    ["app.users", "table"],
    ["app.events", "partitioned-table"],
    ["app.events_2024", "table"],
    ["app.totals", "materialized-view"],
    ["app.recent", "view"],
    ["public.other", "table"],
  ]);

  it("with --db, lock every table and materialized view of the schema (or database) in turn: SHARE, or SHARE UPDATE EXCLUSIVE when CONCURRENTLY", async () => {
    const s = (await checkSql("REINDEX SCHEMA app;", { schema })).statements[0]!;
    expect(s.locks).toEqual([
      { relation: "app.events_2024", mode: "ShareLock" },
      { relation: "app.totals", mode: "ShareLock" },
      { relation: "app.users", mode: "ShareLock" },
    ]);
    expect(s.transactional).toBe(false);
    const db = (await checkSql("REINDEX DATABASE CONCURRENTLY app;", { schema })).statements[0]!;
    expect(db.locks.map((l) => `${l.relation} ${l.mode}`)).toEqual(["app.events_2024 ShareUpdateExclusiveLock", "app.totals ShareUpdateExclusiveLock", "app.users ShareUpdateExclusiveLock", "public.other ShareUpdateExclusiveLock"]);
  });

  it("without --db, say in the assumptions what is locked and that it is not listed", async () => {
    const f = await checkSql("REINDEX SCHEMA app;");
    expect(f.statements[0]!.locks).toEqual([]);
    expect(f.assumptions).toContain("REINDEX SCHEMA app locks every table of the schema in turn, SHARE (writes wait); without --db they are not listed");
    expect((await checkSql("REINDEX SYSTEM;")).assumptions?.some((a) => a.includes("every system catalog's indexes"))).toBe(true);
  });

  it("are reported with a fix: CONCURRENTLY (table by table), or for SYSTEM what to do instead", async () => {
    for (const sql of ["REINDEX SCHEMA app;", "REINDEX DATABASE app;"]) {
      const f = (await checkSql(sql)).statements[0]!.findings.find((x) => x.rule === "require-concurrent-reindex")!;
      expect(f.message).toContain("in turn");
      expect(f.fix).toContain("CONCURRENTLY");
    }
    const system = (await checkSql("REINDEX SYSTEM;")).statements[0]!.findings.find((x) => x.rule === "require-concurrent-reindex")!;
    expect(system.fix).toContain("has no CONCURRENTLY");
    expect(rulesFired(await checkSql("REINDEX SCHEMA CONCURRENTLY app;"), "require-concurrent-reindex")).toEqual([]);
  });

  it("without --db, a REINDEX or DROP INDEX whose table is unknown still asks for a lock_timeout", async () => {
    for (const sql of ["REINDEX INDEX users_email_idx;", "DROP INDEX users_email_idx;", "REINDEX SCHEMA app;"]) {
      const f = (await checkSql(sql)).statements[0]!.findings.find((x) => x.rule === "require-timeout-settings");
      expect(f?.message, sql).toMatch(/on (the table of|every table)/);
    }
    expect(rulesFired(await checkSql("REINDEX INDEX CONCURRENTLY users_email_idx;"), "require-timeout-settings")).toEqual([]);
  });
});
