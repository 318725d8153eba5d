import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { z } from "zod";
import { durationMs, parseYaml, type TargetConfig } from "../config.js";
import { UserError } from "../errors.js";

/**
 * A backfill, as given by flags or by a spec file (`lockstep backfill --spec FILE`, written by
 * `lockstep plan`). Spec files use these snake_case names; flags are the same words in kebab-case.
 */
export const backfillSpecSchema = z
  .object({
    target: z.string().optional(),
    db: z.string().optional(),
    table: z.string().min(1),
    set: z.union([z.string(), z.array(z.string()).min(1)]).transform((v) => (Array.isArray(v) ? v : [v])),
    where: z.string().optional(),
    batch_size: z.union([z.literal("auto"), z.coerce.number().int().positive()]).default("auto"),
    target_batch_ms: z.coerce.number().int().positive().optional(),
    max_rows_per_s: z.coerce.number().positive().optional(),
    sleep_ms: z.coerce.number().int().min(0).default(0),
    save_old: z.boolean().default(false),
    lock_timeout_ms: z.coerce.number().int().positive().default(2000),
    statement_timeout_ms: z.coerce.number().int().positive().default(30_000),
    retries: z.coerce.number().int().min(0).default(10),
    max_replication_lag_ms: z.coerce.number().positive().optional(),
    max_xact_age_s: z.coerce.number().positive().default(300),
    /** Parallel walkers, each on its own shard of the key space and its own connection. */
    workers: z.coerce.number().int().min(1).max(16).default(1),
  })
  .strict();

export type BackfillSpecInput = z.input<typeof backfillSpecSchema>;
export type BackfillSpec = z.output<typeof backfillSpecSchema>;

export function parseSpec(raw: unknown, source: string): BackfillSpec {
  const result = backfillSpecSchema.safeParse(raw);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
  throw new UserError("usage", `invalid backfill spec ${source}: ${problems.join("; ")}`, {
    hint: "fields: table, set, where, batch_size, target_batch_ms, max_rows_per_s, sleep_ms, save_old, target or db (see docs/backfill.md)",
  });
}

/** What `lockstep plan` writes where only the user knows the value (the existing rows of a new NOT NULL column). */
export const FILL_PLACEHOLDER = "<value for existing rows>";

/** Read a YAML spec file; YAML errors carry line and column; a placeholder left in it is refused. */
export function loadSpecFile(file: string): BackfillSpec {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new UserError("spec-unreadable", `cannot read backfill spec ${file}: ${(e as Error).message}`);
  }
  refusePlaceholder(text, file);
  return parseSpec(parseYaml(text, file, "usage"), file);
}

function refusePlaceholder(text: string, file: string): void {
  const lines = text.split("\n");
  const at = lines.findIndex((l) => !l.trimStart().startsWith("#") && l.includes(FILL_PLACEHOLDER));
  if (at < 0) return;
  throw new UserError("spec-placeholder", `${file}:${at + 1}: the spec still holds ${FILL_PLACEHOLDER}: ${lines[at]!.trim()}`, {
    hint: `write the value the existing rows get in its place (e.g. set: role = 'member'), or plan again with --fill "column = expression"`,
  });
}

/**
 * What makes two invocations "the same backfill": the database, the table, the SET list and the
 * WHERE clause (whitespace-insensitive). Batch settings may change between resumes.
 */
export function runKey(database: string, table: string, sets: string[], where: string | undefined): string {
  const squash = (s: string) => s.trim().replace(/\s+/g, " ");
  const identity = JSON.stringify({ database, table, sets: sets.map(squash), where: where ? squash(where) : null });
  return createHash("sha256").update(identity).digest("hex");
}

/** A database's identity without credentials: host:port/name. */
export function databaseIdentity(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || "5432"}${u.pathname}`;
  } catch {
    return createHash("sha256").update(url).digest("hex").slice(0, 16);
  }
}

/** A target's configured backfill settings (lockstep.yml targets.X.backfill), under the spec's own. */
export function withTargetDefaults(spec: BackfillSpec, target: Pick<TargetConfig, "backfill">): BackfillSpec {
  const b = target.backfill;
  return {
    ...spec,
    target_batch_ms: spec.target_batch_ms ?? b.target_batch_ms,
    max_rows_per_s: spec.max_rows_per_s ?? b.max_rows_per_s,
    max_replication_lag_ms: spec.max_replication_lag_ms ?? (b.max_replication_lag !== undefined ? durationMs(b.max_replication_lag) : undefined),
  };
}

/**
 * The spec as stored in the state database and shown by `status`: a literal connection string
 * is dropped (it may hold a password); `env:VAR` and target names are kept, so a resume can find
 * the database again.
 */
export function storableSpec(spec: BackfillSpec): BackfillSpec {
  if (!spec.db || spec.db.startsWith("env:")) return spec;
  const { db: _secret, ...rest } = spec;
  return rest;
}
