import { describe, expect, it } from "vitest";
import { renderSarif } from "../../src/render/sarif.js";
import { sampleReport } from "./fixtures.js";
import { sarifLog, sarifProblems } from "./sarif-schema.js";

const rules = [
  { id: "adding-required-field", severity: "error" as const, summary: "NOT NULL column without a default", docs: { bad: "ALTER TABLE t ADD COLUMN c int NOT NULL;", good: "ALTER TABLE t ADD COLUMN c int;" } },
  { id: "require-concurrent-index-creation", severity: "error" as const, summary: "CREATE INDEX without CONCURRENTLY", docs: { bad: "CREATE INDEX i ON t (c);", good: "CREATE INDEX CONCURRENTLY i ON t (c);" } },
  { id: "require-timeout-settings", severity: "warning" as const, summary: "strong lock without lock_timeout" },
];

describe("SARIF 2.1.0 output", () => {
  const log = sarifLog.parse(JSON.parse(renderSarif(sampleReport, rules)));

  it("validates against the SARIF 2.1.0 structure", () => {
    expect(sarifProblems(log)).toEqual([]);
  });

  it("has one result per finding and per input error, at the statement's line and column", () => {
    const results = log.runs[0]!.results;
    expect(results.map((r) => [r.ruleId, r.level, r.locations[0]!.physicalLocation.region.startLine, r.locations[0]!.physicalLocation.region.startColumn])).toEqual([
      ["adding-required-field", "error", 2, 1],
      ["require-timeout-settings", "warning", 2, 1],
      ["require-concurrent-index-creation", "error", 3, 1],
      ["syntax-error", "error", 3, 8],
    ]);
    expect(results[3]!.locations[0]!.physicalLocation.artifactLocation.uri).toBe("db/migrations/0043%20broken.sql");
  });

  it("marks ignored findings as in-source suppressions with the reason", () => {
    const ignored = log.runs[0]!.results.find((r) => r.ruleId === "require-timeout-settings")!;
    expect(ignored.suppressions).toEqual([{ kind: "inSource", justification: "set by the deploy tool" }]);
    expect(log.runs[0]!.results.filter((r) => r.suppressions).length).toBe(1);
  });

  it("lists every rule in the driver, plus the input error codes that occurred", () => {
    expect(log.runs[0]!.tool.driver.rules.map((r) => r.id)).toEqual([...rules.map((r) => r.id), "syntax-error"]);
  });

  it("links every rule to its section of docs/rules.md (helpUri), when given where that is", () => {
    const linked = sarifLog.parse(JSON.parse(renderSarif(sampleReport, rules, { rulesDocUrl: "https://example.org/docs/rules.md" })));
    expect(sarifProblems(linked)).toEqual([]);
    expect(linked.runs[0]!.tool.driver.rules.slice(0, rules.length).map((r) => r.helpUri)).toEqual(rules.map((r) => `https://example.org/docs/rules.md#${r.id}`));
    expect(log.runs[0]!.tool.driver.rules[0]!.helpUri).toBeUndefined();
  });

  it("shows the rollback plan: each result's statement's rollback, and each file's plan (last statement first) as a property", () => {
    const index = log.runs[0]!.results.find((r) => r.ruleId === "require-concurrent-index-creation")!;
    expect(index.message.text).toContain("Rollback (clean, verified):\nDROP INDEX CONCURRENTLY IF EXISTS users_role_idx;");
    const raw = JSON.parse(renderSarif(sampleReport, rules));
    expect(raw.runs[0].artifacts).toEqual([
      { location: { uri: "db/migrations/0042_add_role.up.sql" }, properties: { rollback: [...sampleReport.files[0]!.rollback!].reverse() } },
    ]);
  });

  it("the structural validation rejects what GitHub would reject", () => {
    const bad = JSON.parse(renderSarif(sampleReport, rules));
    bad.runs[0].results[0].level = "fatal";
    delete bad.runs[0].results[1].locations[0].physicalLocation.region.startLine;
    expect(sarifLog.safeParse(bad).success).toBe(false);
  });
});
