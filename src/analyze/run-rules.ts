import type { Finding, SchemaSnapshot } from "./types.js";
import type { Rule, RuleContext, RuleStatement } from "./rules/define.js";
import { IgnoreIndex, parseIgnoreDirectives } from "./ignores.js";
import { rules as allRules } from "./rules/index.js";

export interface RuleInput {
  statement: RuleStatement;
  report: RuleContext["report"];
  /** the schema just before this statement */
  schema: SchemaSnapshot;
}

export interface RunRulesOptions {
  path: string;
  /** the file's text, for ignore comments */
  source: string;
  pgVersion: number;
  rules?: readonly Rule[];
}

const SEVERITY_ORDER = { error: 0, warning: 1, info: 2 } as const;

/**
 * Every rule on every statement of one file. Returns the findings per statement (same order as
 * `inputs`); ignored findings stay, marked `ignored` with the comment's reason.
 */
export function runRules(inputs: RuleInput[], opts: RunRulesOptions): Finding[][] {
  const rules = opts.rules ?? allRules;
  const ignores = new IgnoreIndex(parseIgnoreDirectives(opts.source), inputs.map((i) => i.report.line));
  const statements = inputs.map((i) => i.statement);
  return inputs.map((input, index) => {
    const ctx: RuleContext = {
      statement: input.statement,
      report: input.report,
      schema: input.schema,
      file: { path: opts.path, statements, index },
      pgVersion: opts.pgVersion,
    };
    const findings: Finding[] = [];
    for (const rule of rules) {
      for (const f of rule.check(ctx)) {
        const ignore = ignores.match(rule.id, input.report.line);
        findings.push({
          rule: rule.id,
          severity: f.severity ?? rule.severity,
          message: f.message,
          ...(f.fix ? { fix: f.fix } : {}),
          ignored: Boolean(ignore),
          ...(ignore?.reason ? { ignoreReason: ignore.reason } : {}),
        });
      }
    }
    return findings.sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]);
  });
}
