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

/** One problem with the args: which one (`path[0]`) and why. */
export interface ArgsIssue {
  path: PropertyKey[];
  message: string;
}

/** What validates a command's args: a zod schema, or leanArgs() for a command whose start-up matters. */
export interface ArgsSchema<T = unknown> {
  safeParseAsync(raw: unknown): Promise<{ success: true; data: T } | { success: false; error: { issues: ArgsIssue[] } }>;
}

/** The validated args type of a schema. */
export type ArgsOf<A> = A extends z.ZodType ? z.infer<A> : A extends ArgsSchema<infer T> ? T : never;

/**
 * Args of a command on a start-up-critical path (`check` in CI, where loading zod would cost a
 * tenth of the run): `quick` accepts the common cases without zod and returns undefined for
 * anything else; the zod schema from `load` decides those and words the errors. Where `quick`
 * answers it must agree with the schema (a test checks each such pair).
 */
export function leanArgs<T>(quick: (raw: Record<string, unknown>) => T | undefined, load: () => Promise<ArgsSchema<T>>): ArgsSchema<T> & { quick: typeof quick; load: typeof load } {
  return {
    quick,
    load,
    async safeParseAsync(raw) {
      const data = quick(raw as Record<string, unknown>);
      return data !== undefined ? { success: true, data } : (await load()).safeParseAsync(raw);
    },
  };
}

/**
 * A command: validated args (zod) -> a result object. Shared by the CLI and Slack.
 * Commands never print and never catch; rendering and exit codes are derived from the result.
 */
export interface CommandDef<A extends ArgsSchema = ArgsSchema, R = unknown> {
  name: string;
  summary: string;
  /** Longer help text shown under the usage line. */
  description?: string;
  arguments?: CommandArgument[];
  options?: CommandOption[];
  formats: readonly Format[];
  args: A;
  run(ctx: CommandContext, args: ArgsOf<A>): Promise<R>;
  /** may be async: a command can load the renderer of a format on demand; bytes are written as they are (UTF-8) */
  render(result: R, format: Format, args: ArgsOf<A>): string | Uint8Array | Promise<string | Uint8Array>;
  exitCode?(result: R, args: ArgsOf<A>): number;
}

export function defineCommand<A extends ArgsSchema, R>(def: CommandDef<A, R>): CommandDef<A, R> {
  return def;
}
