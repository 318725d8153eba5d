import { expect } from "vitest";
import { analyzeSql } from "../../src/analyze/analyze.js";
import type { FileReport, Finding, SchemaSnapshot } from "../../src/analyze/types.js";

export interface CheckSqlOptions {
  /** default: a plain numbered file, run statement by statement (autocommit) */
  path?: string;
  layout?: string;
  pgVersion?: number;
  schema?: SchemaSnapshot;
}

/** One SQL text checked as a migration file (no syntax errors expected). */
export async function checkSql(sql: string, opts: CheckSqlOptions = {}): Promise<FileReport> {
  const report = await analyzeSql(opts.path ?? "0001_case.sql", sql, {
    ...(opts.layout ? { layout: opts.layout } : {}),
    ...(opts.pgVersion ? { pgVersion: opts.pgVersion } : {}),
    ...(opts.schema ? { schema: opts.schema } : {}),
  });
  const file = report.files[0]!;
  expect(file.errors).toEqual([]);
  return file;
}

/** The findings that are not ignored, per statement, as [rule, severity] pairs. */
export function active(file: FileReport): Finding[][] {
  return file.statements.map((s) => s.findings.filter((f) => !f.ignored));
}

/** The rule ids that fired (not ignored) anywhere in the file. */
export function rulesFired(file: FileReport, only?: string): string[] {
  return active(file)
    .flat()
    .map((f) => f.rule)
    .filter((r) => !only || r === only);
}
