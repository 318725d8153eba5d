import { randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { beforeAll, describe, expect, it } from "vitest";
import { loadParser } from "../../src/analyze/parse.js";
import type { CheckReport, Finding } from "../../src/analyze/types.js";
import { withDatabase } from "../../src/db/connection.js";
import { scanStatement, statementsUsing } from "../../src/usage/queries.js";
import { runLockstep } from "../helpers/cli.js";
import { adminUrl, createTestDatabase } from "../helpers/db.js";
import { createReadOnlyLogin } from "../helpers/readonly-login.js";

/**
 * Evidence 2: what the running application does, from pg_stat_statements on the test server
 * (started with shared_preload_libraries=pg_stat_statements). Resets are scoped to this file's
 * database, so other test files are unaffected.
 */
const db = await createTestDatabase("live");
let dir: string;
let app: pg.Client;

beforeAll(async () => {
  await db.client.query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
  await db.client.query("CREATE TABLE users (id int PRIMARY KEY, username text NOT NULL, email text)");
  await db.client.query("INSERT INTO users VALUES (1, 'alice', 'alice@example.com')");
  app = new pg.Client({ connectionString: db.url, application_name: "the-app" });
  app.on("error", () => undefined); // the database is dropped WITH (FORCE) after the file
  await app.connect();
  dir = mkdtempSync(path.join(os.tmpdir(), "lockstep-live-"));
  writeFileSync(path.join(dir, "0002_drop_username.sql"), "ALTER TABLE users DROP COLUMN username;\n");
  return () => app.end();
});

const resetThisDatabase = () => db.client.query("SELECT pg_stat_statements_reset(0, (SELECT oid FROM pg_database WHERE datname = current_database()), 0)");

async function check(url = db.url): Promise<{ code: number; report: CheckReport; stderr: string }> {
  const r = await runLockstep(["check", "0002_drop_username.sql", "--db", url, "--format", "json"], { cwd: dir });
  return { code: r.code, stderr: r.stderr, report: JSON.parse(r.stdout) as CheckReport };
}

const live = (report: CheckReport): Finding | undefined => report.files[0]!.statements[0]!.findings.find((f) => f.rule === "live-queries");

describe("check --db: statements pg_stat_statements recorded", () => {
  it("a live query that reads the column: an error with the statements, calls and a normalised example; none after a reset", async () => {
    await resetThisDatabase();
    for (let i = 0; i < 3; i++) await app.query("SELECT username FROM users WHERE id = 1");
    await app.query("SELECT email FROM users WHERE email = 'alice@example.com'"); // the table, not the column
    const { code, report } = await check();
    expect(code).toBe(1);
    const f = live(report)!;
    expect(f.severity).toBe("error");
    expect(f.evidence!.queries).toMatchObject({ name: "users.username", statements: 1, calls: 3, example: "SELECT username FROM users WHERE id = $1" });
    expect(f.message).toMatch(/^the application still runs 1 statement \(3 calls since \d{4}-\d\d-\d\d \d\d:\d\d UTC\) that use users\.username, e\.g\. `SELECT username FROM users WHERE id = \$1`$/);
    expect(report.evidence!.queries).toMatchObject({ available: true });
    expect(JSON.stringify(report)).not.toContain("alice");

    await resetThisDatabase();
    const after = live((await check()).report)!;
    expect(after).toMatchObject({ severity: "info", evidence: { queries: { statements: 0, calls: 0 } } });
    expect(after.message).toMatch(/^no statement recorded by pg_stat_statements since .* uses users\.username$/);
  });

  it("the careful read-only login (pg_read_all_stats) reads it", async () => {
    const login = await createReadOnlyLogin(db.client, db.name);
    try {
      await app.query("SELECT username FROM users WHERE id = 1");
      const { report } = await check(login.url);
      expect(live(report)).toMatchObject({ severity: "error" });
    } finally {
      await login.drop();
    }
  });

  it("a login without pg_read_all_stats: says so and how to grant it, and nothing is claimed", async () => {
    const role = `lockstep_nostats_${randomBytes(4).toString("hex")}`;
    await db.client.query(`CREATE ROLE ${role} LOGIN PASSWORD 'pw-${role}' IN ROLE pg_read_all_data`);
    try {
      const { report, stderr } = await check(loginUrl(role, db.name));
      expect(stderr).toBe("");
      expect(live(report)).toBeUndefined();
      expect(report.evidence!.queries).toEqual({
        available: false,
        note: `the login ${role} cannot read other sessions' statements in pg_stat_statements (it lacks pg_read_all_stats)`,
        hint: `GRANT pg_read_all_stats TO "${role}";`,
      });
    } finally {
      await db.client.query(`DROP ROLE ${role}`);
    }
  });

  it("no extension in the database, and a login that may not read server settings: says so, with the whole recipe", async () => {
    const bare = await createTestDatabase("nopgss");
    await bare.client.query("CREATE TABLE users (id int PRIMARY KEY, username text)");
    const role = `lockstep_plain_${randomBytes(4).toString("hex")}`;
    await bare.client.query(`CREATE ROLE ${role} LOGIN PASSWORD 'pw-${role}' IN ROLE pg_read_all_data`);
    try {
      const { report, stderr, code } = await check(loginUrl(role, bare.name));
      expect(stderr).toBe("");
      expect(code).toBe(1); // ban-drop-column, as always
      expect(live(report)).toBeUndefined();
      expect(report.evidence!.queries).toMatchObject({ available: false, note: `pg_stat_statements is not installed in database ${bare.name}` });
      expect(report.evidence!.queries!.hint).toMatch(/^add pg_stat_statements to shared_preload_libraries .* restart Postgres, then run CREATE EXTENSION pg_stat_statements;/);
    } finally {
      await bare.client.query(`DROP ROLE ${role}`);
    }
  });
});

function loginUrl(role: string, database: string): string {
  const url = new URL(withDatabase(adminUrl(), database));
  url.username = role;
  url.password = `pw-${role}`;
  return url.toString();
}

describe("what is shown of a recorded statement", () => {
  it("comments dropped, constants Postgres left as $n, whitespace collapsed, at most 200 characters", async () => {
    await loadParser();
    const s = scanStatement({ query: "/* app=web, user=alice */ COPY (SELECT username\n  FROM users WHERE name = 'alice' AND id = 42 AND b = x'ff') TO STDOUT -- bye", calls: 2 });
    expect(s.shown).toBe("COPY (SELECT username FROM users WHERE name = $1 AND id = $2 AND b = $3) TO STDOUT");
    const long = scanStatement({ query: `SELECT username FROM users WHERE id IN (${Array.from({ length: 100 }, (_, i) => `$${i + 1}`).join(", ")})`, calls: 1 });
    expect(long.shown!.length).toBe(200);
    expect(long.shown!.endsWith("…")).toBe(true);
  });

  it("identifiers as Postgres resolves them: quoted ones keep their case; DDL is not a use", async () => {
    await loadParser();
    const scanned = [
      { query: 'SELECT "Users"."UserName" FROM "Users"', calls: 1 },
      { query: "SELECT USERNAME FROM USERS", calls: 5 },
      { query: "ALTER TABLE users ADD COLUMN username text", calls: 1 },
      { query: "SELECT 'username' FROM users", calls: 7 },
    ].map(scanStatement);
    expect(statementsUsing(scanned, "users", "username")).toEqual({ statements: 1, calls: 5, example: "SELECT USERNAME FROM USERS" });
    expect(statementsUsing(scanned, "Users", "UserName")).toMatchObject({ statements: 1, calls: 1 });
  });
});
