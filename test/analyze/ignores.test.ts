import { beforeAll, describe, expect, it } from "vitest";
import { loadParser as loadModule } from "../../src/analyze/parse.js";
import { IgnoreIndex, parseIgnoreDirectives } from "../../src/analyze/ignores.js";

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
