import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { flywayChecksum, prismaChecksums } from "../../src/apply/checksum.js";
import { runApply, type ApplyOutcome } from "../../src/apply/run.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { testProject, type TestProject } from "./project.js";

const dbs: TestDatabase[] = await Promise.all(Array.from({ length: 7 }, () => createTestDatabase("hist")));
let next = 0;
const freshDb = () => dbs[next++]!;
const apply = (p: TestProject): Promise<ApplyOutcome> => runApply(p.target(), { appliedBy: "U_DEPLOYER", onEvent: () => undefined });

describe("Flyway checksum", () => {
  it("is CRC32 over the lines without line endings, BOM ignored, as a signed int", () => {
    const lf = Buffer.from("CREATE TABLE a (id int);\nINSERT INTO a VALUES (1);\n");
    const crlf = Buffer.from("CREATE TABLE a (id int);\r\nINSERT INTO a VALUES (1);\r\n");
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), lf]);
    expect(flywayChecksum(crlf)).toBe(flywayChecksum(lf));
    expect(flywayChecksum(bom)).toBe(flywayChecksum(lf));
    expect(flywayChecksum(Buffer.from("CREATE TABLE a (id bigint);\n"))).not.toBe(flywayChecksum(lf));
    // CRC32("CREATE TABLE a (id int);INSERT INTO a VALUES (1);") as java.util.zip.CRC32 computes it, cast to int
    expect(flywayChecksum(lf)).toBe(crc32Reference("CREATE TABLE a (id int);INSERT INTO a VALUES (1);"));
  });
});

/** Bitwise CRC-32 (IEEE), independent of node:zlib. */
function crc32Reference(text: string): number {
  let crc = 0xffffffff;
  for (const byte of Buffer.from(text)) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) | 0;
}

describe("existing tool histories", () => {
  it("golang-migrate: recognises applied versions and keeps its one row at the new version", async () => {
    const db = freshDb();
    await db.client.query("CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL)");
    await db.client.query("INSERT INTO schema_migrations VALUES (20240102000000, false)");
    await db.client.query("CREATE TABLE a (id int); CREATE TABLE b (id int)");
    const p = testProject(db.url);
    p.write("20240101000000_a.up.sql", "CREATE TABLE a (id int);");
    p.write("20240101000000_a.down.sql", "DROP TABLE a;");
    p.write("20240102000000_b.up.sql", "CREATE TABLE b (id int);");
    p.write("20240103000000_c.up.sql", "CREATE TABLE c (id int);");
    const outcome = await apply(p);
    expect(outcome.status).toBe("applied");
    expect(outcome.history).toBe("golang-migrate");
    expect(outcome.applied.map((m) => m.version)).toEqual(["20240103000000"]);
    expect((await db.client.query("SELECT version::text, dirty FROM schema_migrations")).rows).toEqual([{ version: "20240103000000", dirty: false }]);
    expect((await apply(p)).status).toBe("nothing-to-do");
  });

  it("golang-migrate: a dirty history is refused unless apply.history is lockstep", async () => {
    const db = freshDb();
    await db.client.query("CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL)");
    await db.client.query("INSERT INTO schema_migrations VALUES (1, true)");
    const p = testProject(db.url);
    p.write("1_a.up.sql", "CREATE TABLE a (id int);");
    p.write("2_b.up.sql", "CREATE TABLE b (id int);");
    const refused = await apply(p);
    expect(refused.status).toBe("refused");
    expect(refused.reason).toContain("dirty at version 1");
    expect(refused.hint).toContain("apply.history: lockstep");

    const lockstepOnly = testProject(db.url, { apply: { history: "lockstep" } });
    lockstepOnly.write("1_a.up.sql", "CREATE TABLE a (id int);");
    lockstepOnly.write("2_b.up.sql", "CREATE TABLE b (id int);");
    const outcome = await apply(lockstepOnly);
    expect(outcome.status).toBe("applied");
    expect(outcome.history).toBe("lockstep");
    expect((await db.client.query("SELECT version::int, dirty FROM schema_migrations")).rows).toEqual([{ version: 1, dirty: true }]);
  });

  it("Flyway: recognises its history (incl. checksums), then writes the row Flyway would write", async () => {
    const db = freshDb();
    const v1 = "CREATE TABLE accounts (id int);\n";
    await db.client.query(v1);
    await db.client.query(`CREATE TABLE flyway_schema_history (installed_rank int NOT NULL PRIMARY KEY, version varchar(50), description varchar(200) NOT NULL,
      type varchar(20) NOT NULL, script varchar(1000) NOT NULL, checksum int, installed_by varchar(100) NOT NULL,
      installed_on timestamp NOT NULL DEFAULT now(), execution_time int NOT NULL, success boolean NOT NULL)`);
    await db.client.query(`INSERT INTO flyway_schema_history VALUES (1, '1', 'create accounts', 'SQL', 'V1__create_accounts.sql', $1, 'flyway', now(), 12, true)`, [
      flywayChecksum(Buffer.from(v1)),
    ]);
    const p = testProject(db.url);
    p.write("V1__create_accounts.sql", v1);
    p.write("V1_1__add_users.sql", "CREATE TABLE users (id int);\n");
    const outcome = await apply(p);
    expect(outcome.status).toBe("applied");
    expect(outcome.applied.map((m) => m.version)).toEqual(["1.1"]);
    const rows = await db.client.query("SELECT installed_rank, version, description, type, script, checksum, installed_by = current_user AS by_me, success FROM flyway_schema_history ORDER BY installed_rank");
    expect(rows.rows[1]).toEqual({
      installed_rank: 2, version: "1.1", description: "add users", type: "SQL", script: "V1_1__add_users.sql",
      checksum: flywayChecksum(Buffer.from("CREATE TABLE users (id int);\n")), by_me: true, success: true,
    });

    // An edit of V1 (applied by Flyway, never by Lockstep) is caught by Flyway's own checksum.
    p.write("V1__create_accounts.sql", "CREATE TABLE accounts (id bigint);\n");
    p.write("V2__more.sql", "CREATE TABLE more (id int);\n");
    const edited = await apply(p);
    expect(edited.status).toBe("refused");
    expect(edited.reason).toContain("edited deployed migration: write a new migration instead (V1__create_accounts.sql");
  });

  it("Prisma: recognises finished migrations and records the new one with its SHA-256; a failed row refuses", async () => {
    const db = freshDb();
    const first = "CREATE TABLE a (id int);\n";
    await db.client.query(first);
    await db.client.query(`CREATE TABLE _prisma_migrations (id varchar(36) PRIMARY KEY NOT NULL, checksum varchar(64) NOT NULL, finished_at timestamptz,
      migration_name varchar(255) NOT NULL, logs text, rolled_back_at timestamptz, started_at timestamptz NOT NULL DEFAULT now(), applied_steps_count int NOT NULL DEFAULT 0)`);
    await db.client.query(`INSERT INTO _prisma_migrations VALUES ('11111111-1111-1111-1111-111111111111', $1, now(), '20240101000000_init', NULL, NULL, now(), 1)`, [
      createHash("sha256").update(first).digest("hex"),
    ]);
    const p = testProject(db.url);
    p.write("20240101000000_init/migration.sql", first);
    p.write("20240102000000_b/migration.sql", "CREATE TABLE b (id int);\n");
    const outcome = await apply(p);
    expect(outcome.status).toBe("applied");
    expect(outcome.applied.map((m) => m.version)).toEqual(["20240102000000_b"]);
    const row = await db.client.query("SELECT checksum, finished_at IS NOT NULL AS finished, rolled_back_at, applied_steps_count FROM _prisma_migrations WHERE migration_name = '20240102000000_b'");
    expect(row.rows).toEqual([{ checksum: prismaChecksums(Buffer.from("CREATE TABLE b (id int);\n"))[0], finished: true, rolled_back_at: null, applied_steps_count: 1 }]);

    await db.client.query(`INSERT INTO _prisma_migrations (id, checksum, migration_name) VALUES ('22222222-2222-2222-2222-222222222222', 'x', '20240103000000_c')`);
    p.write("20240103000000_c/migration.sql", "CREATE TABLE c (id int);\n");
    const refused = await apply(p);
    expect(refused.status).toBe("refused");
    expect(refused.reason).toContain("failed migration (20240103000000_c)");
  });

  it("diesel: recognises versions and inserts the new version", async () => {
    const db = freshDb();
    await db.client.query("CREATE TABLE __diesel_schema_migrations (version varchar(50) PRIMARY KEY NOT NULL, run_on timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP)");
    await db.client.query("INSERT INTO __diesel_schema_migrations (version) VALUES ('20240101000000')");
    await db.client.query("CREATE TABLE a (id int)");
    const p = testProject(db.url);
    p.write("2024-01-01-000000_a/up.sql", "CREATE TABLE a (id int);");
    p.write("2024-01-01-000000_a/down.sql", "DROP TABLE a;");
    p.write("2024-01-02-000000_b/up.sql", "CREATE TABLE b (id int);");
    const outcome = await apply(p);
    expect(outcome.applied.map((m) => m.version)).toEqual(["20240102000000"]);
    expect((await db.client.query("SELECT version FROM __diesel_schema_migrations ORDER BY version")).rows.map((r) => r.version)).toEqual(["20240101000000", "20240102000000"]);
  });

  it("refuses when the target has another tool's history than the files' layout", async () => {
    const db = freshDb();
    await db.client.query("CREATE TABLE __diesel_schema_migrations (version varchar(50) PRIMARY KEY NOT NULL, run_on timestamp NOT NULL DEFAULT now())");
    const p = testProject(db.url);
    p.write("1_a.up.sql", "CREATE TABLE a (id int);");
    const outcome = await apply(p);
    expect(outcome.status).toBe("refused");
    expect(outcome.reason).toContain("diesel's history table, but the migrations are in the golang-migrate layout");
  });

  it("creates the tool's own history table on a fresh database so its CLI sees the migration as applied", async () => {
    const db = freshDb();
    const p = testProject(db.url);
    p.write("V1__a.sql", "CREATE TABLE a (id int);\n");
    expect((await apply(p)).status).toBe("applied");
    expect((await db.client.query("SELECT version, script, success FROM flyway_schema_history")).rows).toEqual([{ version: "1", script: "V1__a.sql", success: true }]);
  });
});
