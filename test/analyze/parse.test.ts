import { beforeAll, describe, expect, it } from "vitest";
import { loadParser, parseSql } from "../../src/analyze/parse.js";

beforeAll(() => loadParser());

describe("parseSql positions", () => {
  it("points at the first token, skipping leading comments and blank lines", () => {
    const sql = "-- header comment\n\n/* block /* nested */ */\n   ALTER TABLE users ADD COLUMN a int;\n-- between\nSELECT 1";
    const r = parseSql(sql);
    expect(r.errors).toEqual([]);
    expect(r.statements.map((s) => [s.line, s.column, s.sql])).toEqual([
      [4, 4, "ALTER TABLE users ADD COLUMN a int"],
      [6, 1, "SELECT 1"],
    ]);
  });

  it("counts columns in characters, not UTF-8 bytes", () => {
    const sql = "SELECT 'é€😀'; SELECT 2;\nCOMMENT ON TABLE t IS 'ünïcode'; SELECT 3";
    const r = parseSql(sql);
    expect(r.statements.map((s) => [s.line, s.column])).toEqual([
      [1, 1],
      [1, 15],
      [2, 1],
      [2, 34],
    ]);
    expect(r.statements[2]!.sql).toBe("COMMENT ON TABLE t IS 'ünïcode'");
  });

  it("reports a syntax error with line and character column", () => {
    const r = parseSql("SELECT 'é';\nCREATE TABL x ();");
    expect(r.statements).toEqual([]);
    expect(r.errors).toEqual([{ code: "syntax-error", message: 'syntax error at or near "TABL"', line: 2, column: 8 }]);
  });

  it("treats whitespace and comments only as no statements", () => {
    expect(parseSql("")).toEqual({ statements: [], errors: [] });
    expect(parseSql("  -- nothing\n/* here */\n")).toEqual({ statements: [], errors: [] });
  });

  it("parses a DO block body with PL/pgSQL", () => {
    const r = parseSql("DO $$\nBEGIN\n  LOOP\n    UPDATE users SET n = lower(e) WHERE id IN (SELECT id FROM users WHERE n IS NULL LIMIT 1000);\n    EXIT WHEN NOT FOUND;\n    COMMIT;\n  END LOOP;\nEND $$;");
    expect(r.statements).toHaveLength(1);
    expect(JSON.stringify(r.statements[0]!.plpgsql)).toContain("PLpgSQL_stmt_loop");
  });

  it("reports deep nesting as an error instead of crashing", () => {
    const r = parseSql(`SELECT ${"(".repeat(100_000)}1${")".repeat(100_000)}`);
    expect(r.statements).toEqual([]);
    expect(r.errors[0]!.code).toBe("syntax-error");
  });
});
