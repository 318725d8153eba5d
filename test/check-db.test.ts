import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { beforeAll, describe, expect, it } from "vitest";
import type { CheckReport } from "../src/analyze/types.js";
import { runLockstep } from "./helpers/cli.js";
import { adminUrl, createTestDatabase, type TestDatabase } from "./helpers/db.js";

let db: TestDatabase;
const tmp = mkdtempSync(path.join(os.tmpdir(), "lockstep-check-db-"));
const SCHEMA = `
CREATE TABLE orgs (id bigint PRIMARY KEY);
CREATE TABLE users (id bigint PRIMARY KEY, org_id bigint REFERENCES orgs(id), email text);
CREATE INDEX users_email_idx ON users (email);
CREATE TABLE events (id bigint, at date) PARTITION BY RANGE (at);
CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE events_other PARTITION OF events DEFAULT;
INSERT INTO orgs SELECT g FROM generate_series(1, 10) g;
INSERT INTO users SELECT g, 1 + g % 10, 'u' || g FROM generate_series(1, 5000) g;
ANALYZE;
`;
const MIGRATION = `DROP INDEX users_email_idx;
ALTER TABLE orgs ALTER COLUMN id TYPE int;
CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
ALTER TABLE users ADD COLUMN score float8 DEFAULT random();
`;

beforeAll(async () => {
  db = await createTestDatabase("checkdb");
  await db.client.query(SCHEMA);
  writeFileSync(path.join(tmp, "schema.sql"), SCHEMA.replace(/INSERT[^;]*;|ANALYZE;/g, ""));
  writeFileSync(path.join(tmp, "m.sql"), MIGRATION);
});

const statementsOf = (stdout: string) => (JSON.parse(stdout) as CheckReport).files[0]!.statements;

describe("check with schema context", () => {
  it("--db reads the live catalog: index owners, FKs in both directions, default partitions, sizes", async () => {
    const r = await runLockstep(["check", path.join(tmp, "m.sql"), "--db", "env:CHECK_DB", "--format", "json", "--fail-on", "never"], { env: { CHECK_DB: db.url } });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const [drop, alterType, partition, addCol] = statementsOf(r.stdout);
    expect(drop!.locks).toEqual([{ relation: "public.users", mode: "AccessExclusiveLock" }]);
    expect(alterType!.locks).toEqual([
      { relation: "public.orgs", mode: "AccessExclusiveLock" },
      { relation: "public.users", mode: "AccessExclusiveLock" },
    ]);
    expect(alterType!.rewrites).toEqual(["public.orgs"]);
    expect(partition!.locks).toEqual([
      { relation: "public.events", mode: "AccessExclusiveLock" },
      { relation: "public.events_2026", mode: "AccessExclusiveLock" },
      { relation: "public.events_other", mode: "AccessExclusiveLock" },
    ]);
    expect(addCol!.rewrites).toEqual(["public.users"]);
    expect(addCol!.estimate?.rows).toBe(5000);
    expect(addCol!.estimate?.bytes).toBeGreaterThan(0);
  });

  it("--schema replays a schema file into a throwaway database", async () => {
    // the shadow goes on the test run's server instead of a new embedded one
    const env = { LOCKSTEP_SHADOW_ADMIN_URL: adminUrl() };
    const r = await runLockstep(["check", path.join(tmp, "m.sql"), "--schema", path.join(tmp, "schema.sql"), "--format", "json", "--fail-on", "never"], { env });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const [drop, , partition] = statementsOf(r.stdout);
    expect(drop!.locks).toEqual([{ relation: "public.users", mode: "AccessExclusiveLock" }]);
    expect(partition!.locks.map((l) => l.relation)).toContain("public.events_other");
    // a replay has empty tables: no estimate from their sizes (the risk assumes a large table and says so)
    const addCol = statementsOf(r.stdout).find((s) => s.rewrites.includes("public.users"));
    expect(addCol).toBeDefined();
    expect(addCol!.estimate).toBeUndefined();
  });

  it("without schema context, says what it assumed", async () => {
    const r = await runLockstep(["check", path.join(tmp, "m.sql"), "--format", "json", "--fail-on", "never"]);
    const file = (JSON.parse(r.stdout) as CheckReport).files[0]!;
    expect(file.statements[0]!.locks).toEqual([]);
    expect(file.assumptions?.join("\n")).toContain("public.users_email_idx");
  });

  it("--db behind a migration holding ACCESS EXCLUSIVE: a clear error after the lock timeout, not a hang", async () => {
    const holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    try {
      await holder.query("BEGIN; LOCK TABLE users IN ACCESS EXCLUSIVE MODE");
      const r = await runLockstep(["check", path.join(tmp, "m.sql"), "--db", "env:CHECK_DB", "--format", "json"], { env: { CHECK_DB: db.url } });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("waited 10 s for a lock");
      expect(r.stderr).not.toContain(new URL(db.url).password);
    } finally {
      await holder.query("ROLLBACK");
      await holder.end();
    }
  });
});
