import { z } from "zod";
import type { AnalyzedFile } from "../src/analyze/analyze.js";
import { FAIL_ON, checkExitCode } from "../src/analyze/fail-on.js";
import { rules } from "../src/analyze/rules/index.js";
import type { CheckReport, SchemaSnapshot } from "../src/analyze/types.js";
import { defineCommand, type CommandContext } from "../src/command.js";
import { UserError } from "../src/errors.js";
import { renderCheckText } from "../src/render/check-text.js";
import { wantsColour } from "../src/render/colour.js";
import { renderMarkdown } from "../src/render/markdown.js";
import { renderSarif } from "../src/render/sarif.js";
import { changedSince, keepChanged } from "../src/vcs/changed-since.js";

export interface CheckResult {
  report: CheckReport;
  /** source text per path, for code frames (not part of the JSON contract) */
  sources: Record<string, string>;
  /** text output is going to a terminal: colour it */
  color?: boolean;
}

const args = z.object({
  paths: z.array(z.string()).min(1, "give at least one file, directory or -"),
  db: z.string().optional(),
  target: z.string().optional(),
  schema: z.string().optional(),
  pgVersion: z.coerce.number().int().min(11, "11..18").max(18, "11..18").optional(),
  failOn: z.enum(FAIL_ON).default("error"),
  verifyRollback: z.boolean().default(false),
  changedSince: z.string().min(1).optional(),
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
    {
      flags: "--changed-since <ref>",
      description: "report only migration files git says changed since REF (committed, staged, unstaged or untracked); earlier files are still read as schema context",
    },
  ],
  formats: ["text", "json", "markdown", "sarif"],
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
      keepStatements: a.verifyRollback, // only the rollback check reads past the reports
    });
    const changed = a.changedSince ? await changedSince(a.changedSince, ctx.cwd) : undefined;
    const reported = changed ? files.filter((f) => f.report.path === "-" || keepChanged([f.report.path], changed, ctx.cwd).length > 0) : files;
    if (a.verifyRollback) await (await import("../src/plan/check-verify.js")).verifyForCheck(reported, a, ctx);
    const color = wantsColour((ctx.stdout as { isTTY?: boolean } | undefined)?.isTTY, ctx.env);
    return { report: { version: 1, files: reported.map((f) => f.report) }, sources: sourcesOf(reported), color };
  },
  render(result, format) {
    if (format === "json") return JSON.stringify(result.report);
    if (format === "markdown") return renderMarkdown(result.report);
    if (format === "sarif") return renderSarif(result.report, rules);
    return renderCheckText(result.report, { sources: result.sources, color: result.color === true });
  },
  exitCode(result, a) {
    return checkExitCode(result.report, a.failOn);
  },
});

export { checkExitCode };

function sourcesOf(files: AnalyzedFile[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of files) if (f.source.text !== undefined) out[f.source.path] = f.source.text;
  return out;
}

// pg, introspection and the embedded server load on demand: `check` without --db/--schema stays lean.
/** The schema context of --db/--target (live catalog, read-only) or --schema (replayed); also used by `plan`. */
export async function loadSchema(ctx: CommandContext, a: Pick<CheckArgs, "db" | "target" | "schema">): Promise<{ schema?: SchemaSnapshot; serverVersion?: number }> {
  if (a.schema && (a.db || a.target)) throw new UserError("usage", "check: give either --schema or --db/--target, not both");
  if (a.schema) {
    const { schemaFromSchemaFile, closeShadowServer } = await import("../src/db/shadow.js");
    const { default: path } = await import("node:path");
    try {
      const schema = await schemaFromSchemaFile(path.resolve(ctx.cwd, a.schema));
      return { schema, ...(schema.serverVersion ? { serverVersion: schema.serverVersion } : {}) };
    } finally {
      await closeShadowServer(); // the embedded server would keep the process alive
    }
  }
  if (!a.db && !a.target) return {};
  const { resolveDatabaseUrl, connect } = await import("../src/db/connection.js");
  const url = resolveDatabaseUrl({ db: a.db, target: a.target, readonly: true }, ctx.config.config, ctx.env);
  if (!url) return {};
  const client = await connect(url, { readonly: true, applicationName: "lockstep check" });
  try {
    const { introspect } = await import("../src/db/introspect.js");
    const schema = await introspect(client);
    return { schema, ...(schema.serverVersion ? { serverVersion: schema.serverVersion } : {}) };
  } finally {
    await client.end().catch(() => undefined);
  }
}
