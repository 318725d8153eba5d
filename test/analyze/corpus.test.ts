import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { analyzePaths } from "../../src/analyze/analyze.js";
import { REPO_ROOT } from "../helpers/cli.js";

const CORPUS = path.resolve(REPO_ROOT, "../shared/corpus");
const INDEX = path.join(CORPUS, "index.jsonl");

interface IndexEntry {
  path: string;
  parse_ok: boolean;
  statements: number;
}

describe.skipIf(!existsSync(INDEX))("real-world corpus (../shared/corpus)", () => {
  it("yields a result for every file: statements, or a syntax error where the index says so, and no internal errors", async () => {
    const entries = readFileSync(INDEX, "utf8").trim().split("\n").map((l) => JSON.parse(l) as IndexEntry);
    const report = await analyzePaths(entries.map((e) => path.join(CORPUS, e.path)));
    expect(report.files).toHaveLength(entries.length);
    const problems: string[] = [];
    report.files.forEach((f, i) => {
      const e = entries[i]!;
      const codes = f.errors.map((x) => x.code);
      if (codes.some((c) => c !== "syntax-error")) problems.push(`${e.path}: ${JSON.stringify(f.errors)}`);
      else if (e.parse_ok && (codes.length > 0 || f.statements.length !== e.statements)) problems.push(`${e.path}: ${f.statements.length} statements, expected ${e.statements}; ${JSON.stringify(f.errors)}`);
      else if (!e.parse_ok && !codes.includes("syntax-error")) problems.push(`${e.path}: expected a syntax error`);
      for (const s of f.statements) if (!s.kind || s.line < 1 || s.column < 1) problems.push(`${e.path}: bad statement ${JSON.stringify(s)}`);
    });
    expect(problems).toEqual([]);
  });
});

if (!existsSync(INDEX)) console.warn(`corpus test skipped: ${INDEX} not found`);
