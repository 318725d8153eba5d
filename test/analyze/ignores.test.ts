import { beforeAll, describe, expect, it } from "vitest";
import { loadParser as loadModule } from "../../src/analyze/parse.js";
import { IgnoreIndex, parseIgnoreDirectives } from "../../src/analyze/ignores.js";
import { checkSql } from "../helpers/check-sql.js";

beforeAll(async () => {
  await loadModule();
});

describe("ignore comments", () => {
  it("reads statement and file directives with their rules and reasons", () => {
    const sql = [
      "-- lockstep-ignore-file prefer-text-field",
      "-- lockstep-ignore require-concurrent-index-creation, renaming-column: table is empty until launch",
      "CREATE INDEX i ON t (c);",
    ].join("\n");
    expect(parseIgnoreDirectives(sql)).toEqual([
      { scope: "file", rules: ["prefer-text-field"], line: 1 },
      { scope: "statement", rules: ["require-concurrent-index-creation", "renaming-column"], reason: "table is empty until launch", line: 2 },
    ]);
  });

  it("ignores look-alikes inside strings and dollar-quoted bodies", () => {
    const sql = "SELECT '-- lockstep-ignore a: no';\nDO $$ BEGIN -- lockstep-ignore b: no\n END $$;\nSELECT 1;";
    expect(parseIgnoreDirectives(sql)).toEqual([
      // the comment inside the DO body is inside a string literal for the outer scanner
    ]);
  });

  it("applies a statement directive to the next statement only, a file directive everywhere", () => {
    const sql = "SELECT 1;\n-- lockstep-ignore r1: why\n\nSELECT 2;\nSELECT 3;\n-- lockstep-ignore-file r2";
    const index = new IgnoreIndex(parseIgnoreDirectives(sql), [1, 4, 5]);
    expect(index.match("r1", 1)).toBeUndefined();
    expect(index.match("r1", 4)).toEqual({ ignored: true, reason: "why" });
    expect(index.match("r1", 5)).toBeUndefined();
    expect(index.match("r2", 1)).toEqual({ ignored: true });
    expect(index.match("r3", 4)).toBeUndefined();
  });

  it("a directive after the last statement silences nothing", () => {
    const index = new IgnoreIndex(parseIgnoreDirectives("SELECT 1;\n-- lockstep-ignore r1: late"), [1]);
    expect(index.match("r1", 1)).toBeUndefined();
  });

  it("skips malformed directives (no rule id)", () => {
    expect(parseIgnoreDirectives("-- lockstep-ignore : reason only\nSELECT 1;")).toEqual([]);
  });
});

describe("ignore comments that name no rule or silence nothing (unused-ignore)", () => {
  const audit = async (sql: string) => {
    const file = await checkSql(sql);
    return file.statements.map((s) => s.findings.filter((f) => f.rule === "unused-ignore").map((f) => [f.severity, f.message, f.fix]));
  };

  it("a misspelt id is a warning naming the closest rule id, and the finding it meant to silence stays", async () => {
    const sql = "-- lockstep-ignore ban-drop-colum: unused since 2024\nALTER TABLE users DROP COLUMN legacy;";
    const [first] = await audit(sql);
    expect(first).toEqual([["warning", "line 1: lockstep-ignore names ban-drop-colum, which is no rule id: did you mean ban-drop-column? (it silences nothing)", "-- lockstep-ignore ban-drop-column"]]);
    const drop = (await checkSql(sql)).statements[0]!.findings.find((f) => f.rule === "ban-drop-column")!;
    expect(drop.ignored).toBe(false);
  });

  it("a file directive with an unknown id is reported on the first statement", async () => {
    const [first, second] = await audit("SELECT 1;\n-- lockstep-ignore-file prefer-txt-field\nCREATE TABLE a (x varchar(10));");
    expect(first!.map((x) => x[1])).toEqual(["line 2: lockstep-ignore names prefer-txt-field, which is no rule id: did you mean prefer-text-field? (it silences nothing)"]);
    expect(second).toEqual([]);
  });

  it("a known id that silences nothing is reported: on its statement, at the end of the file for file directives, and when no statement follows", async () => {
    const result = await audit(
      "-- lockstep-ignore-file prefer-text-field, ban-drop-table\nCREATE TABLE a (x varchar(10));\n-- lockstep-ignore renaming-column: old habit\nALTER TABLE a ADD COLUMN y text;\n-- lockstep-ignore renaming-table",
    );
    expect(result[0]).toEqual([]);
    expect(result[1]!.map((x) => x[1])).toEqual([
      "line 3: lockstep-ignore renaming-column silences nothing: renaming-column finds nothing in this statement",
      "line 1: lockstep-ignore ban-drop-table silences nothing: ban-drop-table finds nothing in this file",
      "line 5: lockstep-ignore renaming-table silences nothing: no statement follows it",
    ]);
  });

  it("ids squawk uses, and renamed ids, are aliases: they silence the rule and are not reported", async () => {
    const file = await checkSql(
      "-- lockstep-ignore adding-primary-key-constraint, require-lock-timeout: table is empty\nALTER TABLE items ADD PRIMARY KEY (id);\n-- lockstep-ignore prefer-timestamp-tz: legacy\nALTER TABLE items ADD COLUMN at timestamp;",
    );
    expect(file.statements.map((s) => s.findings.map((f) => [f.rule, f.ignored]))).toEqual([
      [
        ["adding-serial-primary-key-field", true],
        ["require-timeout-settings", true],
      ],
      [["prefer-timestamptz", true]],
    ]);
  });

  it("a directive over a line of several statements is used when any of them needs it", async () => {
    const file = await checkSql("-- lockstep-ignore ban-drop-column\nSELECT 1; ALTER TABLE users DROP COLUMN legacy; SELECT 2;");
    expect(file.statements.flatMap((s) => s.findings.filter((f) => f.rule === "unused-ignore"))).toEqual([]);
    expect(file.statements[1]!.findings.find((f) => f.rule === "ban-drop-column")!.ignored).toBe(true);
  });

  it("unused-ignore findings can themselves be silenced for the file", async () => {
    const file = await checkSql("-- lockstep-ignore-file unused-ignore\n-- lockstep-ignore no-such-rule\nSELECT 1;");
    expect(file.statements[0]!.findings.map((f) => [f.rule, f.ignored])).toEqual([["unused-ignore", true]]);
  });
});
