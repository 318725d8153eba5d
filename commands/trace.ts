import { readFileSync } from "node:fs";
import { z } from "zod";
import { defineCommand } from "../src/command.js";
import type { CheckReport } from "../src/analyze/types.js";
import { connect, resolveDatabaseUrl } from "../src/db/connection.js";
import { closeShadowServer, shadowFrom } from "../src/db/shadow.js";
import { UserError, ExitCode } from "../src/errors.js";
import { renderTraceText } from "../src/trace/render.js";
import { RowFeeder } from "../src/trace/rows/feeder.js";
import { traceSql } from "../src/trace/trace.js";

export type TraceResult = CheckReport;

/** Run a migration on a throwaway copy of the schema and report the locks and rewrites Postgres really took. */
export const traceCommand = defineCommand({
  name: "trace",
  summary: "run a migration on a throwaway shadow copy of the schema and report the locks and rewrites Postgres really took",
  description:
    "The schema comes from --db (read from the catalog, read-only; nothing runs there) or --schema (a pg_dump --schema-only\n" +
    "file or earlier migrations, replayed). Before each INSERT/UPDATE/DELETE/MERGE, the rows it touches and their\n" +
    "foreign-key neighbourhood are copied from --db (SELECTs only, at most 1,000 rows per table), or made up, so that\n" +
    "triggers and cascades fire. Statements run one by one on a shadow database on the embedded server (or\n" +
    "LOCKSTEP_SHADOW_ADMIN_URL). Output has the same shape as `check --format json`; notes (`assumptions`) say where\n" +
    "rows came from and what could not be copied or observed.",
  arguments: [{ name: "file", description: "migration file (- for stdin)", required: true }],
  options: [
    { flags: "--db <url>", description: "database whose schema to copy (URL or env:VAR); only read" },
    { flags: "--target <name>", description: "config target whose (read-only) database schema to copy" },
    { flags: "--schema <file>", description: "schema dump or directory of earlier migrations to replay instead of --db" },
  ],
  formats: ["text", "json"],
  args: z.object({
    file: z.string(),
    db: z.string().optional(),
    target: z.string().optional(),
    schema: z.string().optional(),
  }),
  async run(ctx, args): Promise<TraceResult> {
    const sql = readMigration(args.file);
    const url = resolveDatabaseUrl({ db: args.db, target: args.target, readonly: true }, ctx.config.config, ctx.env);
    if (url && args.schema) throw new UserError("usage", "trace: give either --db/--target or --schema, not both");
    const shadow = await shadowFrom({ url, schemaFile: args.schema, adminUrl: ctx.env.LOCKSTEP_SHADOW_ADMIN_URL });
    // rows come from the source with SELECTs only, on a read-only connection of their own
    const source = url ? await connect(url, { applicationName: "lockstep-trace-rows", readonly: true }).catch(async (e: unknown) => {
      await shadow.drop();
      throw e;
    }) : undefined;
    // rows are written through a session of their own: writing them must not warm the caches of the session the
    // statements run in (a partition's constraint, read once per session, locks its parents the first time)
    const feed = await connect(shadow.url, { applicationName: "lockstep-trace-feed" }).catch(async (e: unknown) => {
      await source?.end();
      await shadow.drop();
      throw e;
    });
    const rows = new RowFeeder(feed, source);
    try {
      const file = await traceSql(args.file, sql, shadow, { rows });
      const assumptions = [...shadow.notes, ...(file.assumptions ?? [])];
      return { version: 1, files: [{ ...file, ...(assumptions.length ? { assumptions } : {}) }] };
    } finally {
      await rows.close();
      await feed.end().catch(() => undefined);
      await source?.end();
      await shadow.drop();
      await closeShadowServer();
    }
  },
  render(result, format) {
    if (format === "json") return JSON.stringify(result, null, 2);
    return renderTraceText(result);
  },
  exitCode(result) {
    return result.files.some((f) => f.errors.length > 0) ? ExitCode.usage : ExitCode.ok;
  },
});

function readMigration(file: string): string {
  let buf: Buffer;
  try {
    buf = readFileSync(file === "-" ? 0 : file);
  } catch {
    throw new UserError("not-found", `trace: ${file} does not exist or cannot be read`);
  }
  if (buf.includes(0)) throw new UserError("binary-file", `trace: ${file} is a binary file, not SQL`);
  const text = buf.toString("utf8");
  if (!Buffer.from(text, "utf8").equals(buf)) throw new UserError("invalid-utf8", `trace: ${file} is not valid UTF-8`);
  return text;
}
