import { statSync } from "node:fs";
import path from "node:path";
import type { AnalyzedFile } from "../src/analyze/analyze.js";
import { FAIL_ON, NO_OUTCOME, addFileOutcome, exitCodeOf, type CheckOutcome } from "../src/analyze/fail-on.js";
import type { RowQuestion } from "../src/analyze/effects/rows.js";
import type { CheckReport, SchemaSnapshot } from "../src/analyze/types.js";
import { defineCommand, leanArgs, type CommandContext } from "../src/command.js";
import { UserError } from "../src/errors.js";
import { wantsColour } from "../src/render/colour.js";
import type { UsageEvidenceOptions } from "../src/usage/evidence.js";
import type { CheckArgs } from "./check-args.js";

/**
 * `--format json` (what CI runs on every push): each file's JSON is made as soon as the file is
 * analysed and its report let go, so memory stays flat and the garbage collector does not keep
 * copying finished reports. Other formats (and --verify-rollback) keep the reports.
 */
export type CheckResult = { kind: "json"; json: Buffer; outcome: CheckOutcome } | { kind: "report"; report: CheckReport; outcome: CheckOutcome; sources: Record<string, string>; color: boolean; rulesDocUrl: string };

const STRING_OPTIONS = new Set(["db", "target", "schema", "changedSince"]);

/**
 * The usual args without zod (CI runs check on every push; zod's ~95 modules would cost a tenth of
 * the run): paths, --fail-on, --verify-rollback and plain string options. Anything else
 * (--pg-version, bad values) goes to the zod schema in check-args.ts. Must agree with it (tested).
 */
export function quickCheckArgs(raw: Record<string, unknown>): CheckArgs | undefined {
  const { paths, failOn = "error", verifyRollback = false, ...rest } = raw;
  if (!Array.isArray(paths) || paths.length === 0 || !paths.every((p) => typeof p === "string")) return undefined;
  if (!(FAIL_ON as readonly unknown[]).includes(failOn) || typeof verifyRollback !== "boolean") return undefined;
  for (const [key, value] of Object.entries(rest)) if (!STRING_OPTIONS.has(key) || typeof value !== "string" || value === "") return undefined;
  return { paths, failOn: failOn as CheckArgs["failOn"], verifyRollback, ...(rest as Pick<CheckArgs, "db" | "target" | "schema" | "changedSince">) };
}

const args = leanArgs(quickCheckArgs, async () => (await import("./check-args.js")).checkArgs);

/** `lockstep check`: predict every lock and rewrite of migration files, per statement. */
export const checkCommand = defineCommand({
  name: "check",
  summary: "predict the locks and table rewrites of migration files, statement by statement",
  description: `Inputs: files, directories (checked in the order the tool applies them, up direction only) or - for stdin.
Layouts: golang-migrate, flyway, diesel, prisma, drizzle, dbmate, synapse, popx (ory), plain numbered .sql.
Schema context: --db/--target read the live catalog (read-only); --schema FILE replays a schema dump
into a throwaway database; otherwise the statements seen so far are the schema (assumptions are listed).
Drops, renames and type changes: --code DIR lists the lines of code that still use the old name, and
--db/--target the statements pg_stat_statements recorded that use it.`,
  arguments: [{ name: "paths", description: "migration files, directories, or - for stdin", variadic: true, required: true }],
  options: [
    { flags: "--db <url>", description: "database to read the schema from, and to ask (read-only) which rows UPDATEs and DELETEs touch (URL or env:VAR); never modified" },
    { flags: "--target <name>", description: "a target from lockstep.yml (its read-only URL when set)" },
    { flags: "--schema <file>", description: "schema file (pg_dump --schema-only or earlier migrations) to replay" },
    { flags: "--pg-version <n>", description: "Postgres major version to predict for, 11..18 (default: the server's, else config, else 18)" },
    { flags: "--verify-rollback", description: "apply each statement and its rollback on a shadow database (from --db/--schema) and diff the catalog" },
    { flags: "--fail-on <level>", description: "exit 1 when findings reach this severity: error | warning | never", default: "error" },
    {
      flags: "--code <dir>",
      description:
        "application source to search for the old names of dropped, renamed and retyped columns and tables (repeatable; default with --target: its code setting)",
      repeatable: true,
    },
    {
      flags: "--changed-since <ref>",
      description: "report only migration files git says changed since REF (committed, staged, unstaged or untracked); earlier files are still read as schema context",
    },
  ],
  formats: ["text", "json", "markdown", "sarif"],
  args,
  async run(ctx, a): Promise<CheckResult> {
    const { analyzeEach } = await import("../src/analyze/analyze.js");
    const { schema, serverVersion, probeRows, close } = await loadSchema(ctx, a, { probeRows: true });
    try {
      return await checkWith(ctx, a, analyzeEach, { schema, serverVersion, probeRows });
    } finally {
      await close?.();
    }
  },
  // renderers load on demand: `check --format json` in CI needs none of them
  async render(result, format) {
    if (result.kind === "json") return result.json;
    const { report } = result;
    if (format === "json") return JSON.stringify(report);
    if (format === "markdown") return (await import("../src/render/markdown.js")).renderMarkdown(report);
    if (format === "sarif") {
      const { rules } = await import("../src/analyze/rules/index.js");
      const { USAGE_RULES } = await import("../src/usage/rules.js");
      return (await import("../src/render/sarif.js")).renderSarif(report, report.evidence ? [...rules, ...USAGE_RULES] : rules, { rulesDocUrl: result.rulesDocUrl });
    }
    return (await import("../src/render/check-text.js")).renderCheckText(report, { sources: result.sources, color: result.color });
  },
  exitCode(result, a) {
    return exitCodeOf(result.outcome, a.failOn);
  },
});

/** The analysis itself, once the schema (and the --db connection for row questions) is there. */
async function checkWith(
  ctx: CommandContext,
  a: CheckArgs,
  analyzeEach: typeof import("../src/analyze/analyze.js").analyzeEach,
  { schema, serverVersion, probeRows }: Omit<LoadedSchema, "close">,
): Promise<CheckResult> {
  const targetVersion = a.target ? ctx.config.config.targets[a.target]?.pg_version : undefined;
  const pgVersion = a.pgVersion ?? (serverVersion ? Math.floor(serverVersion / 10000) : undefined) ?? targetVersion ?? 18;
  const layout = a.target ? ctx.config.config.targets[a.target]?.layout : undefined;
  const usage = await usageOptions(ctx, a);
  // only the rollback check and the search for names still in use read past the reports
  const keepStatements = a.verifyRollback || usage !== undefined;
  const opts = {
    cwd: ctx.cwd,
    stdin: ctx.stdin,
    ...(schema ? { schema } : {}),
    pgVersion: Math.min(18, Math.max(11, pgVersion)),
    ...(layout && layout !== "auto" ? { layout } : {}),
    ...(a.db || a.target ? { dbLabel: (await import("../src/plan/rollback.js")).saveDbLabel(a) } : {}),
    ...(probeRows ? { probeRows } : {}),
    keepStatements,
  };
  const reported = a.changedSince ? await changedFilter(a.changedSince, ctx.cwd) : () => true;
  if (ctx.format === "json" && !keepStatements) {
    const { ByteSink } = await import("../src/render/byte-sink.js");
    const json = new ByteSink();
    let outcome = NO_OUTCOME;
    let files = 0;
    json.append('{"version":1,"files":['); // what JSON.stringify(report) gives, a file at a time
    await analyzeEach(a.paths, opts, ({ report }) => {
      if (!reported(report.path)) return;
      json.append(`${files++ > 0 ? "," : ""}${JSON.stringify(report)}`);
      outcome = addFileOutcome(outcome, report);
    });
    json.append("]}\n");
    return { kind: "json", json: json.bytes(), outcome };
  }
  const files = (await analyzeEach(a.paths, opts, (f) => f)).filter((f) => reported(f.report.path));
  if (a.verifyRollback) await (await import("../src/plan/check-verify.js")).verifyForCheck(files, a, ctx);
  const report: CheckReport = { version: 1, files: files.map((f) => f.report) };
  if (usage) await (await import("../src/usage/evidence.js")).addUsageEvidence(files, report, usage);
  const color = wantsColour((ctx.stdout as { isTTY?: boolean } | undefined)?.isTTY, ctx.env);
  return { kind: "report", report, outcome: report.files.reduce(addFileOutcome, NO_OUTCOME), sources: sourcesOf(files), color, rulesDocUrl: await rulesDocUrl(ctx.env) };
}

/**
 * What to search for names still in use: the code dirs (--code, else the target's `code` setting)
 * and the database (--db/--target) for pg_stat_statements. Undefined when there is neither.
 */
async function usageOptions(ctx: CommandContext, a: CheckArgs): Promise<UsageEvidenceOptions | undefined> {
  const target = a.target ? ctx.config.config.targets[a.target] : undefined;
  const fromConfig = !a.code?.length && Boolean(target?.code.length);
  const given = a.code?.length ? a.code : (target?.code ?? []);
  if (given.length === 0 && !a.db && !a.target) return undefined;
  const { codeDirs } = await import("../src/usage/evidence.js");
  const base = fromConfig && ctx.config.path ? path.dirname(ctx.config.path) : ctx.cwd;
  const { dirs, missing } = codeDirs(given, base);
  const roots = dirs.map((d) => path.resolve(base, d));
  if (missing.length && !fromConfig) throw new UserError("usage", `check: --code ${missing[0]}: no such directory`, { hint: "give the application's source directory, e.g. --code src" });
  const { resolveDatabaseUrl } = await import("../src/db/connection.js");
  const db = a.db || a.target ? resolveDatabaseUrl({ db: a.db, target: a.target, readonly: true }, ctx.config.config, ctx.env) : undefined;
  return {
    ...(given.length ? { code: { dirs: roots, missing, exclude: migrationDirs(a.paths.filter((p) => p !== "-").map((p) => path.resolve(ctx.cwd, p)), roots), base: ctx.cwd, env: ctx.env } } : {}),
    ...(db ? { db } : {}),
  };
}

/**
 * Where the migrations being checked live, never searched as code (the earlier ones add the very
 * column being dropped): each directory given, and each file's directory unless that holds a code
 * directory (then just the file).
 */
function migrationDirs(paths: string[], codeRoots: string[]): string[] {
  return paths.map((p) => {
    if (!statSync(p, { throwIfNoEntry: false })?.isFile()) return p;
    const dir = path.dirname(p);
    return codeRoots.some((root) => root === dir || root.startsWith(dir + path.sep)) ? p : dir;
  });
}

/** docs/rules.md, where each rule has its section: under LOCKSTEP_DOCS_URL (the docs folder's URL) when set, else the installed copy. */
async function rulesDocUrl(env: NodeJS.ProcessEnv): Promise<string> {
  const base = env.LOCKSTEP_DOCS_URL?.trim();
  if (base) return `${base.replace(/\/+$/, "")}/rules.md`;
  const [{ pathToFileURL }, { PACKAGE_ROOT }] = await Promise.all([import("node:url"), import("../src/version.js")]);
  return pathToFileURL(path.join(PACKAGE_ROOT, "docs", "rules.md")).href;
}

/** Which reported paths git says changed since `ref` (stdin always counts); git is asked only for --changed-since. */
async function changedFilter(ref: string, cwd: string): Promise<(path: string) => boolean> {
  const { changedSince, keepChanged } = await import("../src/vcs/changed-since.js");
  const changed = await changedSince(ref, cwd);
  return (p) => p === "-" || keepChanged([p], changed, cwd).length > 0;
}

function sourcesOf(files: AnalyzedFile[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of files) if (f.source.text !== undefined) out[f.source.path] = f.source.text;
  return out;
}

// pg, introspection and the embedded server load on demand: `check` without --db/--schema stays lean.
export interface LoadedSchema {
  schema?: SchemaSnapshot;
  serverVersion?: number;
  /** with --db/--target and `probeRows`: asks the database what UPDATEs and DELETEs touch (read-only) */
  probeRows?: (questions: RowQuestion[]) => Promise<Map<string, boolean>>;
  /** closes the connection kept for probeRows */
  close?: () => Promise<void>;
}

/**
 * The schema context of --db/--target (live catalog, read-only) or --schema (replayed); also used
 * by `plan`. With `probeRows`, the --db connection stays open for row questions until `close`.
 */
export async function loadSchema(ctx: CommandContext, a: Pick<CheckArgs, "db" | "target" | "schema">, opts: { probeRows?: boolean } = {}): Promise<LoadedSchema> {
  if (a.schema && (a.db || a.target)) throw new UserError("usage", "check: give either --schema or --db/--target, not both");
  if (a.schema) {
    const { schemaFromSchemaFile, closeShadowServer } = await import("../src/db/shadow.js");
    try {
      const schema = await schemaFromSchemaFile(path.resolve(ctx.cwd, a.schema));
      return { schema, ...(schema.serverVersion ? { serverVersion: schema.serverVersion } : {}) };
    } finally {
      await closeShadowServer(); // the embedded server would keep the process alive
    }
  }
  if (!a.db && !a.target) return {};
  const { resolveDatabaseUrl, connect, catalogReadError } = await import("../src/db/connection.js");
  const url = resolveDatabaseUrl({ db: a.db, target: a.target, readonly: true }, ctx.config.config, ctx.env);
  if (!url) return {};
  const client = await connect(url, { readonly: true, applicationName: "lockstep check" });
  const close = () => client.end().catch(() => undefined);
  try {
    const { introspect } = await import("../src/db/introspect.js");
    const schema = await introspect(client).catch(async (e: unknown) => {
      await close(); // kept open for row questions only when the catalog could be read
      throw catalogReadError(url, e);
    });
    const loaded: LoadedSchema = { schema, ...(schema.serverVersion ? { serverVersion: schema.serverVersion } : {}) };
    if (!opts.probeRows) return loaded;
    const { rowProber } = await import("../src/db/row-probe.js");
    return { ...loaded, probeRows: rowProber(client), close };
  } finally {
    if (!opts.probeRows) await close();
  }
}
