import { z } from "zod";
import type { AnalyzedFile } from "../src/analyze/analyze.js";
import type { CheckReport, SchemaSnapshot, Severity } from "../src/analyze/types.js";
import { defineCommand, type CommandContext } from "../src/command.js";
import { ExitCode, UserError } from "../src/errors.js";
import { renderCheckText } from "../src/render/check-text.js";

export interface CheckResult {
  report: CheckReport;
  /** source text per path, for code frames (not part of the JSON contract) */
  sources: Record<string, string>;
}

const FAIL_ON = ["error", "warning", "never"] as const;

const args = z.object({
  paths: z.array(z.string()).min(1, "give at least one file, directory or -"),
  db: z.string().optional(),
  target: z.string().optional(),
  schema: z.string().optional(),
  pgVersion: z.coerce.number().int().min(11, "11..18").max(18, "11..18").optional(),
  failOn: z.enum(FAIL_ON).default("error"),
  verifyRollback: z.boolean().default(false),
});
type CheckArgs = z.infer<typeof args>;

/** `lockstep check`: predict every lock and rewrite of migration files, per statement. */
export const checkCommand = defineCommand({
  name: "check",
  summary: "predict the locks and table rewrites of migration files, statement by statement",
  description: `Inputs: files, directories (checked in the order the tool applies them, up direction only) or - for stdin.
Layouts: golang-migrate, flyway, diesel, prisma, drizzle, dbmate, synapse, popx (ory), plain numbered .sql.
Schema context: --db/--target read the live catalog (read-only); --schema FILE replays a schema dump
into a throwaway database; otherwise the statements seen so far are the schema (assumptions are listed).`,
  arguments: [{ name: "paths", description: "migration files, directories, or - for stdin", variadic: true, required: true }],
  options: [
    { flags: "--db <url>", description: "database to read the schema from (URL or env:VAR); never modified" },
    { flags: "--target <name>", description: "a target from lockstep.yml (its read-only URL when set)" },
    { flags: "--schema <file>", description: "schema file (pg_dump --schema-only or earlier migrations) to replay" },
    { flags: "--pg-version <n>", description: "Postgres major version to predict for, 11..18 (default: the server's, else config, else 18)" },
    { flags: "--verify-rollback", description: "apply each statement and its rollback on a shadow database (from --db/--schema) and diff the catalog" },
    { flags: "--fail-on <level>", description: "exit 1 when findings reach this severity: error | warning | never", default: "error" },
  ],
  formats: ["text", "json"],
  args,
  async run(ctx, a): Promise<CheckResult> {
    const { analyzePathsDetailed } = await import("../src/analyze/analyze.js");
    const { schema, serverVersion } = await loadSchema(ctx, a);
    const targetVersion = a.target ? ctx.config.config.targets[a.target]?.pg_version : undefined;
    const pgVersion = a.pgVersion ?? (serverVersion ? Math.floor(serverVersion / 10000) : undefined) ?? targetVersion ?? 18;
    const layout = a.target ? ctx.config.config.targets[a.target]?.layout : undefined;
    const files = await analyzePathsDetailed(a.paths, {
      cwd: ctx.cwd,
      stdin: ctx.stdin,
      ...(schema ? { schema } : {}),
      pgVersion: Math.min(18, Math.max(11, pgVersion)),
      ...(layout && layout !== "auto" ? { layout } : {}),
    });
    if (a.verifyRollback) await (await import("../src/plan/check-verify.js")).verifyForCheck(files, a, ctx);
    return { report: { version: 1, files: files.map((f) => f.report) }, sources: sourcesOf(files) };
  },
  render(result, format) {
    if (format === "json") return JSON.stringify(result.report);
    return renderCheckText(result.report, { sources: result.sources });
  },
  exitCode(result, a) {
    return checkExitCode(result.report, a.failOn);
  },
});

/** 2 for any input/syntax error, else 1 for findings at/above --fail-on, else 0. */
export function checkExitCode(report: CheckReport, failOn: (typeof FAIL_ON)[number]): number {
  if (report.files.some((f) => f.errors.length > 0)) return ExitCode.usage;
  if (failOn === "never") return ExitCode.ok;
  const levels: Severity[] = failOn === "warning" ? ["error", "warning"] : ["error"];
  const hit = report.files.some((f) => f.statements.some((s) => s.findings.some((x) => !x.ignored && levels.includes(x.severity))));
  return hit ? ExitCode.findings : ExitCode.ok;
}

function sourcesOf(files: AnalyzedFile[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of files) if (f.source.text !== undefined) out[f.source.path] = f.source.text;
  return out;
}

// Loaded on demand, so that `check` without --db/--schema does not pay for pg and the embedded server.
// The specifiers are variables until the introspection modules land on main.
const INTROSPECT = "../src/db/introspect.js";
const SHADOW = "../src/db/shadow.js";

/** The schema context of --db/--target (live catalog, read-only) or --schema (replayed); also used by `plan`. */
export async function loadSchema(ctx: CommandContext, a: Pick<CheckArgs, "db" | "target" | "schema">): Promise<{ schema?: SchemaSnapshot; serverVersion?: number }> {
  if (a.schema && (a.db || a.target)) throw new UserError("usage", "check: give either --schema or --db/--target, not both");
  if (a.schema) {
    const mod = await optionalModule<{ schemaFromSchemaFile(file: string): Promise<SchemaSnapshot> }>(SHADOW, "--schema");
    const { default: path } = await import("node:path");
    const schema = await mod.schemaFromSchemaFile(path.resolve(ctx.cwd, a.schema));
    return { schema, ...(schema.serverVersion ? { serverVersion: schema.serverVersion } : {}) };
  }
  if (!a.db && !a.target) return {};
  const { resolveDatabaseUrl, connect } = await import("../src/db/connection.js");
  const url = resolveDatabaseUrl({ db: a.db, target: a.target, readonly: true }, ctx.config.config, ctx.env);
  if (!url) return {};
  const client = await connect(url, { readonly: true, applicationName: "lockstep check" });
  try {
    const mod = await optionalModule<{ introspect(client: unknown): Promise<SchemaSnapshot> }>(INTROSPECT, "--db");
    const schema = await mod.introspect(client);
    let serverVersion = schema.serverVersion;
    if (!serverVersion) serverVersion = Number((await client.query<{ v: string }>("SHOW server_version_num")).rows[0]?.v);
    return { schema, serverVersion };
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function optionalModule<T>(specifier: string, flag: string): Promise<T> {
  try {
    return (await import(specifier)) as T;
  } catch (e) {
    if ((e as { code?: string }).code === "ERR_MODULE_NOT_FOUND") throw new UserError("unsupported", `check ${flag}: schema introspection is not available in this build yet`);
    throw e;
  }
}
