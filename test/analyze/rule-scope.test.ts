import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { analyzeSource } from "../../src/analyze/analyze.js";
import { inScope, type RuleContext } from "../../src/analyze/rules/define.js";
import { rules } from "../../src/analyze/rules/index.js";
import { loadParser } from "../../src/analyze/parse.js";
import { SchemaContext } from "../../src/analyze/schema.js";
import { sourceFromBuffer } from "../../src/analyze/sources.js";
import { REPO_ROOT } from "../helpers/cli.js";
import { LOCK_CASES } from "./lock-cases.js";

/** SQL of many statement kinds: every rule's examples, the lock cases, the example migrations. */
function samples(): string[] {
  const out = rules.flatMap((r) => [r.docs.bad, r.docs.good]);
  for (const c of LOCK_CASES) out.push(`${c.setup ?? ""}\n${c.sql}`);
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".sql")) out.push(readFileSync(p, "utf8"));
    }
  };
  walk(path.join(REPO_ROOT, "examples"));
  return out;
}

describe("rule scopes (appliesTo)", () => {
  it("a rule finds nothing on statements outside its scope, even where every table is assumed to exist", async () => {
    await loadParser();
    let outOfScope = 0;
    for (const sql of samples()) {
      const file = analyzeSource(sourceFromBuffer("m.sql", Buffer.from(sql), "plain"), new SchemaContext(), 18);
      const statements = file.statements.map((s) => s.summary);
      file.statements.forEach(({ summary, report }, index) => {
        for (const rule of rules) {
          if (inScope(rule.appliesTo, summary)) continue;
          outOfScope++;
          for (const pgVersion of [11, 18]) {
            for (const inTransaction of [false, true]) {
              const ctx: RuleContext = {
                statement: { ...summary, inTransaction, newTable: false },
                report,
                schema: { source: "statements", relations: {}, types: {}, assumptions: [] }, // nothing known: every relation "exists"
                file: { path: "m.sql", statements, reports: [], index, wrapped: inTransaction, memo: (_k, f) => f() },
                pgVersion,
                lockTimeout: false,
                scans: [],
                assume: () => {},
              };
              expect(rule.check(ctx), `${rule.id} fired outside its scope on ${summary.kind}: ${report.sql.slice(0, 80)}`).toEqual([]);
            }
          }
        }
      });
    }
    expect(outOfScope).toBeGreaterThan(1000); // the samples exercise the scopes
  });

  it("each scoped rule still fires on its bad example (its scope covers it)", async () => {
    await loadParser();
    for (const rule of rules.filter((r) => r.appliesTo)) {
      const file = analyzeSource(sourceFromBuffer("m.sql", Buffer.from(rule.docs.bad), "plain"), new SchemaContext(), rule.docs.pgVersion ?? 18);
      expect(file.statements.some((s) => inScope(rule.appliesTo, s.summary)), rule.id).toBe(true);
    }
  });
});
