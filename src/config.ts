import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { z } from "zod";
import { DEFAULT_CONFIG_FILE, emptyConfig, findConfigFile, type ConfigLocation } from "./config-file.js";
import { UserError } from "./errors.js";
import { looksLikeConnectionString, redact } from "./redact.js";

/** An env var NAME. A connection string pasted here is rejected (and shown redacted). */
const envVarName = z.string().superRefine((value, ctx) => {
  if (looksLikeConnectionString(value)) {
    ctx.addIssue({
      code: "custom",
      message: `expects the NAME of an environment variable holding the connection string, not the connection string itself (got ${redact(value)})`,
    });
  } else if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(value)) {
    ctx.addIssue({ code: "custom", message: `"${value}" is not a valid environment variable name` });
  }
});

const duration = z.union([z.string().regex(/^\d+(\.\d+)?\s*(ms|s|min|h)$/, "a duration such as 2s, 500ms, 5min or 24h"), z.number().nonnegative()]);

export const RISK_LEVELS = ["low", "medium", "high", "critical"] as const;
export type RiskLevel = (typeof RISK_LEVELS)[number];

export const LAYOUTS = ["auto", "golang-migrate", "flyway", "diesel", "prisma", "drizzle", "dbmate", "synapse", "plain"] as const;

const approvalsSchema = z
  .object({
    approvers: z.array(z.string()).default([]),
    user_groups: z.array(z.string()).default([]),
    required: z.partialRecord(z.enum(RISK_LEVELS), z.number().int().min(0)).default({}),
    require_group: z.partialRecord(z.enum(RISK_LEVELS), z.string()).default({}),
    expiry: duration.default("24h"),
    allow_self_approval: z.boolean().default(false),
    allow_adhoc_sql: z.boolean().default(false),
    allow_unapproved_cli: z.boolean().default(false),
  })
  .strict();

const applySchema = z
  .object({
    lock_timeout: duration.default("2s"),
    statement_timeout: duration.default("0"),
    retries: z.number().int().min(0).default(5),
    history: z.string().default("auto"),
    history_table: z.string().default("lockstep.migrations"),
    on_blocker: z.enum(["wait", "abort", "ask"]).default("wait"),
  })
  .strict();

const backfillSchema = z
  .object({
    target_batch_ms: z.number().int().positive().default(200),
    max_rows_per_s: z.number().positive().optional(),
    windows: z.array(z.string()).default([]),
    max_replication_lag: duration.optional(),
  })
  .strict();

const targetSchema = z
  .object({
    url_env: envVarName,
    readonly_url_env: envVarName.optional(),
    migrations: z.string().optional(),
    layout: z.enum(LAYOUTS).default("auto"),
    pg_version: z.number().int().min(11).max(18).optional(),
    channels: z.array(z.string()).default([]),
    approvals: approvalsSchema.default(() => approvalsSchema.parse({})),
    apply: applySchema.default(() => applySchema.parse({})),
    backfill: backfillSchema.default(() => backfillSchema.parse({})),
    drift: z.object({ cron: z.string().default("0 6 * * *"), enabled: z.boolean().default(true) }).strict().default({ cron: "0 6 * * *", enabled: true }),
    code: z.array(z.string()).default([]),
  })
  .strict();

export const configSchema = z
  .object({
    targets: z.record(z.string().regex(/^[A-Za-z0-9_.-]+$/, "target names use letters, digits, _ . -"), targetSchema).default({}),
    state: z.object({ data_dir: z.string().default(".lockstep/pg") }).strict().default({ data_dir: ".lockstep/pg" }),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;
export type TargetConfig = z.infer<typeof targetSchema>;

export interface LoadedConfig {
  config: Config;
  /** The file it came from; undefined when no file exists and none was named. */
  path?: string;
}

export { DEFAULT_CONFIG_FILE };

/**
 * Read the config once. A named file (--config or LOCKSTEP_CONFIG) that is missing is an error;
 * no file and none named means an empty config. Every problem is reported at once.
 */
export function loadConfig(opts: ConfigLocation = {}): LoadedConfig {
  const file = findConfigFile(opts);
  if (!file) return { config: emptyConfig() };
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new UserError("config-unreadable", `cannot read config file ${file}: ${(e as Error).message}`);
  }
  return { config: parseConfigText(text, file), path: file };
}

/** Parse YAML text; syntax errors are a UserError listing every problem with line and column. */
export function parseYaml(text: string, file: string, code = "config-invalid"): unknown {
  // loaded on first use: most `check` runs have no lockstep.yml and never need the YAML parser
  const { parseDocument } = createRequire(import.meta.url)("yaml") as typeof import("yaml");
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((e) => {
      const pos = e.linePos?.[0];
      return pos ? `line ${pos.line}, column ${pos.col}: ${e.code}` : e.message;
    });
    throw new UserError(code, `invalid YAML in ${file}: ${problems.join("; ")}`);
  }
  try {
    return doc.toJS() ?? {};
  } catch (e) {
    // the YAML parser refuses documents whose aliases expand without bound ("billion laughs")
    throw new UserError(code, `invalid YAML in ${file}: ${(e as Error).message}`);
  }
}

export function parseConfigText(text: string, file = DEFAULT_CONFIG_FILE): Config {
  const raw = parseYaml(text, file);
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
    throw new UserError("config-invalid", `invalid config ${file}: ${problems.join("; ")}`, {
      hint: "see lockstep.example.yml for every key",
    });
  }
  return result.data;
}

/** Durations in config ("2s", "500ms", "24h", or a number of milliseconds) as milliseconds. */
export function durationMs(value: string | number): number {
  if (typeof value === "number") return value;
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|min|h)?$/.exec(value.trim());
  if (!m) throw new UserError("bad-duration", `not a duration: ${value}`);
  const n = Number(m[1]);
  const unit = m[2] ?? "ms";
  return n * { ms: 1, s: 1000, min: 60_000, h: 3_600_000 }[unit]!;
}

export function getTarget(config: Config, name: string): TargetConfig {
  const target = config.targets[name];
  if (!target) {
    const known = Object.keys(config.targets);
    throw new UserError("unknown-target", `unknown target "${name}"`, {
      hint: known.length ? `configured targets: ${known.join(", ")}` : "no targets are configured (see lockstep.example.yml)",
    });
  }
  return target;
}
