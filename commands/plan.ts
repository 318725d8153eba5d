import path from "node:path";
import { z } from "zod";
import { defineCommand } from "../src/command.js";
import { resolveDatabaseUrl } from "../src/db/connection.js";
import { ExitCode, UserError } from "../src/errors.js";
import type { PlanResult } from "../src/plan/types.js";
import { saveDbLabel } from "../src/plan/rollback.js";
import { renderPlan } from "../src/render/plan-text.js";
import { loadSchema } from "./check.js";

const args = z.object({
  file: z.string().min(1),
  db: z.string().optional(),
  target: z.string().optional(),
  schema: z.string().optional(),
  out: z.string().optional(),
  verify: z.boolean().default(true),
  fill: z.array(z.string()).default([]),
});

/** `lockstep plan`: rewrite a migration into safe phases, with a verified rollback for every statement. */
export const planCommand = defineCommand({
  name: "plan",
  summary: "rewrite a migration into safe phases (new files in the same layout) with a verified rollback for every statement",
  description: `Writes the safe sequence as migration files in the source's layout (golang-migrate, Flyway, diesel, Prisma,
Drizzle with its journal, dbmate, plain) under --out (default ./lockstep-plan/<migration>), numbered after the highest
version in the source's migrations directory; an existing file is never overwritten (--out may be that directory).
Backfill specs go under backfills/ (run them with lockstep backfill --spec FILE; --fill gives the value for existing
rows), and the application deploys between phases are listed. The generated files are checked as one migration set.
Rollbacks are verified by applying each statement and its rollback on a throwaway shadow database built from --db
(schema only, read from the catalog), --schema, or else the directory's earlier migrations, and diffing the catalog.
A down file next to the migration is verified the same way.
Exit code 1 when a rollback or down file fails verification or a generated file has error findings; 2 for bad input
(a syntax error, a --fill the plan cannot use, files that would be overwritten).`,
  arguments: [{ name: "file", description: "the migration file to plan", required: true }],
  options: [
    { flags: "--db <url>", description: "database whose schema to read (URL or env:VAR); only read, never modified" },
    { flags: "--target <name>", description: "a target from lockstep.yml (its read-only URL when set)" },
    { flags: "--schema <file>", description: "schema file (pg_dump --schema-only or earlier migrations) instead of --db" },
    { flags: "--out <dir>", description: "where to write the files (default ./lockstep-plan/<migration>)" },
    { flags: "--fill <assignment>", description: `"column = expression": the value existing rows get where a column is added NOT NULL without a default (repeatable)`, repeatable: true },
    { flags: "--no-verify", description: "skip rollback verification on a shadow database" },
  ],
  formats: ["text", "json", "markdown"],
  args,
  async run(ctx, a): Promise<PlanResult> {
    const { planMigration } = await import("../src/plan/plan.js");
    const { closeShadowServer } = await import("../src/db/shadow.js");
    if (a.schema && (a.db || a.target)) throw new UserError("usage", "plan: give either --schema or --db/--target, not both");
    const url = resolveDatabaseUrl({ db: a.db, target: a.target, readonly: true }, ctx.config.config, ctx.env);
    const { schema } = await loadSchema(ctx, a);
    try {
      return await planMigration({
        file: a.file,
        cwd: ctx.cwd,
        ...(a.out ? { out: a.out } : {}),
        ...(schema ? { schema } : {}),
        dbLabel: saveDbLabel(a),
        fills: a.fill,
        verify: a.verify ? { ...(url ? { url } : {}), ...(a.schema ? { schemaFile: path.resolve(ctx.cwd, a.schema) } : {}), ...(ctx.env.LOCKSTEP_SHADOW_ADMIN_URL ? { adminUrl: ctx.env.LOCKSTEP_SHADOW_ADMIN_URL } : {}) } : false,
      });
    } finally {
      await closeShadowServer();
    }
  },
  render(result, format) {
    if (format === "json") return JSON.stringify(result, null, 2);
    return renderPlan(result, { markdown: format === "markdown" });
  },
  exitCode(result) {
    const rollbackFailed = result.rollback.some((e) => e.verified === false) || result.down?.verified === false;
    const badFile = result.checks.some((c) => c.errors.length > 0 || c.findings.some((f) => f.severity === "error" && !f.ignored));
    return rollbackFailed || badFile ? ExitCode.findings : ExitCode.ok;
  },
});
