import { statSync } from "node:fs";
import path from "node:path";
import type { AnalyzedFile } from "../analyze/analyze.js";
import { IgnoreIndex, parseIgnoreDirectives } from "../analyze/ignores.js";
import { maxRisk } from "../analyze/risk/risk.js";
import { RISKS, type CheckReport, type EvidenceSources, type Finding, type StatementReport } from "../analyze/types.js";
import { connect } from "../db/connection.js";
import { queryStatsAccess, statementsMentioning } from "../db/query-stats.js";
import { frameworksFor, projectFrameworks } from "./code/frameworks.js";
import { displayPath, searchCode } from "./code/search.js";
import { codeFinding, queryFinding, type UsageFinding } from "./findings.js";
import { columnForms, tableForms, type NameForms } from "./names.js";
import { scanStatement, statementsUsing } from "./queries.js";
import { usageTargets, type UsageTarget } from "./targets.js";

export interface UsageEvidenceOptions {
  /** search the application's source (check --code, the target's `code` setting) */
  code?: {
    /** existing directories (see codeDirs) */
    dirs: string[];
    /** directories given that do not exist (reported, not searched) */
    missing?: string[];
    /** never searched: the migrations being checked */
    exclude: string[];
    /** results name files relative to it */
    base: string;
    env: NodeJS.ProcessEnv;
    searcher?: "auto" | "builtin";
  };
  /** read pg_stat_statements on this database (read-only) */
  db?: string;
}

/** Split the configured code directories into those that exist and those that do not. */
export function codeDirs(dirs: string[], base: string): { dirs: string[]; missing: string[] } {
  const out = { dirs: [] as string[], missing: [] as string[] };
  for (const d of dirs) {
    let isDir = false;
    try {
      isDir = statSync(path.resolve(base, d)).isDirectory();
    } catch {
      // missing
    }
    (isDir ? out.dirs : out.missing).push(d);
  }
  return out;
}

/**
 * For every statement that drops, renames or retypes a column or table the application may
 * still use: search the code and the database's recorded statements for the old name, and add
 * what was found to the statement's findings (`code-references`, `live-queries`) and to
 * `report.evidence`. Costs nothing when no statement does any of that.
 */
export async function addUsageEvidence(files: AnalyzedFile[], report: CheckReport, opts: UsageEvidenceOptions): Promise<void> {
  const targets = usageTargets(files);
  if (targets.length === 0 || (!opts.code && !opts.db)) return;
  const found = new Map<UsageTarget, UsageFinding[]>(targets.map((t) => [t, []]));
  const evidence: EvidenceSources = {};
  if (opts.code) evidence.code = await searchTargets(targets, opts.code, found);
  if (opts.db) evidence.queries = await queryTargets(targets, opts.db, found);
  report.evidence = evidence;
  attach(files, found);
}

async function searchTargets(targets: UsageTarget[], opts: NonNullable<UsageEvidenceOptions["code"]>, found: Map<UsageTarget, UsageFinding[]>): Promise<NonNullable<EvidenceSources["code"]>> {
  const roots = opts.dirs.map((d) => path.resolve(opts.base, d));
  const searched = { dirs: roots.map((d) => displayPath(opts.base, d)), ...(opts.missing?.length ? { missing: opts.missing } : {}) };
  // nothing to search (every configured directory is missing): no finding may claim "no references"
  if (roots.length === 0) return { ...searched, files: 0, searcher: "builtin" };
  const project = projectFrameworks(roots);
  // one search for all names; targets naming the same column or table share it
  const keys = [...new Set(targets.map(nameKey))];
  const forms: NameForms[] = keys.map((k) => {
    const t = targets.find((x) => nameKey(x) === k)!;
    return t.column ? columnForms(t.column) : tableForms(t.table, { django: project.has("django") });
  });
  const result = await searchCode({ dirs: roots, exclude: opts.exclude, names: forms, base: opts.base, env: opts.env, ...(opts.searcher ? { searcher: opts.searcher } : {}) });
  for (const t of targets) {
    const i = keys.indexOf(nameKey(t));
    const hits = result.hits[i]!;
    const frameworks = frameworksFor([...new Set(hits.map((h) => h.path))], result.frameworks, project);
    const f = forms[i]!;
    found.get(t)!.push(codeFinding(t, { name: t.label, forms: [...f.exact, ...f.anyCase.map((x) => `${x} (any case)`)], files: result.files, total: hits.length, hits }, frameworks));
  }
  return { ...searched, files: result.files, searcher: result.searcher };
}

async function queryTargets(targets: UsageTarget[], url: string, found: Map<UsageTarget, UsageFinding[]>): Promise<NonNullable<EvidenceSources["queries"]>> {
  const client = await connect(url, { readonly: true, applicationName: "lockstep check" });
  try {
    const access = await queryStatsAccess(client);
    if (!access.available) return { available: false, note: access.note, hint: access.hint };
    const recorded = (await statementsMentioning(client, access.schema, [...new Set(targets.map((t) => t.table))])).map(scanStatement);
    for (const t of targets) {
      const m = statementsUsing(recorded, t.table, t.column);
      found.get(t)!.push(queryFinding(t, { name: t.label, ...m, ...(access.since ? { since: access.since } : {}) }));
    }
    return { available: true, ...(access.since ? { since: access.since } : {}) };
  } finally {
    await client.end().catch(() => undefined);
  }
}

function nameKey(t: UsageTarget): string {
  return t.column ? `${t.table}.${t.column}` : t.table;
}

/**
 * Dropping or renaming what the application still uses breaks it the moment the statement commits,
 * however small the table: such a statement is at least high risk (its error finding not ignored).
 */
function raiseRiskForUse(stmt: StatementReport, t: UsageTarget): void {
  const inUse = stmt.findings.some((f) => f.severity === "error" && !f.ignored && f.evidence);
  if (!inUse || RISKS.indexOf(stmt.risk) >= RISKS.indexOf("high")) return;
  stmt.risk = "high";
  (stmt.riskReasons ??= []).push(`the application still uses ${nameKey(t)}: it fails as soon as this commits`);
}

const SEVERITY_ORDER = { error: 0, warning: 1, info: 2 } as const;

/** Into each statement's findings, after the rules' own; `-- lockstep-ignore code-references: why` silences them like any rule. */
function attach(files: AnalyzedFile[], found: Map<UsageTarget, UsageFinding[]>): void {
  const ignores = new Map<number, IgnoreIndex>();
  for (const [t, list] of found) {
    const file = files[t.file]!;
    const stmt = file.report.statements[t.statement]!;
    let index = ignores.get(t.file);
    if (!index) ignores.set(t.file, (index = new IgnoreIndex(parseIgnoreDirectives(file.source.text ?? ""), file.report.statements.map((s) => s.line))));
    for (const f of list) {
      const ignore = index.match(f.rule, stmt.line);
      const finding: Finding = { rule: f.rule, severity: f.severity, message: f.message, ...(f.fix ? { fix: f.fix } : {}), ignored: Boolean(ignore), ...(ignore?.reason ? { ignoreReason: ignore.reason } : {}), evidence: f.evidence };
      stmt.findings.push(finding);
    }
    stmt.findings.sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]);
    raiseRiskForUse(stmt, t);
    file.report.risk = maxRisk(file.report.statements.map((s) => s.risk));
  }
}
