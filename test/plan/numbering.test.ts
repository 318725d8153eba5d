import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { nextVersions } from "../../src/plan/numbering.js";
import { planMigration } from "../../src/plan/plan.js";
import { TEST_CLOCK, tempDir } from "./helpers.js";

const clock = new Date("2025-03-04T05:06:07.890Z");

describe("next versions in the directory's own scheme", () => {
  it("sequences keep their width; Flyway bumps the last part", () => {
    expect(nextVersions("000008", 3, "golang-migrate", clock)).toEqual(["000009", "000010", "000011"]);
    expect(nextVersions("0003", 2, "drizzle", clock)).toEqual(["0004", "0005"]);
    expect(nextVersions("12", 2, "flyway", clock)).toEqual(["13", "14"]);
    expect(nextVersions("1_9", 2, "flyway", clock)).toEqual(["1_10", "1_11"]);
    expect(nextVersions("2.09", 1, "flyway", clock)).toEqual(["2.10"]);
  });

  it("timestamps stay timestamps of the same shape: the clock's, or one second after a later highest", () => {
    expect(nextVersions("20240101120000", 2, "golang-migrate", clock)).toEqual(["20250304050607", "20250304050608"]);
    expect(nextVersions("20300101235959", 2, "dbmate", clock)).toEqual(["20300102000000", "20300102000001"]);
    expect(nextVersions("2024-01-01-120000", 1, "diesel", clock)).toEqual(["2025-03-04-050607"]);
    expect(nextVersions("1700000000", 1, "golang-migrate", clock)).toEqual(["1741064767"]);
    expect(nextVersions("20240101120000", 1, "prisma", clock)).toEqual(["20250304050607"]);
  });

  it("without any version, the tool's default scheme", () => {
    expect(nextVersions(undefined, 2, "plain", clock)).toEqual(["001", "002"]);
    expect(nextVersions(undefined, 1, "prisma", clock)).toEqual(["20250304050607"]);
    expect(nextVersions(undefined, 1, "diesel", clock)).toEqual(["2025-03-04-050607"]);
  });
});

describe("Drizzle: files after the journal's last entry, the journal's entries appended", () => {
  function drizzleDir(): string {
    const root = tempDir();
    const dir = path.join(root, "drizzle");
    mkdirSync(path.join(dir, "meta"), { recursive: true });
    writeFileSync(path.join(dir, "0000_init.sql"), "CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);\n");
    writeFileSync(path.join(dir, "0001_index.sql"), "CREATE INDEX users_email_idx ON users (email);\n");
    const journal = { version: "7", dialect: "postgresql", entries: [{ idx: 0, version: "7", when: 1700000000000, tag: "0000_init", breakpoints: true }, { idx: 1, version: "7", when: 1700000001000, tag: "0001_index", breakpoints: true }] };
    writeFileSync(path.join(dir, "meta", "_journal.json"), JSON.stringify(journal, null, 2));
    return root;
  }

  it("--out into the directory: 0002.., statement breakpoints, journal entries appended in place", async () => {
    const root = drizzleDir();
    const r = await planMigration({ file: "drizzle/0001_index.sql", cwd: root, out: "drizzle", verify: false, now: TEST_CLOCK });
    expect(r.layout).toBe("drizzle");
    expect(r.files.filter((f) => f.role === "migration").map((f) => path.basename(f.path))).toEqual(["0002_index_index_users_email_idx.sql"]);
    const journal = JSON.parse(readFileSync(path.join(root, "drizzle", "meta", "_journal.json"), "utf8"));
    expect(journal.entries.map((e: { tag: string }) => e.tag)).toEqual(["0000_init", "0001_index", "0002_index_index_users_email_idx"]);
    expect(journal.entries[2]).toEqual({ idx: 2, version: "7", when: 1700000001001, tag: "0002_index_index_users_email_idx", breakpoints: true });
    expect(r.notes.join("\n")).toMatch(/meta\/_journal.json: 1 entries appended/);
    expect(r.notes.join("\n")).toMatch(/drizzle-kit migrate runs all pending migrations in one transaction/);
  });

  it("a multi-statement step is split with --> statement-breakpoint and has no BEGIN/COMMIT of its own", async () => {
    const root = drizzleDir();
    writeFileSync(path.join(root, "drizzle", "0001_index.sql"), "ALTER TABLE users ADD COLUMN role text NOT NULL;\n");
    const r = await planMigration({ file: "drizzle/0001_index.sql", cwd: root, out: "out", verify: false, now: TEST_CLOCK, fills: ["role = 'member'"] });
    const set = r.files.find((f) => f.path.endsWith("_set_users_role_not_null.sql"))!;
    const text = readFileSync(set.path, "utf8");
    expect(text).toContain("SET NOT NULL;\n--> statement-breakpoint\nALTER TABLE users DROP CONSTRAINT users_role_nn_check;");
    expect(text).not.toMatch(/BEGIN|COMMIT/);
    const journal = JSON.parse(readFileSync(path.join(root, "out", "meta", "_journal.json"), "utf8"));
    expect(journal.entries).toHaveLength(6);
    expect(r.notes.join("\n")).toMatch(/copy it over that file together with the migrations/);
    // the journal in the migrations directory itself is untouched
    expect(JSON.parse(readFileSync(path.join(root, "drizzle", "meta", "_journal.json"), "utf8")).entries).toHaveLength(2);
  });
});
