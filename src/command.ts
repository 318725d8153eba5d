import type { Readable, Writable } from "node:stream";
import type { Logger } from "pino";
import type { z } from "zod";
import type { LoadedConfig } from "./config.js";

export const FORMATS = ["text", "json", "markdown", "sarif"] as const;
export type Format = (typeof FORMATS)[number];

/** What every command gets: config, environment and the streams, so tests can run commands in-process. */
export interface CommandContext {
  config: LoadedConfig;
  env: NodeJS.ProcessEnv;
  cwd: string;
  log: Logger;
  stdin: Readable;
  /** For progress output only; results are returned, never printed by commands. */
  stderr: Writable & { isTTY?: boolean };
  /** For streamed output of long-running commands (JSON lines of a backfill); results are still returned. */
  stdout?: Writable;
  /** The output format chosen, for commands that stream (e.g. JSON lines while a backfill runs). */
  format?: Format;
  signal?: AbortSignal;
}

export interface CommandArgument {
  name: string;
  description: string;
  variadic?: boolean;
  required?: boolean;
}

export interface CommandOption {
  /** commander syntax, e.g. "--db <url>" or "--dry-run" */
  flags: string;
  description: string;
  default?: string | boolean | string[];
  /** collect every occurrence into an array (e.g. --set a --set b) */
  repeatable?: boolean;
}

/**
 * A command: zod-validated args -> a result object. Shared by the CLI and Slack.
 * Commands never print and never catch; rendering and exit codes are derived from the result.
 */
export interface CommandDef<A extends z.ZodType = z.ZodType, R = unknown> {
  name: string;
  summary: string;
  /** Longer help text shown under the usage line. */
  description?: string;
  arguments?: CommandArgument[];
  options?: CommandOption[];
  formats: readonly Format[];
  args: A;
  run(ctx: CommandContext, args: z.infer<A>): Promise<R>;
  render(result: R, format: Format, args: z.infer<A>): string;
  exitCode?(result: R, args: z.infer<A>): number;
}

export function defineCommand<A extends z.ZodType, R>(def: CommandDef<A, R>): CommandDef<A, R> {
  return def;
}
