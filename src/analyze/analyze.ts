import { FileAssessor } from "./assess.js";
import { AHEAD_MIN_FILES, worthAThread } from "./ahead-worker.js";
import { DescribeAhead, readAndDescribe } from "./describe-ahead.js";
import { describeSql, markNewRelations, type DescribedSql, type StatementSummary } from "./describe.js";
import { rowQuestions, touchFact, type RowQuestion } from "./effects/rows.js";
import { DEFAULT_PG_VERSION, predictLocks, runsInTransactionBlock, type LockPrediction } from "./locks.js";
import { loadParser, type ParsedStatement, type StatementPosition } from "./parse.js";
import { SchemaContext } from "./schema.js";
import { detectLayout, listSources, readSources, sourceFromBuffer, type Layout, type SourceFile } from "./sources.js";
import { rollbackOf, toRollbackEntry, type Rollback } from "../plan/rollback.js";
import { LOCK_MODES, RISKS, type CheckReport, type FileReport, type Risk, type SchemaSnapshot, type StatementReport } from "./types.js";

export interface AnalyzeOptions {
  cwd?: string;
  stdin?: NodeJS.ReadableStream;
  /** starting schema (from --db or --schema); statement-derived when absent */
  schema?: SchemaSnapshot;
  /** Postgres major version to predict for (11..18); default 18 */
  pgVersion?: number;
  /** force a layout instead of detecting it */
  layout?: string;
  /**
   * keep each file's per-statement details (`AnalyzedFile.statements`: parse trees, summaries);
   * default true. Callers that read only `report` pass false: memory stays flat on big inputs.
   */
  keepStatements?: boolean;
  /**
   * read, parse and describe files in a worker thread, ahead of the analysis (describe-ahead.ts):
   * "auto" (default) when statements are not kept, there are enough files to pay for the thread and
   * more than one core; "worker-only" leaves every file to the worker (tests). Never when statements are kept.
   */
  describeAhead?: boolean | "auto" | "worker-only";
  /** how rollback notes' `lockstep save` lines name the database (`--target prod`); default `--db env:DATABASE_URL` */
  dbLabel?: string;
  /**
   * `check --db`: answers questions about the rows UPDATE and DELETE statements touch (effects/rows.ts),
   * read-only on the database, before each file is analysed; unanswered ones are left out of the map.
   */
  probeRows?: (questions: RowQuestion[]) => Promise<Map<string, boolean>>;
}

/** One analysed statement with everything rules need: parse position, typed summary, locks. */
export interface AnalyzedStatement {
  parsed: ParsedStatement;
  summary: StatementSummary;
  prediction: LockPrediction;
  report: StatementReport;
  /** how to undo it (plan/rollback.ts), from the schema just before it */
  rollback?: Rollback;
}

export interface AnalyzedFile {
  source: SourceFile;
  statements: AnalyzedStatement[];
  report: FileReport;
}

/** Analyse files, directories or "-" (stdin) in the order their tool applies them. */
export async function analyzePaths(paths: string[], opts: AnalyzeOptions = {}): Promise<CheckReport> {
  const files = await analyzePathsDetailed(paths, opts);
  return { version: 1, files: files.map((f) => f.report) };
}

/** Analyse one SQL text as if it were the file at `path`. */
export async function analyzeSql(path: string, sql: string | Buffer, opts: Omit<AnalyzeOptions, "cwd" | "stdin"> = {}): Promise<CheckReport> {
  await loadParser();
  const layout = (opts.layout as Layout | undefined) ?? (path === "-" ? "plain" : detectLayout(path, Buffer.isBuffer(sql) ? sql : Buffer.from(sql)));
  const source = sourceFromBuffer(path, Buffer.isBuffer(sql) ? sql : Buffer.from(sql, "utf8"), layout);
  const schema = new SchemaContext(opts.schema);
  await askAboutRows(source, schema, opts.probeRows);
  return { version: 1, files: [analyzeSource(source, schema, opts.pgVersion ?? DEFAULT_PG_VERSION).report] };
}

/** With a probe (check --db): ask the database what the file's UPDATEs, DELETEs and ON CONFLICTs touch, before analysing it. */
export async function askAboutRows(source: SourceFile, schema: SchemaContext, probe: AnalyzeOptions["probeRows"], described?: DescribedSql<StatementPosition>): Promise<void> {
  if (!probe || source.text === undefined || !/\b(update|delete|conflict|insert|do)\b/i.test(source.text)) return;
  const statements = (described ?? describeSql(source.text)).statements;
  // a table the file renames before its DML is asked about under the name the database has now
  const renamed = new Map<string, string>();
  for (const { summary: s } of statements) {
    const to = s.kind === "alter-table" && s.relation ? s.actions.find((a) => a.action === "rename")?.newName : undefined;
    if (to) renamed.set(`${s.relation!.slice(0, s.relation!.indexOf("."))}.${to}`, renamed.get(s.relation!) ?? s.relation!);
  }
  const questions = statements.flatMap(({ summary }) => rowQuestions(summary, schema, renamed));
  if (questions.length) schema.addRowFacts(await probe(questions));
}

/** Like analyzePaths, but keeps the typed summaries (for rules, plans and Slack). */
export function analyzePathsDetailed(paths: string[], opts: AnalyzeOptions = {}): Promise<AnalyzedFile[]> {
  return analyzeEach(paths, opts, (file) => file);
}

/**
 * Analyse files in order and keep only what `each` makes of each one: a caller that needs little
 * of a file (e.g. its JSON) lets the rest go at once, so memory stays flat and the garbage
 * collector does not keep copying thousands of finished reports.
 */
export async function analyzeEach<T>(paths: string[], opts: AnalyzeOptions, each: (file: AnalyzedFile) => T): Promise<T[]> {
  await loadParser();
  const keepStatements = opts.keepStatements ?? true;
  const mode = opts.describeAhead ?? "auto";
  const schema = new SchemaContext(opts.schema);
  const pg = opts.pgVersion ?? DEFAULT_PG_VERSION;
  const out: T[] = [];
  if (keepStatements || mode === false) {
    for (const src of await readSources(paths, opts)) {
      // a fresh parser if an input crashed the last one (resolved at once otherwise)
      await loadParser();
      schema.startMigration();
      if (opts.probeRows) await askAboutRows(src, schema, opts.probeRows);
      out.push(each(analyzeSource(src, schema, pg, { keepStatements, dbLabel: opts.dbLabel })));
    }
    return out;
  }
  const listed = await listSources(paths, opts);
  const ahead = mode !== "auto" || (listed.length >= AHEAD_MIN_FILES && worthAThread()) ? DescribeAhead.start(listed, { steal: mode !== "worker-only" }) : undefined;
  try {
    for (const [i, item] of listed.entries()) {
      await loadParser();
      const { source, described } = ahead ? ahead.take(i, item) : readAndDescribe(item);
      schema.startMigration();
      if (opts.probeRows) await askAboutRows(source, schema, opts.probeRows, described);
      out.push(each(analyzeSource(source, schema, pg, { keepStatements, dbLabel: opts.dbLabel, ...(described ? { described } : {}) })));
    }
    return out;
  } finally {
    ahead?.close();
  }
}

/**
 * Parse, describe and predict one source file, applying its effects to `schema`.
 * With `keepStatements: false`, `statements` stays empty (only `report` is filled).
 * `described`: the file already parsed and described (describe-ahead.ts); statements cannot be kept then.
 */
export function analyzeSource(
  source: SourceFile,
  schema: SchemaContext,
  pg: number,
  opts: { keepStatements?: boolean; described?: DescribedSql<StatementPosition>; dbLabel?: string } = {},
): AnalyzedFile {
  const keep = opts.keepStatements ?? true;
  if (keep && opts.described) throw new Error("analyzeSource: statements described ahead carry no parse trees to keep");
  const report: FileReport = { path: source.path, risk: "low", statements: [], errors: [...source.errors], layout: source.layout };
  const out: AnalyzedFile = { source, statements: [], report };
  if (source.text === undefined) return out;
  const parsed = opts.described ?? describeSql(source.text);
  report.errors.push(...parsed.errors);
  const assumedMark = schema.assumptionCount;
  const summaries = parsed.statements;
  for (const { summary } of summaries) markNewRelations(summary, schema);
  const inTx = transactionStates(source, summaries.map((x) => x.summary));
  const assessor = new FileAssessor(source, summaries.map((x) => x.summary), summaries.map((x) => x.st.line), pg);
  summaries.forEach(({ st, summary }, i) => {
    try {
      summary.newTable = summary.relation ? schema.isNew(summary.relation) : false;
      summary.inTransaction = inTx[i]!;
      summary.transactional = runsInTransactionBlock(summary, schema);
      noteAssumptions(summary, schema);
      const prediction = predictLocks(summary, schema, pg);
      if (!keepsRows(summary)) {
        // a DML statement probed to touch no row leaves its target's rows as they were
        const untouched = summary.dml && summary.relation && !summary.dml.values && touchFact(summary, schema) === false ? summary.relation : undefined;
        for (const l of prediction.locks) if (LOCK_MODES.indexOf(l.mode) >= WRITES && l.relation !== untouched) schema.markWritten(l.relation);
      }
      const stmt = statementReport(st, summary, prediction, schema);
      assessor.statement(i, summary, prediction, stmt, schema);
      const rollback = rollbackOf(summary, schema, st.sql, opts.dbLabel ? { db: opts.dbLabel } : {});
      if (keep) out.statements.push({ parsed: st as ParsedStatement, summary, prediction, report: stmt, rollback });
      report.statements.push(stmt);
      (report.rollback ??= []).push(toRollbackEntry(st.index, rollback));
      // a routine's or rule's body is described from its text when a call or a write reaches it
      if (summary.routine) summary.routine.definition = st.sql;
      if (summary.rule) summary.rule.definition = st.sql;
      schema.apply(summary);
    } catch (e) {
      report.errors.push({ code: "internal-error", message: `statement ${i + 1}: ${(e as Error).message}`, line: st.line, column: st.column });
    }
  });
  report.risk = maxRisk(report.statements.map((s) => s.risk));
  const assumptions = [...schema.assumptionsSince(assumedMark), ...assessor.assumptions()];
  if (assumptions.length) report.assumptions = assumptions;
  return out;
}

/** RowExclusiveLock and stronger: the statement may change rows of that relation. */
const WRITES = LOCK_MODES.indexOf("RowExclusiveLock");

/** ALTER TABLE actions that change which rows a table holds, or their values. */
const ROW_CHANGING_ACTIONS = new Set(["alter-column-type", "attach-partition", "detach-partition", "detach-partition-finalize", "inherit", "no-inherit"]);

/**
 * DDL that leaves every existing row as it was (its strong lock is no write of rows): the answers
 * probed about those tables' rows still hold after it. ALTER COLUMN TYPE (USING) rewrites values;
 * attaching, detaching and inheriting change which rows a table shows; REFRESH replaces them.
 */
function keepsRows(s: StatementSummary): boolean {
  if (s.kind === "alter-table") return !s.actions.some((a) => ROW_CHANGING_ACTIONS.has(a.action));
  if (s.kind === "refresh-materialized-view" || s.kind === "create-table-as" || s.kind === "select") return false;
  return /^(create|drop|alter|comment|grant|revoke|reindex|cluster|vacuum|analyze)-/.test(s.kind) || ["comment", "grant", "revoke", "reindex", "cluster", "vacuum", "analyze"].includes(s.kind);
}

/** Does each statement run inside a transaction block? From the layout and explicit BEGIN/COMMIT. */
export function transactionStates(source: Pick<SourceFile, "wrap">, summaries: StatementSummary[]): boolean[] {
  const wrap = source.wrap;
  const multi = summaries.length > 1;
  const flywayTx = wrap === "transaction-unless-non-transactional" && summaries.every((s) => s.transactional);
  const implicit = wrap === "implicit" && multi;
  let inTx = wrap === "transaction" || implicit || flywayTx;
  return summaries.map((s) => {
    if (s.transaction === "begin") {
      inTx = true;
      return true;
    }
    if (s.transaction === "commit" || s.transaction === "rollback" || s.transaction === "commit-prepared" || s.transaction === "prepare") {
      const was = inTx;
      inTx = implicit; // a multi-statement query starts a new implicit block for what follows
      return was;
    }
    return inTx;
  });
}

function noteAssumptions(s: StatementSummary, schema: SchemaContext): void {
  if (schema.known) return;
  const creates = ["create-table", "create-table-as", "create-view", "create-materialized-view"].includes(s.kind);
  const touched = creates || s.kind === "drop-index" ? [] : s.objects.length ? s.objects : s.relation ? [s.relation] : [];
  const relational = ["table", "partitioned-table", "view", "materialized-view"];
  if (!relational.includes(s.objectType ?? "") && !["insert", "update", "delete", "merge", "truncate"].includes(s.kind)) return;
  for (const t of touched) schema.assumeExisting(t);
}

function statementReport(st: StatementPosition, s: StatementSummary, p: LockPrediction, schema: SchemaContext): StatementReport {
  const r: StatementReport = {
    index: st.index,
    line: st.line,
    column: st.column,
    sql: st.sql,
    kind: s.kind,
    transactional: s.transactional && !(s.doBlock && s.doBlock.commits > 0),
    risk: riskOf(p, schema),
    locks: p.locks,
    rewrites: p.rewrites,
    findings: [],
    inTransaction: s.inTransaction,
  };
  const estimate = estimateOf(p, schema);
  if (estimate) r.estimate = estimate;
  return r;
}

/** Until rules and sizes drive risk (issue 5): the strongest lock on a relation that already existed. */
export function riskOf(p: LockPrediction, schema: SchemaContext): Risk {
  let risk: Risk = "low";
  for (const l of p.locks) {
    if (schema.isNew(l.relation)) continue;
    const i = LOCK_MODES.indexOf(l.mode);
    const r: Risk = i >= LOCK_MODES.indexOf("AccessExclusiveLock") ? "high" : i >= LOCK_MODES.indexOf("ShareLock") ? "medium" : "low";
    risk = maxRisk([risk, r]);
  }
  return risk;
}

function estimateOf(p: LockPrediction, schema: SchemaContext): StatementReport["estimate"] {
  // only the live catalog knows production sizes: a replayed --schema has empty tables
  if (schema.snapshot.source !== "catalog") return undefined;
  let rows: number | undefined;
  let bytes: number | undefined;
  for (const rel of [...p.rewrites, ...p.scans]) {
    const r = schema.relation(rel);
    if (!r || schema.isNew(rel)) continue;
    if (r.rows !== undefined) rows = (rows ?? 0) + Math.max(0, r.rows);
    if (r.bytes !== undefined) bytes = (bytes ?? 0) + r.bytes;
  }
  if (rows === undefined && bytes === undefined) return undefined;
  return { ...(rows !== undefined ? { rows } : {}), ...(bytes !== undefined ? { bytes } : {}) };
}

export function maxRisk(risks: Risk[]): Risk {
  return risks.reduce<Risk>((a, b) => (RISKS.indexOf(b) > RISKS.indexOf(a) ? b : a), "low");
}
