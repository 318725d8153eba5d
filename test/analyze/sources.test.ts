import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { analyzePaths, analyzeSql } from "../../src/analyze/analyze.js";
import { detectLayout, listMigrationFiles } from "../../src/analyze/sources.js";

const root = mkdtempSync(path.join(os.tmpdir(), "lockstep-sources-"));
function write(rel: string, content: string): string {
  const p = path.join(root, rel);
  mkdirSync(path.dirname(p), { recursive: true });
  writeFileSync(p, content);
  return p;
}

const TWO = "ALTER TABLE users ADD COLUMN a int;\nCREATE INDEX CONCURRENTLY i ON users (a);\n";

beforeAll(() => {
  write("gm/10_b.up.sql", "SELECT 10;");
  write("gm/9_a.up.sql", "SELECT 9;");
  write("gm/9_a.down.sql", "SELECT -9;");
  write("gm/2_two.up.sql", TWO);
  write("gm/3_one.up.sql", "CREATE INDEX CONCURRENTLY j ON users (b);");
  write("fw/V1_10__b.sql", "SELECT 110;");
  write("fw/V1_2__a.sql", "SELECT 12;");
  write("fw/V2__idx.sql", TWO);
  write("fw/V3__tx.sql", "ALTER TABLE users ADD COLUMN b int;\nSELECT 1;");
  write("diesel/2020-01-01-000000_a/up.sql", "SELECT 1;");
  write("diesel/2020-01-01-000000_a/down.sql", "SELECT 2;");
  write("diesel/2020-01-02-000000_b/up.sql", "CREATE INDEX CONCURRENTLY k ON users (c);");
  write("diesel/2020-01-02-000000_b/down.sql", "SELECT 2;");
  write("diesel/2020-01-02-000000_b/metadata.toml", "run_in_transaction = false\n");
  write("prisma/20240101_init/migration.sql", "SELECT 1;\nSELECT 2;");
  write("drizzle/0001_zeta.sql", "SELECT 'second';");
  write("drizzle/0000_alpha.sql", "SELECT 'first';\n--> statement-breakpoint\nSELECT 'x';");
  write("drizzle/meta/_journal.json", JSON.stringify({ entries: [{ idx: 0, tag: "0001_zeta" }, { idx: 1, tag: "0000_alpha" }] }));
  write("dbmate/20240101_a.sql", "-- migrate:up\nALTER TABLE users ADD COLUMN d int;\n\n-- migrate:down\nALTER TABLE users DROP COLUMN d;\n");
  write("dbmate/20240102_b.sql", "-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY l ON users (d);\n-- migrate:down\nDROP INDEX l;\n");
  write("synapse/delta/72/01_a.sql.postgres", "SELECT 1;");
  write("popx/20200101_x.postgres.up.sql", "SELECT 1;");
  write("popx/20200102_y.autocommit.up.sql", "CREATE INDEX CONCURRENTLY m ON users (e);");
  write("plain/001_a.sql", "BEGIN;\nALTER TABLE users ADD COLUMN f int;\nCOMMIT;\nCREATE INDEX CONCURRENTLY n ON users (f);");
});

const inTx = async (p: string) => (await analyzePaths([p])).files.flatMap((f) => f.statements.map((s) => [s.kind, s.inTransaction]));

describe("layouts", () => {
  it("detects each layout from names, folders and content", () => {
    expect(detectLayout(path.join(root, "gm/9_a.up.sql"))).toBe("golang-migrate");
    expect(detectLayout(path.join(root, "fw/V1_2__a.sql"))).toBe("flyway");
    expect(detectLayout(path.join(root, "diesel/2020-01-01-000000_a/up.sql"))).toBe("diesel");
    expect(detectLayout(path.join(root, "prisma/20240101_init/migration.sql"))).toBe("prisma");
    expect(detectLayout(path.join(root, "drizzle/0000_alpha.sql"))).toBe("drizzle");
    expect(detectLayout(path.join(root, "dbmate/20240101_a.sql"))).toBe("dbmate");
    expect(detectLayout(path.join(root, "synapse/delta/72/01_a.sql.postgres"))).toBe("synapse");
    expect(detectLayout(path.join(root, "popx/20200102_y.autocommit.up.sql"))).toBe("popx");
    expect(detectLayout(path.join(root, "plain/001_a.sql"))).toBe("plain");
  });

  it("lists the up direction in the order each tool applies it", () => {
    const rel = (dir: string) => listMigrationFiles(path.join(root, dir)).map((f) => path.relative(path.join(root, dir), f));
    expect(rel("gm")).toEqual(["2_two.up.sql", "3_one.up.sql", "9_a.up.sql", "10_b.up.sql"]);
    expect(rel("fw")).toEqual(["V1_2__a.sql", "V1_10__b.sql", "V2__idx.sql", "V3__tx.sql"]);
    expect(rel("diesel")).toEqual(["2020-01-01-000000_a/up.sql", "2020-01-02-000000_b/up.sql"]);
    expect(rel("drizzle")).toEqual(["0001_zeta.sql", "0000_alpha.sql"]);
  });

  it("flyway: by version part by part (1 < 1.1 < 2 < 10), repeatable migrations after them, undo files left out", () => {
    for (const f of ["V10__d.sql", "V2__c.sql", "V1_1__b.sql", "V1__a.sql", "R__view.sql", "U1_1__b.sql", "V1.2__dotted.sql"]) write(`fw-order/${f}`, "SELECT 1;");
    const listed = listMigrationFiles(path.join(root, "fw-order")).map((f) => path.basename(f));
    expect(listed).toEqual(["V1__a.sql", "V1_1__b.sql", "V1.2__dotted.sql", "V2__c.sql", "V10__d.sql", "R__view.sql"]);
  });

  it("golang-migrate and prisma send a multi-statement file as one implicit transaction", async () => {
    expect(await inTx(path.join(root, "gm/2_two.up.sql"))).toEqual([["alter-table", true], ["create-index", true]]);
    expect(await inTx(path.join(root, "gm/3_one.up.sql"))).toEqual([["create-index", false]]);
    expect(await inTx(path.join(root, "prisma"))).toEqual([["select", true], ["select", true]]);
  });

  it("flyway runs a file without a transaction when it holds a non-transactional statement", async () => {
    expect(await inTx(path.join(root, "fw/V2__idx.sql"))).toEqual([["alter-table", false], ["create-index", false]]);
    expect(await inTx(path.join(root, "fw/V3__tx.sql"))).toEqual([["alter-table", true], ["select", true]]);
  });

  it("diesel wraps each migration unless metadata.toml turns it off", async () => {
    expect(await inTx(path.join(root, "diesel"))).toEqual([["select", true], ["create-index", false]]);
  });

  it("dbmate checks only the up section and honours transaction:false", async () => {
    const r = await analyzePaths([path.join(root, "dbmate")]);
    expect(r.files.map((f) => f.statements.map((s) => [s.sql, s.line, s.inTransaction]))).toEqual([
      [["ALTER TABLE users ADD COLUMN d int", 2, true]],
      [["CREATE INDEX CONCURRENTLY l ON users (d)", 2, false]],
    ]);
  });

  it("popx .autocommit. files run outside a transaction; plain files follow explicit BEGIN/COMMIT", async () => {
    expect(await inTx(path.join(root, "popx"))).toEqual([["select", true], ["create-index", false]]);
    expect(await inTx(path.join(root, "plain/001_a.sql"))).toEqual([["begin", true], ["alter-table", true], ["commit", true], ["create-index", false]]);
  });
});

describe("bad input never crashes", () => {
  it("names a missing path", async () => {
    const r = await analyzePaths([path.join(root, "nope.sql")]);
    expect(r.files[0]!.errors[0]!.code).toBe("not-found");
    expect(r.files[0]!.errors[0]!.message).toContain("nope.sql");
  });

  it("rejects binary and non-UTF-8 files with a position", async () => {
    const bin = await analyzeSql("x.sql", Buffer.from([0x53, 0x00, 0x01, 0x02]));
    expect(bin.files[0]!.errors[0]!.code).toBe("binary-file");
    const latin1 = await analyzeSql("y.sql", Buffer.concat([Buffer.from("SELECT 1;\nSELECT 'caf"), Buffer.from([0xe9]), Buffer.from("';")]));
    expect(latin1.files[0]!.errors[0]).toMatchObject({ code: "invalid-utf8", line: 2, column: 13 });
  });

  it("treats an empty file as no statements and no errors", async () => {
    const r = await analyzeSql("empty.sql", "");
    expect(r.files[0]).toMatchObject({ statements: [], errors: [] });
  });

  it("handles a 100,000-statement file", async () => {
    const big = "INSERT INTO t VALUES (1);\n".repeat(100_000);
    const r = await analyzeSql("big.sql", big);
    expect(r.files[0]!.statements).toHaveLength(100_000);
    expect(r.files[0]!.statements[99_999]!.line).toBe(100_000);
  });
});
