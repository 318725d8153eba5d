/**
 * Finding lockstep.yml, without zod: `check` in CI usually has no config file, and loading zod
 * (~95 modules) would be a tenth of its run. config.ts validates a file when there is one.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import type { Config, LoadedConfig } from "./config.js";
import { UserError } from "./errors.js";

export const DEFAULT_CONFIG_FILE = "lockstep.yml";

export interface ConfigLocation {
  path?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

/** The config file to read, or undefined when none exists and none was named (a named one that is missing is an error). */
export function findConfigFile(opts: ConfigLocation = {}): string | undefined {
  const env = opts.env ?? process.env;
  const named = opts.path ?? (env.LOCKSTEP_CONFIG || undefined);
  const file = path.resolve(opts.cwd ?? process.cwd(), named ?? DEFAULT_CONFIG_FILE);
  if (existsSync(file)) return file;
  if (named) throw new UserError("config-missing", `config file not found: ${named}`);
  return undefined;
}

/** The config with no file: every default (test/config.test.ts checks it equals the schema's defaults). */
export function emptyConfig(): Config {
  return { targets: {}, state: { data_dir: ".lockstep/pg" } };
}

/** loadConfig (config.ts), loading zod only when there is a file to validate. */
export async function loadConfigLean(opts: ConfigLocation = {}): Promise<LoadedConfig> {
  if (!findConfigFile(opts)) return { config: emptyConfig() };
  return (await import("./config.js")).loadConfig(opts);
}
