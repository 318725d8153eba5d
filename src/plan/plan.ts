import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { analyzePathsDetailed, type AnalyzedFile } from "../analyze/analyze.js";
import { SchemaContext } from "../analyze/schema.js";
import { dbmateUpSection, detectLayout, readSources, type Layout, type SourceFile } from "../analyze/sources.js";
import type { SchemaSnapshot } from "../analyze/types.js";
import { UserError } from "../errors.js";
import { catalogState } from "./catalog-diff.js";
import { appendEntries, readJournal } from "./drizzle-journal.js";
import { earlierMigrations, replayMigrations, schemaAfter } from "./earlier.js";
import { parseFills, type Fill } from "./fill.js";
import { layoutFiles, migrationCount, type PlannedFile } from "./layouts.js";
import { migrationsDirOf, numberPlan } from "./numbering.js";
import { rollbackOf, toRollbackEntry, type Rollback } from "./rollback.js";
import { planSteps } from "./transforms.js";
import type { GeneratedCheck, PlanResult } from "./types.js";
import { applyVerification, downNotVerified, verifyDownFile, verifyRollbacks, type VerifiableStatement } from "./verify.js";

export interface PlanOptions {
  file: string;
  cwd: string;
  /** where to write the files; default ./lockstep-plan/<source name> */
  out?: string;
  /** the starting schema (from --db or --schema), for the plan's facts; else the earlier migrations' */
  schema?: SchemaSnapshot;
  /** how save commands name the database (e.g. "env:PROD_URL"); never a URL with a password */
  dbLabel?: string;
  /** verify rollbacks on a shadow database built from this source (none: the earlier migrations replayed); false: skip */
  verify?: { url?: string; schemaFile?: string; adminUrl?: string } | false;
  /** --fill "column = expression": the value existing rows get where the plan backfills a new NOT NULL column */
  fills?: string[];
  /** the clock for timestamp versions */
  now?: Date;
}

/** `lockstep plan`: the safe phased rewrite of one migration, its rollback plan, verified. */
export async function planMigration(opts: PlanOptions): Promise<PlanResult> {
  const abs = path.resolve(opts.cwd, opts.file);
  const fills = await parseFills(opts.fills ?? []);
  // Without --db/--schema the migrations before the source tell what exists, as `check DIR` reads them.
  const earlier = opts.schema || !existsSync(abs) ? [] : await readSources(earlierMigrations(abs, detectLayout(abs)));
  const base = opts.schema ?? (earlier.length ? await schemaAfter(earlier) : undefined);
  const [file] = await analyzePathsDetailed([opts.file], { cwd: opts.cwd, ...(base ? { schema: base } : {}) });
  if (!file) throw new UserError("usage", `plan: ${opts.file}: nothing to plan`);
  const errors = file.report.errors;
  if (errors.length) {
    const e = errors[0]!;
    throw new UserError(e.code, `${file.report.path}${e.line ? `:${e.line}:${e.column}` : ""}: ${e.message}`);
  }
  const layout = file.source.layout;
  const { steps, notes, changed, usedFills } = planSteps(file, new SchemaContext(base), { ...(opts.dbLabel ? { db: opts.dbLabel } : {}), fills });
  refuseUnusedFills(fills, usedFills);
  const rollbacks = rollbacksOf(file, base, opts.dbLabel);
  const rollback = rollbacks.map((r, i) => toRollbackEntry(file.statements[i]!.parsed.index, r));
  const result: PlanResult = { source: file.report.path, layout, changed, steps, files: [], rollback, checks: [], notes: [...notes] };
  if (!changed) result.notes.push("every statement is safe as written: no files written");

  if (changed) {
    const outDir = path.resolve(opts.cwd, opts.out ?? path.join("lockstep-plan", sourceStem(opts.file)));
    const numbering = numberPlan(abs, layout, outDir, migrationCount(steps), opts.now ?? new Date());
    const laid = layoutFiles(abs, layout, steps, numbering.versions);
    const journal = layout === "drizzle" ? drizzleJournalFile(abs, outDir, laid.files, opts.now ?? new Date()) : undefined;
    const files = journal ? [...laid.files, journal.file] : laid.files;
    result.notes.push(...numbering.notes, ...laid.notes, ...(journal ? [journal.note] : []));
    writePlanFiles(outDir, files, { defaultDir: !opts.out, replace: journal?.replaces });
    result.outDir = outDir;
    result.files = files.map(({ content: _c, ...f }) => ({ ...f, path: path.join(outDir, f.path) }));
    result.checks = await checkGenerated(outDir, laid.files, layout, base);
  }
  if (opts.verify !== false) await verifyPlan(result, file, rollbacks, opts, earlier);
  return result;
}

function sourceStem(file: string): string {
  const base = path.basename(file);
  const stem = base === "up.sql" || base === "migration.sql" ? path.basename(path.dirname(path.resolve(file))) : base.replace(/(\.up)?\.sql$/i, "");
  return stem.replace(/[^A-Za-z0-9_.-]+/g, "_") || "migration";
}

/** A --fill the plan has no use for is a mistake (a typo in the column, or a migration that needs none). */
function refuseUnusedFills(fills: Fill[], used: Fill[]): void {
  const unused = fills.filter((f) => !used.includes(f));
  if (!unused.length) return;
  const needed = used.map((f) => f.column);
  throw new UserError("usage", `--fill ${unused.map((f) => JSON.stringify(f.text)).join(", ")}: the plan backfills no new NOT NULL column of that name${needed.length ? ` (it fills ${needed.join(", ")})` : ""}`, {
    hint: "--fill gives the value existing rows get for a column added NOT NULL without a default",
  });
}

/** Each statement's rollback, from the schema just before it; save commands name the database as given. */
function rollbacksOf(file: AnalyzedFile, base: SchemaSnapshot | undefined, dbLabel: string | undefined): Rollback[] {
  const schema = new SchemaContext(base);
  return file.statements.map((st) => {
    const r = rollbackOf(st.summary, schema, st.parsed.sql, dbLabel ? { db: dbLabel } : {});
    schema.apply(st.summary);
    return r;
  });
}

/** drizzle-kit runs only what its journal lists: the journal with the plan's files appended. */
function drizzleJournalFile(sourceAbs: string, outDir: string, files: PlannedFile[], now: Date): { file: PlannedFile; note: string; replaces?: string } {
  const dir = migrationsDirOf(sourceAbs, "drizzle");
  const tags = files.filter((f) => f.role === "migration").map((f) => path.basename(f.path, ".sql"));
  const journal = appendEntries(readJournal(dir), tags, now);
  const file: PlannedFile = { path: path.join("meta", "_journal.json"), role: "config", step: -1, content: `${JSON.stringify(journal, null, 2)}\n` };
  if (path.resolve(outDir) === dir) return { file, note: `meta/_journal.json: ${tags.length} entries appended (${tags.join(", ")})`, replaces: file.path };
  return { file, note: `meta/_journal.json is ${path.join(dir, "meta", "_journal.json")} with the plan's ${tags.length} entries appended: copy it over that file together with the migrations` };
}

/**
 * Write the plan's files; never over an existing file (checked for all of them before the first
 * is written). `replace`: the one file that is updated in place (drizzle's journal, entries appended).
 * `defaultDir` (no --out): a default output directory that holds an earlier plan is refused whole.
 */
function writePlanFiles(outDir: string, files: PlannedFile[], opts: { defaultDir: boolean; replace?: string }): void {
  if (opts.defaultDir && existsSync(outDir) && readdirSync(outDir).length > 0) {
    throw new UserError("exists", `plan: ${outDir} already holds files (an earlier plan?): nothing was written`, { hint: "remove that directory, or write this plan elsewhere with --out DIR" });
  }
  const taken = files.filter((f) => f.path !== opts.replace && existsSync(path.join(outDir, f.path))).map((f) => f.path);
  if (taken.length) {
    throw new UserError("exists", `plan: ${taken.length} file(s) already exist in ${outDir} and are never overwritten: ${taken.join(", ")}; nothing was written`, { hint: "remove them, or write the plan elsewhere with --out DIR" });
  }
  for (const f of files) {
    const target = path.join(outDir, f.path);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, f.content, { flag: f.path === opts.replace ? "w" : "wx" });
  }
}

/**
 * `lockstep check` on the generated migrations as one migration set, in order, from the schema the
 * plan started from (--db/--schema, or what the source's earlier migrations leave).
 */
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
async function verifyPlan(result: PlanResult, file: AnalyzedFile, rollbacks: Rollback[], opts: PlanOptions, earlier: SourceFile[]): Promise<void> {
  const { shadowFrom } = await import("../db/shadow.js");
  const source = opts.verify || {};
  // the statements run for real there: as a role without superuser, never as the server admin
  const shadow = await shadowFrom({ ...source, restricted: true });
  try {
    result.notes.push(...shadow.notes);
    if (!source.url && !source.schemaFile) {
      if (earlier.length) result.notes.push(...(await replayMigrations(shadow.client, earlier, opts.cwd)));
      else result.notes.push("rollbacks verified on an empty shadow database (no --db/--schema, and no earlier migrations in the directory): statements on existing tables cannot be tried");
    }
    const before = await catalogState(shadow.client);
    const statements: VerifiableStatement[] = file.statements.map((st, i) => ({ index: st.parsed.index, sql: st.parsed.sql, summary: st.summary, rollbackSql: rollbacks[i]!.sql }));
    const verified = await verifyRollbacks(shadow.client, statements);
    applyVerification(result.rollback, verified);
    const down = downFileOf(path.resolve(opts.cwd, opts.file), file.source.layout);
    if (down) result.down = verified.forwardFailed ? downNotVerified(down.path) : await verifyDownFile(shadow.client, down.path, down.text, before);
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
