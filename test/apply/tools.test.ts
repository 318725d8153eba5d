import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { drizzle } from "drizzle-orm/node-postgres";
import { migrate as drizzleMigrate } from "drizzle-orm/node-postgres/migrator";
import { describe, expect, it } from "vitest";
import { flywayChecksum, sha256Hex } from "../../src/apply/checksum.js";
import { runApply, type ApplyOutcome } from "../../src/apply/run.js";
import { REPO_ROOT, runLockstep } from "../helpers/cli.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { testProject, type TestProject } from "./project.js";

/** Lockstep's apply next to the tools' own migrators (from npm), run against the embedded server. */
const run = promisify(execFile);
const apply = (p: TestProject): Promise<ApplyOutcome> => runApply(p.target(), { appliedBy: "U_DEPLOYER", onEvent: () => undefined });
const tables = async (db: TestDatabase) => (await db.client.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")).rows.map((r) => r.tablename as string);

/* ------------------------------------------------ Drizzle ------------------------------------------------ */

const DRIZZLE = [
  { tag: "0000_users", when: 1700000000000, sql: 'CREATE TABLE "users" ("id" serial PRIMARY KEY, "email" text NOT NULL);\n' },
  { tag: "0001_orgs", when: 1700000100000, sql: 'CREATE TABLE "orgs" ("id" serial PRIMARY KEY);\n--> statement-breakpoint\nALTER TABLE "users" ADD COLUMN "org_id" integer;\n' },
  { tag: "0002_index", when: 1700000200000, sql: 'CREATE INDEX CONCURRENTLY "users_email_idx" ON "users" ("email");\n' },
  { tag: "0003_teams", when: 1700000300000, sql: 'CREATE TABLE "teams" ("id" serial PRIMARY KEY);\n' },
];

/** A drizzle-kit output directory holding the first `n` migrations and their journal. */
function writeDrizzle(p: TestProject, n: number): string {
  const entries = DRIZZLE.slice(0, n);
  for (const m of entries) p.write(`${m.tag}.sql`, m.sql);
  p.write("meta/_journal.json", JSON.stringify({ version: "7", dialect: "postgresql", entries: entries.map((m, idx) => ({ idx, version: "7", when: m.when, tag: m.tag, breakpoints: true })) }, null, 2));
  return path.join(p.dir, "migrations");
}

/** drizzle-orm's own migrator (what drizzle-kit migrate runs). */
async function drizzleKitMigrate(db: TestDatabase, folder: string): Promise<void> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    await drizzleMigrate(drizzle(client), { migrationsFolder: folder });
  } finally {
    await client.end();
  }
}

const drizzleRows = async (db: TestDatabase) => (await db.client.query(`SELECT id, hash, created_at::bigint::text AS created_at FROM drizzle.__drizzle_migrations ORDER BY id`)).rows;

describe("Drizzle", () => {
  it("drizzle-kit's migrator first, then Lockstep, then the migrator again finds nothing to do", async () => {
    const db = await createTestDatabase("drz");
    const p = testProject(db.url);
    // CONCURRENTLY cannot run in drizzle's one transaction: the migrator applies the first two
    await drizzleKitMigrate(db, writeDrizzle(p, 2));
    writeDrizzle(p, 3);
    const outcome = await apply(p);
    expect(outcome).toMatchObject({ status: "applied", history: "drizzle" });
    expect(outcome.applied.map((m) => m.version)).toEqual(["0002_index"]);
    const rows = await drizzleRows(db);
    expect(rows.map((r) => [r.hash, r.created_at])).toEqual(DRIZZLE.slice(0, 3).map((m) => [sha256Hex(m.sql), String(m.when)]));
    // the migrator reads Lockstep's row as its own: nothing to run again (it would fail on CONCURRENTLY)
    await drizzleKitMigrate(db, path.join(p.dir, "migrations"));
    expect(await drizzleRows(db)).toEqual(rows);
    expect((await apply(p)).status).toBe("nothing-to-do");
  });

  it("Lockstep first (in journal order), then drizzle-kit's migrator applies only what is new", async () => {
    const db = await createTestDatabase("drz");
    const p = testProject(db.url);
    writeDrizzle(p, 3);
    expect((await apply(p)).applied.map((m) => m.version)).toEqual(["0000_users", "0001_orgs", "0002_index"]);
    await drizzleKitMigrate(db, path.join(p.dir, "migrations"));
    expect(await drizzleRows(db)).toHaveLength(3);
    writeDrizzle(p, 4);
    await drizzleKitMigrate(db, path.join(p.dir, "migrations"));
    expect((await drizzleRows(db)).map((r) => r.created_at)).toEqual(DRIZZLE.map((m) => String(m.when)));
    expect(await tables(db)).toEqual(["orgs", "teams", "users"]);
    expect((await apply(p)).status).toBe("nothing-to-do");
  });

  it("a file the journal does not list is refused: drizzle-kit would never run it", async () => {
    const db = await createTestDatabase("drz");
    const p = testProject(db.url);
    writeDrizzle(p, 1);
    p.write("0001_stray.sql", "CREATE TABLE stray (id int);\n");
    await expect(apply(p)).rejects.toThrow(/0001_stray\.sql is not in meta\/_journal\.json, so drizzle-kit migrate would never run it/);
  });

  it("an edited applied migration is caught by drizzle's own hash", async () => {
    const db = await createTestDatabase("drz");
    const p = testProject(db.url);
    await drizzleKitMigrate(db, writeDrizzle(p, 1));
    p.write("0000_users.sql", 'CREATE TABLE "users" ("id" bigserial PRIMARY KEY);\n');
    const refused = await apply(p);
    expect(refused.status).toBe("refused");
    expect(refused.reason).toContain("edited deployed migration: write a new migration instead (0000_users.sql");
  });
});

/* ------------------------------------------------- dbmate ------------------------------------------------- */

// dbmate's own binary package for this platform (an optional dependency: the registry we install
// from serves only the linux-x64 build, so the `dbmate` wrapper package cannot be locked)
const DBMATE_BIN = path.join(REPO_ROOT, "node_modules", "@dbmate", "linux-x64", "bin", "dbmate");

async function dbmate(db: TestDatabase, dir: string, ...args: string[]): Promise<string> {
  const url = `${db.url}${db.url.includes("?") ? "&" : "?"}sslmode=disable`;
  const { stdout } = await run(DBMATE_BIN, ["--url", url, "--migrations-dir", dir, "--no-dump-schema", ...args]);
  return stdout;
}

const DBMATE = {
  "20240101000000_users.sql": "-- migrate:up\nCREATE TABLE users (id bigint PRIMARY KEY, email text);\n\n-- migrate:down\nDROP TABLE users;\n",
  "20240102000000_index.sql": "-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY users_email_idx ON users (email);\n\n-- migrate:down transaction:false\nDROP INDEX CONCURRENTLY users_email_idx;\n",
  "20240103000000_orgs.sql": "-- migrate:up\nCREATE TABLE orgs (id bigint PRIMARY KEY);\n\n-- migrate:down\nDROP TABLE orgs;\n",
};

describe.skipIf(!existsSync(DBMATE_BIN))("dbmate (the binary of npm package @dbmate/linux-x64)", () => {
  it("dbmate first, then Lockstep (transaction:false honoured), then dbmate finds nothing pending", async () => {
    const db = await createTestDatabase("dbm");
    const p = testProject(db.url);
    const dir = path.join(p.dir, "migrations");
    p.write("20240101000000_users.sql", DBMATE["20240101000000_users.sql"]);
    await dbmate(db, dir, "up");
    p.write("20240102000000_index.sql", DBMATE["20240102000000_index.sql"]);
    const outcome = await apply(p);
    expect(outcome).toMatchObject({ status: "applied", history: "dbmate" });
    expect(outcome.applied.map((m) => m.version)).toEqual(["20240102000000"]);
    expect((await db.client.query("SELECT indisvalid FROM pg_index WHERE indexrelid = 'users_email_idx'::regclass")).rows).toEqual([{ indisvalid: true }]);
    expect((await db.client.query("SELECT version FROM schema_migrations ORDER BY version")).rows.map((r) => r.version)).toEqual(["20240101000000", "20240102000000"]);
    expect(await dbmate(db, dir, "status")).toMatch(/Applied: 2\s+Pending: 0/);
  });

  it("Lockstep first, on a fresh database: dbmate sees its own table and applies only what is new", async () => {
    const db = await createTestDatabase("dbm");
    const p = testProject(db.url);
    const dir = path.join(p.dir, "migrations");
    p.write("20240101000000_users.sql", DBMATE["20240101000000_users.sql"]);
    p.write("20240102000000_index.sql", DBMATE["20240102000000_index.sql"]);
    expect((await apply(p)).applied.map((m) => m.version)).toEqual(["20240101000000", "20240102000000"]);
    p.write("20240103000000_orgs.sql", DBMATE["20240103000000_orgs.sql"]);
    expect(await dbmate(db, dir, "status")).toMatch(/Applied: 2\s+Pending: 1/);
    await dbmate(db, dir, "up");
    expect(await tables(db)).toEqual(["orgs", "schema_migrations", "users"]);
    expect((await apply(p)).status).toBe("nothing-to-do");
    // and dbmate can roll back what Lockstep applied, with the file's down section
    await dbmate(db, dir, "rollback");
    await dbmate(db, dir, "rollback");
    expect((await db.client.query("SELECT to_regclass('users_email_idx') AS i")).rows[0].i).toBeNull();
  });
});

/* -------------------------------------------- Flyway repeatables -------------------------------------------- */

describe("Flyway repeatable migrations (R__)", () => {
  const history = async (db: TestDatabase) =>
    (await db.client.query("SELECT installed_rank, version, description, type, script, checksum, success FROM flyway_schema_history ORDER BY installed_rank")).rows;

  it("run after the versioned ones, again when their checksum changes, with Flyway's rows (version NULL, type SQL)", async () => {
    const db = await createTestDatabase("fly");
    const p = testProject(db.url);
    const view1 = "CREATE OR REPLACE VIEW active_users AS SELECT id FROM users;\n";
    p.write("R__active_users.sql", view1);
    p.write("V1__users.sql", "CREATE TABLE users (id int, active boolean);\n");
    const first = await apply(p);
    expect(first.applied.map((m) => m.version)).toEqual(["1", "R__active users"]);
    expect(await history(db)).toEqual([
      { installed_rank: 1, version: "1", description: "users", type: "SQL", script: "V1__users.sql", checksum: flywayChecksum(Buffer.from("CREATE TABLE users (id int, active boolean);\n")), success: true },
      { installed_rank: 2, version: null, description: "active users", type: "SQL", script: "R__active_users.sql", checksum: flywayChecksum(Buffer.from(view1)), success: true },
    ]);
    expect((await apply(p)).status).toBe("nothing-to-do");

    const view2 = "CREATE OR REPLACE VIEW active_users AS SELECT id FROM users WHERE active;\n";
    p.write("R__active_users.sql", view2);
    const again = await apply(p);
    expect(again.applied.map((m) => m.version)).toEqual(["R__active users"]);
    expect((await history(db)).at(-1)).toMatchObject({ installed_rank: 3, version: null, script: "R__active_users.sql", checksum: flywayChecksum(Buffer.from(view2)) });
    expect((await db.client.query("SELECT pg_get_viewdef('active_users')")).rows[0].pg_get_viewdef).toMatch(/WHERE active/);
    expect((await apply(p)).status).toBe("nothing-to-do");
  });

  it("a repeatable Flyway already ran with this checksum is not run again", async () => {
    const db = await createTestDatabase("fly");
    const view = "CREATE OR REPLACE VIEW one AS SELECT 1 AS x;\n";
    await db.client.query(view);
    await db.client.query(`CREATE TABLE flyway_schema_history (installed_rank int NOT NULL PRIMARY KEY, version varchar(50), description varchar(200) NOT NULL,
      type varchar(20) NOT NULL, script varchar(1000) NOT NULL, checksum int, installed_by varchar(100) NOT NULL,
      installed_on timestamp NOT NULL DEFAULT now(), execution_time int NOT NULL, success boolean NOT NULL)`);
    await db.client.query(`INSERT INTO flyway_schema_history VALUES (1, NULL, 'one', 'SQL', 'R__one.sql', $1, 'flyway', now(), 3, true)`, [flywayChecksum(Buffer.from(view))]);
    const p = testProject(db.url);
    p.write("R__one.sql", view);
    expect((await apply(p)).status).toBe("nothing-to-do");
    p.write("R__one.sql", "CREATE OR REPLACE VIEW one AS SELECT 2 AS x;\n");
    expect((await apply(p)).applied.map((m) => m.version)).toEqual(["R__one"]);
  });
});

/* ------------------------------------------------- Prisma ------------------------------------------------- */

describe("Prisma", () => {
  // The prisma CLI (npm) downloads its schema-engine binary at install time from Prisma's own server,
  // not from the npm registry: it cannot be installed here or in CI. The rows Lockstep writes are
  // checked against `prisma migrate deploy`'s format in history.test.ts.
  it.skip("prisma migrate deploy after a Lockstep apply finds nothing to do (skipped: the Prisma schema engine is downloaded from outside the npm registry at install time, so it cannot be installed offline here)", () => {});
});

/* ------------------------------------------------- Django ------------------------------------------------- */

/** What `python manage.py sqlmigrate accounts 0042` prints for an AddField with a default and an index. */
const SQLMIGRATE = readFileSync(path.join(REPO_ROOT, "test", "fixtures", "django-sqlmigrate.sql"), "utf8");

describe("Django: migrations are Python; check through sqlmigrate, apply with Django's migrate", () => {
  it("sqlmigrate output piped into lockstep check - --db env:...: findings for the live table, exit 1", async () => {
    const db = await createTestDatabase("dj");
    await db.client.query(`CREATE TABLE accounts_user (id bigint PRIMARY KEY, email text NOT NULL)`);
    const r = await runLockstep(["check", "-", "--db", "env:DJANGO_DB", "--format", "json"], { input: SQLMIGRATE, env: { DJANGO_DB: db.url } });
    const file = JSON.parse(r.stdout).files[0];
    expect(file.path).toBe("-");
    expect(file.statements.map((s: { kind: string; inTransaction: boolean }) => [s.kind, s.inTransaction])).toEqual([
      ["begin", true], ["alter-table", true], ["alter-table", true], ["create-index", true], ["commit", true],
    ]);
    expect(file.statements[3].findings.map((f: { rule: string }) => f.rule)).toContain("require-concurrent-index-creation");
    expect(r.code).toBe(1);
  });

  it("apply on a Django migrations directory exits 2 and says to run Django's migrate, and how the approval is kept", async () => {
    const db = await createTestDatabase("dj");
    const p = testProject(db.url);
    p.write("0001_initial.py", "from django.db import migrations\n");
    p.write("0042_user_role.py", "from django.db import migrations\n");
    mkdirSync(path.join(p.dir, "migrations", "__pycache__"), { recursive: true });
    writeFileSync(path.join(p.dir, "migrations", "__init__.py"), "");
    const r = await runLockstep(["apply", "--target", "dev", "--dry-run"], { cwd: p.dir, env: p.env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/holds Django migrations \(Python\): apply them with `python manage.py migrate`/);
    expect(r.stderr).toMatch(/python manage.py sqlmigrate APP NNNN \| lockstep check - --db env:DATABASE_URL/);
    expect(r.stderr).toMatch(/approval and audit trail are kept by Lockstep/);
  });
});
