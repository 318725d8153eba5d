import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { analyzePathsDetailed, type AnalyzedFile } from "../analyze/analyze.js";
import { SchemaContext } from "../analyze/schema.js";
import { dbmateUpSection, type Layout } from "../analyze/sources.js";
import type { SchemaSnapshot } from "../analyze/types.js";
import { UserError } from "../errors.js";
import { catalogState } from "./catalog-diff.js";
import { layoutFiles, type PlannedFile } from "./layouts.js";
import { rollbackOf, toRollbackEntry, type Rollback } from "./rollback.js";
import { planSteps } from "./transforms.js";
import type { GeneratedCheck, PlanResult } from "./types.js";
import { applyVerification, verifyDownFile, verifyRollbacks, type VerifiableStatement } from "./verify.js";

export interface PlanOptions {
  file: string;
  cwd: string;
  /** where to write the files; default ./lockstep-plan/<source name> */
  out?: string;
  /** the starting schema (from --db or --schema), for the plan's facts */
  schema?: SchemaSnapshot;
  /** how save commands name the database (e.g. "env:PROD_URL"); never a URL with a password */
  dbLabel?: string;
  /** verify rollbacks on a shadow database built from this source; false: skip verification */
  verify?: { url?: string; schemaFile?: string; adminUrl?: string } | false;
}

/** `lockstep plan`: the safe phased rewrite of one migration, its rollback plan, verified. */
export async function planMigration(opts: PlanOptions): Promise<PlanResult> {
  const [file] = await analyzePathsDetailed([opts.file], { cwd: opts.cwd, ...(opts.schema ? { schema: opts.schema } : {}) });
  if (!file) throw new UserError("usage", `plan: ${opts.file}: nothing to plan`);
  const errors = file.report.errors;
  if (errors.length) {
    const e = errors[0]!;
    throw new UserError(e.code, `${file.report.path}${e.line ? `:${e.line}:${e.column}` : ""}: ${e.message}`);
  }
  const layout = file.source.layout;
  const { steps, notes, changed } = planSteps(file, new SchemaContext(opts.schema), opts.dbLabel ? { db: opts.dbLabel } : {});
  const rollbacks = rollbacksOf(file, opts);
  const rollback = rollbacks.map((r, i) => toRollbackEntry(file.statements[i]!.parsed.index, r));
  const result: PlanResult = { source: file.report.path, layout, changed, steps, files: [], rollback, checks: [], notes: [...notes] };
  if (!changed) result.notes.push("every statement is safe as written: no files written");

  if (changed) {
    const laid = layoutFiles(path.resolve(opts.cwd, opts.file), layout, steps);
    result.notes.push(...laid.notes);
    const outDir = path.resolve(opts.cwd, opts.out ?? path.join("lockstep-plan", sourceStem(opts.file)));
    writePlanFiles(outDir, laid.files);
    result.outDir = outDir;
    result.files = laid.files.map(({ content: _c, ...f }) => ({ ...f, path: path.join(outDir, f.path) }));
    result.checks = await checkGenerated(outDir, laid.files, layout, opts.schema);
  }
  if (opts.verify !== false) await verifyPlan(result, file, rollbacks, opts);
  return result;
}

function sourceStem(file: string): string {
  const base = path.basename(file);
  const stem = base === "up.sql" || base === "migration.sql" ? path.basename(path.dirname(path.resolve(file))) : base.replace(/(\.up)?\.sql$/i, "");
  return stem.replace(/[^A-Za-z0-9_.-]+/g, "_") || "migration";
}

/** Each statement's rollback, from the schema just before it; save commands name the database as given. */
function rollbacksOf(file: AnalyzedFile, opts: PlanOptions): Rollback[] {
  const schema = new SchemaContext(opts.schema);
  return file.statements.map((st) => {
    const r = rollbackOf(st.summary, schema, st.parsed.sql, opts.dbLabel ? { db: opts.dbLabel } : {});
    schema.apply(st.summary);
    return r;
  });
}

function writePlanFiles(outDir: string, files: PlannedFile[]): void {
  for (const f of files) {
    const target = path.join(outDir, f.path);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, f.content);
  }
}

/** `lockstep check` on the generated migrations, in order, from the same starting schema. */
export async function checkGenerated(outDir: string, files: PlannedFile[], layout: Layout, schema?: SchemaSnapshot): Promise<GeneratedCheck[]> {
  const migrations = files.filter((f) => f.role === "migration").map((f) => path.join(outDir, f.path));
  const analysed = await analyzePathsDetailed(migrations, { layout, ...(schema ? { schema } : {}) });
  return analysed.map((a) => ({
    path: a.report.path,
    errors: a.report.errors.map((e) => `${e.line ? `${e.line}:${e.column}: ` : ""}${e.message}`),
    findings: a.report.statements.flatMap((s) => s.findings.map((f) => ({ rule: f.rule, severity: f.severity, message: f.message, ignored: f.ignored }))),
  }));
}

/** Apply each statement and its rollback on a shadow database; then the down file, if any. */
async function verifyPlan(result: PlanResult, file: AnalyzedFile, rollbacks: Rollback[], opts: PlanOptions): Promise<void> {
  const { shadowFrom } = await import("../db/shadow.js");
  const source = opts.verify || {};
  const shadow = await shadowFrom(source);
  try {
    result.notes.push(...shadow.notes);
    if (!source.url && !source.schemaFile) result.notes.push("rollbacks verified on an empty shadow database (no --db/--schema): statements on existing tables cannot be tried");
    const before = await catalogState(shadow.client);
    const statements: VerifiableStatement[] = file.statements.map((st, i) => ({ index: st.parsed.index, sql: st.parsed.sql, summary: st.summary, rollbackSql: rollbacks[i]!.sql }));
    const verified = await verifyRollbacks(shadow.client, statements);
    applyVerification(result.rollback, verified);
    const down = downFileOf(path.resolve(opts.cwd, opts.file), file.source.layout);
    if (down) result.down = await verifyDownFile(shadow.client, down.path, down.text, before);
  } finally {
    await shadow.drop();
  }
}

/** The down migration that goes with an up file, per layout (golang-migrate, diesel, Flyway undo, dbmate). */
export function downFileOf(abs: string, layout: Layout): { path: string; text: string } | undefined {
  const dir = path.dirname(abs);
  const base = path.basename(abs);
  let candidate: string | undefined;
  if (layout === "golang-migrate" || layout === "popx") candidate = path.join(dir, base.replace(/\.up\.sql$/i, ".down.sql"));
  else if (layout === "diesel") candidate = path.join(dir, "down.sql");
  else if (layout === "flyway") candidate = path.join(dir, base.replace(/^V/, "U"));
  else if (layout === "dbmate") {
    const text = readFileSync(abs, "utf8");
    const down = dbmateDownSection(text);
    return down.trim() ? { path: `${abs} (migrate:down)`, text: down } : undefined;
  }
  if (!candidate || candidate === abs || !existsSync(candidate)) return undefined;
  return { path: candidate, text: readFileSync(candidate, "utf8") };
}

function dbmateDownSection(text: string): string {
  const up = dbmateUpSection(text);
  // what is blank in the up section and not blank in the text is the down section (and the header)
  const lines = text.split("\n");
  const upLines = up.split("\n");
  let inDown = false;
  return lines
    .map((l, i) => {
      if (/^--\s*migrate:down\b/.test(l)) inDown = true;
      else if (/^--\s*migrate:up\b/.test(l)) inDown = false;
      return inDown && upLines[i]!.trim() === "" ? l : "";
    })
    .join("\n");
}
