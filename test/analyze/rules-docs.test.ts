import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { rules } from "../../src/analyze/rules/index.js";
import { rulesMarkdown } from "../../src/analyze/rules-docs.js";
import { REPO_ROOT } from "../helpers/cli.js";

describe("docs/rules.md", () => {
  it("is up to date with the rule definitions (regenerate with npm run docs:rules)", () => {
    expect(readFileSync(path.join(REPO_ROOT, "docs/rules.md"), "utf8")).toBe(rulesMarkdown(rules));
  });

  it("documents every rule with its examples", () => {
    const md = rulesMarkdown(rules);
    for (const r of rules) {
      expect(md).toContain(`## ${r.id}\n`);
      expect(md).toContain(r.docs.bad);
    }
  });
});
