import type { Finding, SchemaSnapshot } from "./types.js";
import { inScope, type Rule, type RuleContext, type RuleFinding, type RuleStatement } from "./rules/define.js";
import { IgnoreAudit } from "./ignore-audit.js";
import { IgnoreIndex, parseIgnoreDirectives } from "./ignores.js";
import { rules as allRules } from "./rules/index.js";
import unusedIgnore from "./rules/unused-ignore.js";

export interface RuleRunnerOptions {
  path: string;
  /** the file's text, for ignore comments */
  source: string;
  pgVersion: number;
  /** every statement's summary, in order */
  statements: RuleStatement[];
  /** every statement's first line (for statement-level ignore comments) */
  lines: number[];
  /** the migration tool wraps the file in a transaction (from the layout) */
  wrapped?: boolean;
  rules?: readonly Rule[];
  /** where rules' assumptions go */
  assume?: (text: string) => void;
}

const SEVERITY_ORDER = { error: 0, warning: 1, info: 2 } as const;

/** Per rule list: the rules in scope for each statement shape (kind, has actions, has columns), in list order. */
const scopedLists = new WeakMap<readonly Rule[], Map<string, readonly Rule[]>>();

function rulesInScope(rules: readonly Rule[], s: RuleStatement): readonly Rule[] {
  let byShape = scopedLists.get(rules);
  if (!byShape) scopedLists.set(rules, (byShape = new Map()));
  const key = `${s.actions.length > 0 ? "a" : "-"}${s.columns.length > 0 ? "c" : "-"}${s.kind}`;
  let list = byShape.get(key);
  if (!list) byShape.set(key, (list = rules.filter((r) => inScope(r.appliesTo, s))));
  return list;
}

const RULE_IDS = allRules.map((r) => r.id);
const BY_ALIAS = new Map(allRules.flatMap((r) => (r.aliases ?? []).map((a) => [a, r.id] as const)));

/** A rule's id for an id or alias as written in an ignore comment (unknown ids unchanged). */
export function canonicalRuleId(id: string): string {
  return BY_ALIAS.get(id) ?? id;
}

/**
 * Runs the rules (those whose `appliesTo` scope covers the statement) on the statements of one
 * file, one statement at a time, while the analyzer
 * walks the file (so `schema` is the schema just before that statement). Ignored findings stay,
 * marked `ignored` with the comment's reason; ignore comments that name no rule or silence
 * nothing are reported (unused-ignore).
 */
export class RuleRunner {
  private readonly rules: readonly Rule[];
  private readonly ignores: IgnoreIndex;
  private readonly audit: IgnoreAudit | undefined;
  private readonly reports: RuleContext["report"][] = [];
  private readonly memos = new Map<string, unknown>();
  private readonly memo = <T>(key: string, compute: () => T): T => {
    if (!this.memos.has(key)) this.memos.set(key, compute());
    return this.memos.get(key) as T;
  };

  constructor(private readonly opts: RuleRunnerOptions) {
    this.rules = opts.rules ?? allRules;
    this.ignores = new IgnoreIndex(parseIgnoreDirectives(opts.source), opts.lines, canonicalRuleId);
    if (!this.ignores.empty && this.rules.includes(unusedIgnore)) this.audit = new IgnoreAudit(this.ignores, RULE_IDS, this.rules === allRules, unusedIgnore.id);
  }

  check(index: number, report: RuleContext["report"], schema: SchemaSnapshot, state: Pick<RuleContext, "lockTimeout" | "scans"> = { lockTimeout: false, scans: [] }): Finding[] {
    this.reports[index] = report;
    const ctx: RuleContext = {
      statement: this.opts.statements[index]!,
      report,
      schema,
      file: { path: this.opts.path, statements: this.opts.statements, reports: this.reports, index, wrapped: this.opts.wrapped ?? false, memo: this.memo },
      pgVersion: this.opts.pgVersion,
      lockTimeout: state.lockTimeout,
      scans: state.scans,
      assume: this.opts.assume ?? (() => {}),
    };
    const findings: Finding[] = [];
    for (const rule of rulesInScope(this.rules, ctx.statement)) for (const f of rule.check(ctx)) findings.push(this.finding(rule, f, report.line));
    if (this.audit) {
      const fired = new Set(findings.map((f) => f.rule));
      const last = index === this.opts.statements.length - 1;
      const at = { first: index === 0, lastOnLine: last || this.opts.lines[index + 1] !== report.line, last };
      for (const f of this.audit.statement(report.line, fired, at)) findings.push(this.finding(unusedIgnore, f, report.line));
    }
    return findings.sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]);
  }

  private finding(rule: Rule, f: RuleFinding, line: number): Finding {
    const ignore = this.ignores.match(rule.id, line);
    return {
      rule: rule.id,
      severity: f.severity ?? rule.severity,
      message: f.message,
      ...(f.fix ? { fix: f.fix } : {}),
      ignored: Boolean(ignore),
      ...(ignore?.reason ? { ignoreReason: ignore.reason } : {}),
    };
  }
}
