import { describe, expect, it } from "vitest";
import { checkSql, rulesFired } from "../helpers/check-sql.js";

/** Rule and lock facts that depend on the Postgres version (--pg-version accepts 11..18). */
const fired = async (sql: string, pgVersion: number, rule: string) => rulesFired(await checkSql(sql, { pgVersion }), rule);

describe("version facts", () => {
  it("a validated CHECK (col IS NOT NULL) lets SET NOT NULL skip the scan only from Postgres 12", async () => {
    const sql = "ALTER TABLE foo ADD CONSTRAINT foo_bar_nn CHECK (bar IS NOT NULL) NOT VALID;\nCOMMIT;\nALTER TABLE foo VALIDATE CONSTRAINT foo_bar_nn;\nALTER TABLE foo ALTER COLUMN bar SET NOT NULL;";
    expect(await fired(sql, 12, "adding-not-nullable-field")).toEqual([]);
    const pg11 = await checkSql(sql, { pgVersion: 11 });
    expect(rulesFired(pg11, "adding-not-nullable-field")).toEqual(["adding-not-nullable-field"]);
    const f = pg11.statements[3]!.findings.find((x) => x.rule === "adding-not-nullable-field")!;
    expect(f.message).toContain("Postgres 11 scans even when a validated CHECK proves it");
    expect(f.fix).toContain("keep a validated CHECK instead");
  });

  it("on Postgres 18 the fix adds the NOT NULL constraint NOT VALID and validates it", async () => {
    const f = (await checkSql("ALTER TABLE users ALTER COLUMN email SET NOT NULL;", { pgVersion: 18 })).statements[0]!.findings.find((x) => x.rule === "adding-not-nullable-field")!;
    expect(f.fix).toContain("ADD CONSTRAINT users_email_not_null NOT NULL email NOT VALID");
    expect((await checkSql("ALTER TABLE users ALTER COLUMN email SET NOT NULL;", { pgVersion: 17 })).statements[0]!.findings.find((x) => x.rule === "adding-not-nullable-field")!.fix).not.toContain("NOT NULL email NOT VALID");
  });

  it("ADD COLUMN with a constant default is free from Postgres 11; a volatile one rewrites on every version", async () => {
    expect((await checkSql("ALTER TABLE users ADD COLUMN plan text DEFAULT 'free';", { pgVersion: 11 })).statements[0]!.rewrites).toEqual([]);
    expect((await checkSql("ALTER TABLE users ADD COLUMN r float8 DEFAULT random();", { pgVersion: 18 })).statements[0]!.rewrites).toEqual(["public.users"]);
  });

  it("ATTACH PARTITION takes SHARE UPDATE EXCLUSIVE on the parent from Postgres 12, ACCESS EXCLUSIVE before", async () => {
    const sql = "ALTER TABLE events ATTACH PARTITION events_2024 FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');";
    const mode = async (pg: number) => (await checkSql(sql, { pgVersion: pg })).statements[0]!.locks.find((l) => l.relation === "public.events")!.mode;
    expect(await mode(12)).toBe("ShareUpdateExclusiveLock");
    expect(await mode(11)).toBe("AccessExclusiveLock");
    const msg = (await checkSql(sql, { pgVersion: 11 })).statements[0]!.findings.find((f) => f.rule === "require-partition-check-before-attach")!.message;
    expect(msg).toContain("Postgres 11 also locks public.events ACCESS EXCLUSIVE");
  });

  it("timestamp -> timestamptz is catalog-only from Postgres 12 (session TimeZone UTC), a rewrite before", async () => {
    const sql = "CREATE TABLE t (at timestamp);\nCOMMIT;\nALTER TABLE t ALTER COLUMN at TYPE timestamptz;";
    expect((await checkSql(sql, { pgVersion: 12 })).statements[2]!.rewrites).toEqual([]);
    expect((await checkSql(sql, { pgVersion: 11 })).statements[2]!.rewrites).toEqual(["public.t"]);
  });

  it("REINDEX CONCURRENTLY needs 12: before, REINDEX is still reported, with the build-and-swap fix; CONCURRENTLY is unsupported", async () => {
    const pg11 = await checkSql("REINDEX INDEX users_email_idx;", { pgVersion: 11 });
    expect(pg11.statements[0]!.findings.find((f) => f.rule === "require-concurrent-reindex")!.fix).toContain("CREATE INDEX CONCURRENTLY");
    expect(await fired("REINDEX INDEX CONCURRENTLY users_email_idx;", 11, "unsupported-in-pg-version")).toEqual(["unsupported-in-pg-version"]);
    expect(await fired("REINDEX INDEX CONCURRENTLY users_email_idx;", 12, "unsupported-in-pg-version")).toEqual([]);
  });

  it("DETACH PARTITION CONCURRENTLY and FINALIZE need 14: before, plain DETACH is still reported with a lock_timeout fix", async () => {
    expect(await fired("ALTER TABLE events DETACH PARTITION events_2019 CONCURRENTLY;", 13, "unsupported-in-pg-version")).toEqual(["unsupported-in-pg-version"]);
    expect(await fired("ALTER TABLE events DETACH PARTITION events_2019 FINALIZE;", 13, "unsupported-in-pg-version")).toEqual(["unsupported-in-pg-version"]);
    expect(await fired("ALTER TABLE events DETACH PARTITION events_2019 CONCURRENTLY;", 14, "unsupported-in-pg-version")).toEqual([]);
    const pg13 = (await checkSql("ALTER TABLE events DETACH PARTITION events_2019;", { pgVersion: 13 })).statements[0]!.findings.find((f) => f.rule === "require-concurrent-partition-detach")!;
    expect(pg13.fix).toContain("lock_timeout");
  });

  it("MERGE needs 15; NULLS NOT DISTINCT needs 15; CREATE OR REPLACE TRIGGER needs 14", async () => {
    const merge = "MERGE INTO a USING b ON a.id = b.id WHEN MATCHED THEN DELETE;";
    expect(await fired(merge, 14, "unsupported-in-pg-version")).toEqual(["unsupported-in-pg-version"]);
    expect(await fired(merge, 15, "unsupported-in-pg-version")).toEqual([]);
    expect(await fired("CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS u ON t (a) NULLS NOT DISTINCT;", 14, "unsupported-in-pg-version")).toEqual(["unsupported-in-pg-version"]);
    expect(await fired("CREATE OR REPLACE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION f();", 13, "unsupported-in-pg-version")).toEqual(["unsupported-in-pg-version"]);
  });

  it("stored generated columns need 12; VIRTUAL (and a bare GENERATED ALWAYS AS, virtual from 18), NOT ENFORCED and ADD CONSTRAINT ... NOT NULL need 18", async () => {
    expect(await fired("CREATE TABLE t (a int, b int GENERATED ALWAYS AS (a * 2) STORED);", 11, "unsupported-in-pg-version")).toEqual(["unsupported-in-pg-version"]);
    expect(await fired("CREATE TABLE t (a int, b int GENERATED ALWAYS AS (a * 2) STORED);", 12, "unsupported-in-pg-version")).toEqual([]);
    for (const sql of [
      "ALTER TABLE t ADD COLUMN b int GENERATED ALWAYS AS (a * 2);",
      "ALTER TABLE t ADD COLUMN b int GENERATED ALWAYS AS (a * 2) VIRTUAL;",
      "ALTER TABLE t ADD CONSTRAINT t_a_check CHECK (a > 0) NOT ENFORCED;",
      "ALTER TABLE t ADD CONSTRAINT t_a_not_null NOT NULL a NOT VALID;",
      "ALTER TABLE t ALTER CONSTRAINT t_fk NOT ENFORCED;",
    ]) {
      expect(await fired(sql, 17, "unsupported-in-pg-version"), sql).toEqual(["unsupported-in-pg-version"]);
      expect(await fired(sql, 18, "unsupported-in-pg-version"), sql).toEqual([]);
    }
    // a virtual column is computed on read: no rewrite on 18
    expect((await checkSql("ALTER TABLE t ADD COLUMN b int GENERATED ALWAYS AS (a * 2);", { pgVersion: 18 })).statements[0]!.rewrites).toEqual([]);
  });

  it("what no version supports: REINDEX SYSTEM CONCURRENTLY, DROP INDEX CONCURRENTLY of two indexes", async () => {
    expect(await fired("REINDEX SYSTEM CONCURRENTLY;", 18, "unsupported-in-pg-version")).toEqual(["unsupported-in-pg-version"]);
    expect(await fired("DROP INDEX CONCURRENTLY IF EXISTS a_idx, b_idx;", 18, "unsupported-in-pg-version")).toEqual(["unsupported-in-pg-version"]);
  });

  it("REINDEX DATABASE without a name needs 16; before 16 it also rebuilds the catalogs' indexes", async () => {
    expect(await fired("REINDEX DATABASE;", 15, "unsupported-in-pg-version")).toEqual(["unsupported-in-pg-version"]);
    expect(await fired("REINDEX DATABASE;", 16, "unsupported-in-pg-version")).toEqual([]);
    expect((await checkSql("REINDEX DATABASE app;", { pgVersion: 15 })).assumptions?.join("\n")).toContain("system catalog");
    expect((await checkSql("REINDEX DATABASE app;", { pgVersion: 16 })).assumptions?.join("\n") ?? "").not.toContain("system catalog");
  });

  it("ADD VALUE inside a transaction block fails before 12", async () => {
    expect(await fired("BEGIN;\nALTER TYPE mood ADD VALUE 'curious';\nCOMMIT;", 11, "ban-enum-add-value-in-transaction")).toEqual(["ban-enum-add-value-in-transaction"]);
    expect(await fired("BEGIN;\nALTER TYPE mood ADD VALUE 'curious';\nCOMMIT;", 12, "ban-enum-add-value-in-transaction")).toEqual([]);
  });
});
