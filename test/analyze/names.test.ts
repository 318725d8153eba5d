import { describe, expect, it } from "vitest";
import { checkSql, rulesFired } from "../helpers/check-sql.js";

const FAMILY = "\u{1F468}\u200D\u{1F469}\u200D\u{1F467}\u200D\u{1F466}"; // 25 bytes in UTF-8, 11 UTF-16 units

describe("identifier-too-long counts bytes, as Postgres truncates them", () => {
  it("catches multibyte names over 63 bytes that are short in characters", async () => {
    const emoji = await checkSql(`CREATE TABLE "${FAMILY.repeat(3)}" (id bigint);`);
    expect(emoji.statements[0]!.findings.find((f) => f.rule === "identifier-too-long")!.message).toContain("is 75 bytes");
    const cyrillic = await checkSql(`CREATE TABLE ${"таблица_".repeat(5)} (id bigint);`);
    expect(cyrillic.statements[0]!.findings.find((f) => f.rule === "identifier-too-long")!.message).toContain("is 75 bytes");
    expect(rulesFired(await checkSql(`CREATE TABLE "${"ж".repeat(31)}" (id bigint);`), "identifier-too-long")).toEqual([]);
  });

  it("catches quoted names with spaces, and names in DROP and COMMENT statements", async () => {
    expect(rulesFired(await checkSql(`CREATE TABLE "${"a long name ".repeat(6)}" (id bigint);`), "identifier-too-long")).toEqual(["identifier-too-long"]);
    expect(rulesFired(await checkSql(`DROP INDEX IF EXISTS ${"x".repeat(64)};`), "identifier-too-long")).toEqual(["identifier-too-long"]);
  });
});

describe("ban-duplicate-column-assignments: what Postgres rejects when the statement runs", () => {
  it.each([
    ["UPDATE k SET a = 1, b = 2, a = 3;", "a"],
    ["UPDATE k SET (a, b) = (1, 2), a = 3;", "a"],
    ["UPDATE k SET a = row(1, 2), a.x = 1;", "a"],
    ['UPDATE k SET "a" = 1, A = 2;', "a"],
    ["INSERT INTO t (a, a) VALUES (1, 2);", "a"],
    ["INSERT INTO k VALUES (1) ON CONFLICT (id) DO UPDATE SET a = 1, a = 2;", "a"],
    ["MERGE INTO k USING j ON k.id = j.id WHEN MATCHED THEN UPDATE SET a = 1, a = 2;", "a"],
    ["MERGE INTO t USING s ON t.id = s.id WHEN NOT MATCHED THEN INSERT (a, a) VALUES (1, 2);", "a"],
    ["CREATE TABLE t (a int, a text);", "a"],
    ["CREATE FOREIGN TABLE t (a int, a text) SERVER s;", "a"],
    ["CREATE VIEW v (a, a) AS SELECT 1, 2;", "a"],
    ["CREATE VIEW v AS SELECT 1 a, 2 a;", "a"],
    ["CREATE VIEW v AS SELECT 1, 2;", "?column?"],
    ["CREATE VIEW v AS SELECT a + 1, a + 2 FROM t;", "?column?"],
    ["CREATE VIEW v AS SELECT u.id, o.id FROM u JOIN o ON true;", "id"],
    ["SELECT 1 a, 2 a INTO z;", "a"],
    ["CREATE TABLE z (c, c) AS SELECT 1, 2;", "c"],
  ])("%s", async (sql, column) => {
    const f = (await checkSql(sql)).statements[0]!.findings.filter((x) => x.rule === "ban-duplicate-column-assignments");
    expect(f.map((x) => [x.severity, x.message.split(" ")[1]])).toEqual([["error", column]]);
  });

  it("allows different fields or elements of one column, a column list that renames, and different names", async () => {
    const ok = [
      "UPDATE k SET a.x = 1, a.y = 2;",
      "UPDATE k SET a[1] = 1, a[2] = 2;",
      'UPDATE k SET "A" = 1, A = 2;',
      "INSERT INTO k (a.x, a.y) VALUES (1, 2);",
      "CREATE VIEW v (a, b) AS SELECT 1 a, 2 a;",
      "CREATE VIEW v AS SELECT t.a, u.b, nullif(a, 0), a + 1 FROM t, u;",
      "CREATE VIEW v AS SELECT * FROM t, u;",
      "INSERT INTO k (a) VALUES (1) ON CONFLICT (a) DO UPDATE SET b = 1;",
    ];
    for (const sql of ok) expect(rulesFired(await checkSql(sql), "ban-duplicate-column-assignments"), sql).toEqual([]);
  });
});
