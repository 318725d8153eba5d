import { readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { analyzeSql } from "../../src/analyze/analyze.js";
import type { Rule } from "../../src/analyze/rules/define.js";
import { rules } from "../../src/analyze/rules/index.js";
import { REPO_ROOT } from "../helpers/cli.js";

const RULES_DIR = path.join(REPO_ROOT, "src/analyze/rules");
const FRAMEWORK = new Set(["index.ts", "define.ts"]);
const ruleFiles = readdirSync(RULES_DIR).filter((f) => f.endsWith(".ts") && !FRAMEWORK.has(f));

async function findingsOf(rule: Rule, sql: string) {
  const report = await analyzeSql("migration.sql", sql, rule.docs.pgVersion ? { pgVersion: rule.docs.pgVersion } : {});
  const file = report.files[0]!;
  expect(file.errors, `${rule.id}: example does not parse`).toEqual([]);
  return file.statements.flatMap((s) => s.findings).filter((f) => f.rule === rule.id && !f.ignored);
}

describe("rule catalogue", () => {
  it("every file in rules/ is listed in index.ts, under its file name as id", async () => {
    for (const file of ruleFiles) {
      const mod = (await import(path.join(RULES_DIR, file))) as { default: Rule };
      expect(rules, `${file} is not listed in rules/index.ts`).toContain(mod.default);
      expect(mod.default.id).toBe(file.replace(/\.ts$/, ""));
    }
    expect(rules.length).toBe(ruleFiles.length);
  });

  it("ids are unique kebab-case; every rule has a summary and docs", () => {
    expect(new Set(rules.map((r) => r.id)).size).toBe(rules.length);
    for (const r of rules) {
      expect(r.id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(["error", "warning", "info"]).toContain(r.severity);
      expect(r.summary.length, r.id).toBeGreaterThan(10);
      expect(r.docs.bad.trim(), r.id).not.toBe("");
      expect(r.docs.good.trim(), r.id).not.toBe("");
    }
  });

  for (const rule of rules) {
    it(`${rule.id}: the bad example fires with a message and a fix, the good one stays silent`, async () => {
      const bad = await findingsOf(rule, rule.docs.bad);
      expect(bad.length, `${rule.id} did not fire on its bad example`).toBeGreaterThan(0);
      for (const f of bad) {
        expect(f.message).not.toBe("");
        expect(f.fix, `${rule.id} gives no fix`).toBeTruthy();
      }
      expect(await findingsOf(rule, rule.docs.good), `${rule.id} fired on its good example`).toEqual([]);
    });
  }
});
