import { beforeAll, describe, expect, it } from "vitest";
import type { TestDatabase } from "../helpers/db.js";
import { fixtureDb, planAgainst, tempDir } from "./helpers.js";

/** Each recoverability class, verified on a shadow database; and down files that do not restore. */
let db: TestDatabase;
let dir: string;
beforeAll(async () => {
  db = await fixtureDb("rollback");
  dir = tempDir();
});

describe("rollback classes", () => {
  it("clean: CREATE TABLE, ADD COLUMN, CREATE INDEX CONCURRENTLY, ADD CONSTRAINT, SET DEFAULT — each verified", async () => {
    const r = await planAgainst(db, dir, "0100_clean.sql", [
      "CREATE TABLE audit (id bigint PRIMARY KEY, note text)",
      "ALTER TABLE users ADD COLUMN bio text",
      "CREATE INDEX CONCURRENTLY users_bio_idx ON users (bio)",
      "ALTER TABLE users ADD CONSTRAINT users_age_pos CHECK (age > 0) NOT VALID",
      "ALTER TABLE users ALTER COLUMN age SET DEFAULT 18",
      "ALTER TABLE users ALTER COLUMN normalized_email TYPE varchar(300)",
    ].join(";\n") + ";\n");
    expect(r.rollback.map((e) => [e.recoverability, e.verified])).toEqual([
      ["clean", true], ["clean", true], ["clean", true], ["clean", true], ["clean", true], ["data-loss", true],
    ]);
    expect(r.rollback.map((e) => e.sql)).toEqual([
      "DROP TABLE audit;",
      "ALTER TABLE users DROP COLUMN bio;",
      "DROP INDEX CONCURRENTLY IF EXISTS users_bio_idx;",
      "ALTER TABLE users DROP CONSTRAINT users_age_pos;",
      "ALTER TABLE users ALTER COLUMN age DROP DEFAULT;",
      "ALTER TABLE users ALTER COLUMN normalized_email TYPE text USING normalized_email::text;",
    ]);
  });

  it("inverse: a backfill UPDATE; data-loss: INSERT and type changes", async () => {
    const r = await planAgainst(db, dir, "0101_data.sql", "UPDATE users SET normalized_email = lower(email) WHERE normalized_email IS NULL;\nINSERT INTO orgs VALUES (5, 'five');\n");
    expect(r.rollback.map((e) => e.recoverability)).toEqual(["inverse", "data-loss"]);
  });

  it("unrecoverable: DROP COLUMN prints the lockstep save line for the key and that column; the schema part of its rollback is verified", async () => {
    const r = await planAgainst(db, dir, "0102_drop_col.sql", "ALTER TABLE users DROP COLUMN normalized_email;\n");
    expect(r.rollback[0]).toMatchObject({ sql: "ALTER TABLE users ADD COLUMN normalized_email text;", recoverability: "unrecoverable", verified: true });
    expect(r.rollback[0]!.note).toContain("BEFORE applying, save it: lockstep save --db env:PROD_URL --table public.users --columns id,normalized_email --out users.normalized_email.csv");
  });

  it("unrecoverable: DROP TABLE recreates the table from the catalog and prints lockstep save and pg_dump -t lines", async () => {
    const r = await planAgainst(db, dir, "0103_drop_table.sql", "DROP TABLE orgs;\n");
    expect(r.rollback[0]).toMatchObject({ recoverability: "unrecoverable", verified: true });
    expect(r.rollback[0]!.sql).toMatch(/^CREATE TABLE orgs \(\n  id bigint NOT NULL,\n  name text,\n  CONSTRAINT orgs_pkey PRIMARY KEY \(id\)\n\);$/);
    expect(r.rollback[0]!.note).toContain("lockstep save --db env:PROD_URL --table public.orgs --out orgs.csv");
    expect(r.rollback[0]!.note).toContain(`pg_dump "$DATABASE_URL" --format=custom --table=public.orgs --file=orgs.dump`);
  });

  it("unrecoverable: TRUNCATE prints save lines per table (data-only pg_dump)", async () => {
    const r = await planAgainst(db, dir, "0104_truncate.sql", "TRUNCATE orgs;\n");
    expect(r.rollback[0]).toMatchObject({ recoverability: "unrecoverable", sql: "" });
    expect(r.rollback[0]!.note).toContain("--data-only --table=public.orgs");
  });

  it("DROP COLUMN's rollback rebuilds the column's indexes (CONCURRENTLY)", async () => {
    const r = await planAgainst(db, dir, "0105_drop_indexed.sql", "ALTER TABLE users DROP COLUMN org_id;\n");
    expect(r.rollback[0]).toMatchObject({ sql: "ALTER TABLE users ADD COLUMN org_id bigint;\nCREATE INDEX CONCURRENTLY users_org_idx ON public.users USING btree (org_id);", verified: true });
  });

  it("verified false, with the diff, when the rollback cannot restore the schema: a dropped NOT NULL column comes back nullable", async () => {
    const r = await planAgainst(db, dir, "0105_drop_nn.sql", "ALTER TABLE users DROP COLUMN username;\n");
    expect(r.rollback[0]).toMatchObject({ recoverability: "unrecoverable", verified: false });
    expect(r.rollback[0]!.diff).toEqual([{ object: "column public.users.username", change: "changed", before: "text NOT NULL", after: "text NULL" }]);
    expect(r.rollback[0]!.note).toMatch(/NOT NULL can be set again once the values are back/);
  });

  it("rename column / table: clean inverse rename, verified, note says stop at phase 1", async () => {
    const r = await planAgainst(db, dir, "0106_rename.sql", "ALTER TABLE users RENAME COLUMN age TO years;\n");
    expect(r.rollback[0]).toMatchObject({ sql: "ALTER TABLE users RENAME COLUMN years TO age;", recoverability: "clean", verified: true });
  });

  it("enum ADD VALUE cannot be undone by Postgres: unrecoverable", async () => {
    await db.client.query("CREATE TYPE mood AS ENUM ('ok')");
    const r = await planAgainst(db, dir, "0107_enum.sql", "ALTER TYPE mood ADD VALUE 'great';\n");
    expect(r.rollback[0]).toMatchObject({ recoverability: "unrecoverable", verified: false });
    expect(r.rollback[0]!.diff).toEqual([{ object: "type public.mood", change: "changed", before: "enum (ok)", after: "enum (ok, great)" }]);
  });
});

describe("down files", () => {
  it("golang-migrate: a .down.sql that restores the schema is verified", async () => {
    const r = await planAgainst(db, dir, "0200_ok.up.sql", "ALTER TABLE users ADD COLUMN bio text;\nCREATE INDEX CONCURRENTLY users_bio_idx ON users (bio);\n", { "0200_ok.down.sql": "DROP INDEX CONCURRENTLY users_bio_idx;\n" + "ALTER TABLE users DROP COLUMN bio;\n" });
    expect(r.down).toMatchObject({ verified: true, diff: [] });
    expect(r.down!.destroys).toEqual([{ statement: 1, sql: "ALTER TABLE users DROP COLUMN bio", note: "drops public.users.bio: what was written to it since the up migration is lost" }]);
  });

  it("reports where a down file does not restore the schema, and flags one that destroys pre-existing data", async () => {
    const r = await planAgainst(db, dir, "0201_bad.up.sql", "ALTER TABLE users ADD COLUMN bio text;\nALTER TABLE users ALTER COLUMN email DROP NOT NULL;\n", {
      "0201_bad.down.sql": "ALTER TABLE users DROP COLUMN bio;\nALTER TABLE users DROP COLUMN username;\n",
    });
    expect(r.down).toMatchObject({ verified: false });
    expect(r.down!.diff).toEqual([
      { object: "column public.users.email", change: "changed", before: "text NOT NULL", after: "text NULL" },
      { object: "column public.users.username", change: "removed", before: "text NOT NULL" },
    ]);
    expect(r.down!.destroys.map((d) => d.note)).toEqual([
      "drops public.users.bio: what was written to it since the up migration is lost",
      "drops public.users.username, which existed before the up migration: its data is lost",
    ]);
  });

  it("Flyway undo (U) files are found and verified", async () => {
    const r = await planAgainst(db, dir, "fw/V3__bio.sql", "ALTER TABLE users ADD COLUMN bio text;\n", { "fw/U3__bio.sql": "ALTER TABLE users DROP COLUMN bio;\n" });
    expect(r.down).toMatchObject({ path: expect.stringMatching(/U3__bio\.sql$/), verified: true });
  });
});
