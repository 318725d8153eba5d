import { beforeAll, describe, expect, it } from "vitest";
import { describeSql } from "../../src/analyze/describe.js";
import { loadParser } from "../../src/analyze/parse.js";
import { checkSql, rulesFired } from "../helpers/check-sql.js";

beforeAll(async () => {
  await loadParser();
});

const summary = (sql: string) => describeSql(sql).statements[0]!.summary;

describe("boolean options are read for their value, as Postgres reads them", () => {
  it("REINDEX (CONCURRENTLY ...): false, off, 0 and 'false' are not concurrent; no value, true, on, 1 are", () => {
    for (const v of ["false", "off", "0", "'false'", "FALSE", "'off'"]) expect(summary(`REINDEX (CONCURRENTLY ${v}) INDEX i`).concurrently, v).toBe(false);
    for (const v of ["", " true", " on", " 1", " 'on'"]) expect(summary(`REINDEX (CONCURRENTLY${v}) INDEX i`).concurrently, v).toBe(true);
    expect(summary("REINDEX (CONCURRENTLY false) TABLE t").transactional).toBe(true);
    expect(summary("REINDEX (VERBOSE) TABLE t").concurrently).toBe(false);
  });

  it("VACUUM (FULL false) is a plain VACUUM; VACUUM FULL and (FULL true) are not", () => {
    expect(summary("VACUUM (FULL false) t").vacuum).toEqual({ full: false, analyze: false, vacuum: true });
    expect(summary("VACUUM (FULL off, ANALYZE 1) t").vacuum).toEqual({ full: false, analyze: true, vacuum: true });
    expect(summary("VACUUM FULL t").vacuum?.full).toBe(true);
    expect(summary("VACUUM (FULL true) t").vacuum?.full).toBe(true);
    expect(summary("VACUUM (ANALYZE 0) t").vacuum?.analyze).toBe(false);
  });

  it("a value Postgres rejects (\"requires a Boolean value\") does not count as the option", () => {
    expect(summary("REINDEX (CONCURRENTLY maybe) TABLE t").concurrently).toBe(false);
    expect(summary("REINDEX (CONCURRENTLY 2) TABLE t").concurrently).toBe(false);
  });

  it("CREATE SUBSCRIPTION creates a replication slot (no transaction block) unless create_slot or connect is false", () => {
    expect(summary("CREATE SUBSCRIPTION s CONNECTION 'host=h' PUBLICATION p").transactional).toBe(false);
    expect(summary("CREATE SUBSCRIPTION s CONNECTION 'host=h' PUBLICATION p WITH (create_slot = false)").transactional).toBe(true);
    expect(summary("CREATE SUBSCRIPTION s CONNECTION 'host=h' PUBLICATION p WITH (connect = false)").transactional).toBe(true);
    expect(summary("CREATE SUBSCRIPTION s CONNECTION 'host=h' PUBLICATION p WITH (connect = false, create_slot = true)").transactional).toBe(false);
  });
});

describe("what the option values change in check", () => {
  it("REINDEX (CONCURRENTLY false) takes SHARE on the table and is reported; CONCURRENTLY true is not", async () => {
    const schema = "CREATE TABLE users (id bigint, email text);\nCREATE INDEX users_email_idx ON users (email);\nCOMMIT;\n";
    const f = await checkSql(`${schema}REINDEX (CONCURRENTLY false) INDEX users_email_idx;`, { path: "0001_schema.sql" });
    const last = f.statements.at(-1)!;
    expect(last.locks).toEqual([{ relation: "public.users", mode: "ShareLock" }]);
    expect(last.transactional).toBe(true);
    expect(rulesFired(await checkSql("REINDEX (CONCURRENTLY false) TABLE users;"), "require-concurrent-reindex")).toEqual(["require-concurrent-reindex"]);
    expect(rulesFired(await checkSql("REINDEX (CONCURRENTLY true) TABLE users;"), "require-concurrent-reindex")).toEqual([]);
  });

  it("VACUUM (FULL false) neither rewrites nor takes ACCESS EXCLUSIVE, and prefer-repack stays silent", async () => {
    const f = await checkSql("VACUUM (FULL false) users;");
    expect(f.statements[0]!.locks).toEqual([{ relation: "public.users", mode: "ShareUpdateExclusiveLock" }]);
    expect(f.statements[0]!.rewrites).toEqual([]);
    expect(rulesFired(f, "prefer-repack")).toEqual([]);
    expect(rulesFired(await checkSql("VACUUM (FULL) users;"), "prefer-repack")).toEqual(["prefer-repack"]);
  });

  it("EXPLAIN without ANALYZE runs nothing: the planner's locks, no findings about the work; with ANALYZE the statement runs", async () => {
    const planned = await checkSql("EXPLAIN UPDATE users SET role = 'member';");
    expect(planned.statements[0]!.kind).toBe("explain");
    expect(planned.statements[0]!.locks).toEqual([{ relation: "public.users", mode: "RowExclusiveLock" }]);
    expect(rulesFired(planned, "require-batched-backfill")).toEqual([]);
    const ctas = await checkSql("EXPLAIN (ANALYZE false) CREATE TABLE copy AS SELECT * FROM users;");
    expect(ctas.statements[0]!.locks).toEqual([{ relation: "public.users", mode: "AccessShareLock" }]);
    const run = await checkSql("EXPLAIN (ANALYZE) UPDATE users SET role = 'member';");
    expect(run.statements[0]!.kind).toBe("update");
    expect(rulesFired(run, "require-batched-backfill")).toEqual(["require-batched-backfill"]);
  });
});
