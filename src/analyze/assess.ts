import type { StatementSummary } from "./describe.js";
import type { LockPrediction } from "./locks.js";
import { createsRelation } from "./rule-helpers.js";
import { assessRisk } from "./risk/risk.js";
import { setsLockTimeout, workOf } from "./risk/work.js";
import { RuleRunner } from "./run-rules.js";
import type { SchemaContext } from "./schema.js";
import type { SourceFile } from "./sources.js";
import type { StatementReport } from "./types.js";

/**
 * Part 2 of `check` for one file, statement by statement as the analyzer walks it (the schema is
 * the one just before each statement): rule findings, risk and the duration estimate.
 */
export class FileAssessor {
  private readonly runner: RuleRunner;
  private lockTimeout = false;
  private readonly assumed = new Set<string>();

  constructor(source: SourceFile, summaries: StatementSummary[], lines: number[], pgVersion: number) {
    const wrapped = source.wrap === "transaction" || (source.wrap === "transaction-unless-non-transactional" && summaries.every((s) => s.transactional));
    this.runner = new RuleRunner({ path: source.path, source: source.text ?? "", pgVersion, statements: summaries, lines, wrapped, assume: (a) => this.assumed.add(a) });
  }

  /** Fill `report`'s findings, risk, riskReasons and estimate. */
  statement(index: number, summary: StatementSummary, prediction: LockPrediction, report: StatementReport, schema: SchemaContext): void {
    report.findings = this.runner.check(index, report, schema.snapshot, { lockTimeout: this.lockTimeout, scans: prediction.scans });
    this.lockTimeout = setsLockTimeout(summary) ?? this.lockTimeout;
    const isNew = (r: string) => schema.isNew(r) || (r === summary.relation && createsRelation(summary));
    const risk = assessRisk({ locks: prediction.locks, work: workOf(summary, prediction, isNew), schema: schema.snapshot, lockTimeout: this.lockTimeout, isNew });
    report.risk = risk.risk;
    if (risk.estimate) report.estimate = risk.estimate;
    if (risk.reasons.length) report.riskReasons = risk.reasons;
    for (const a of risk.assumptions) this.assumed.add(a);
  }

  /** What the risk and the rules assumed (no --db: sizes and traffic), once each. */
  assumptions(): string[] {
    return [...this.assumed];
  }
}
