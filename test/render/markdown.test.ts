import { describe, expect, it } from "vitest";
import { renderMarkdown } from "../../src/render/markdown.js";
import { sampleReport } from "./fixtures.js";

describe("markdown report", () => {
  it("matches the snapshot (headline, risky statements with findings and fixes, quiet ones counted)", async () => {
    await expect(renderMarkdown(sampleReport)).toMatchFileSnapshot("__snapshots__/check-report.md");
  });

  it("shows the file's rollback plan, last statement first, with each step's recoverability", () => {
    const md = renderMarkdown(sampleReport);
    const plan = md.slice(md.indexOf("<details><summary>Rollback plan"));
    expect(plan).toContain("Rollback plan: 2 steps, last statement first (worst: data-loss)");
    expect(plan.indexOf("undoes line 3 — clean, verified")).toBeLessThan(plan.indexOf("undoes line 2 — data-loss"));
    expect(plan).toContain("ALTER TABLE users DROP COLUMN role;");
  });

  it("fences SQL that itself contains backticks with a longer fence", () => {
    const report = structuredClone(sampleReport);
    report.files[0]!.statements[0]!.sql = "COMMENT ON TABLE users IS '```'";
    expect(renderMarkdown(report)).toContain("````sql\nCOMMENT ON TABLE users IS '```'\n````");
  });

  it("stays under GitHub's comment limit for huge reports", () => {
    const report = structuredClone(sampleReport);
    const st = report.files[0]!.statements[1]!;
    report.files[0]!.statements = Array.from({ length: 2000 }, (_, i) => ({ ...st, index: i, line: i + 1 }));
    const md = renderMarkdown(report);
    expect(md.length).toBeLessThan(65_536);
    expect(md).toContain("report truncated");
  });
});
