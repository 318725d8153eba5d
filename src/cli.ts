import { Command, CommanderError, Option } from "commander";
import type { CommandEntry } from "../commands/manifest.js";
import { FORMATS, type CommandContext, type CommandDef, type Format } from "./command.js";
import { loadConfigLean } from "./config-file.js";
import { withoutEmpty } from "./env.js";
import { ExitCode, UserError, isUserError } from "./errors.js";
import { log } from "./log.js";
import { redact } from "./redact.js";
import { VERSION } from "./version.js";

export interface CliIO {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  stdin: NodeJS.ReadableStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** told each command's result after it is rendered (the demo summarises what the commands did) */
  onResult?(command: string, result: unknown, exitCode: number): void;
}

const EXIT_CODES_HELP = `
Exit codes:
  0  ok
  1  findings at or above --fail-on, or an action refused by policy
  2  usage, config or input error
  3  internal error (stack trace with --debug)
  4  an apply or backfill that started but stopped (failed, retries exhausted, cancelled)`;

/**
 * argv -> command -> render. The CLI's only error boundary. Returns the exit code.
 * `registry` defaults to every command, loading only the one argv runs (commands/manifest.ts).
 */
export async function runCli(argv: string[], given: CliIO = defaultIO(), registry?: Array<CommandDef | CommandEntry>): Promise<number> {
  const io: CliIO = { ...given, env: withoutEmpty(given.env) };
  const commands = registry ?? (await lazyRegistry(argv));
  const program = new Command("lockstep");
  let exitCode: number = ExitCode.ok;
  program
    .description("Predict the locks and rewrites of Postgres migrations, plan safe versions, and apply them with approvals.")
    .version(VERSION, "-V, --version", "print the version")
    .option("-c, --config <file>", "config file (default: ./lockstep.yml, or $LOCKSTEP_CONFIG)")
    .option("--debug", "print stack traces of internal errors")
    .helpOption("-h, --help", "show help")
    .addHelpText("after", EXIT_CODES_HELP)
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    });

  for (const def of commands) {
    program.addCommand("load" in def ? listingOnly(def) : buildCommand(def, program, io, (code) => (exitCode = code)));
  }

  try {
    if (argv.length === 0) {
      program.outputHelp();
      return ExitCode.ok;
    }
    await program.parseAsync(argv, { from: "user" });
    return exitCode;
  } catch (e) {
    return handleError(e, io, Boolean(program.opts().debug) || argv.includes("--debug"));
  }
}

/**
 * Every command, but only the one argv runs (or asks help for) is loaded: the others are entries
 * of commands/manifest.ts, enough for the top-level help and for commander's "unknown command".
 */
async function lazyRegistry(argv: string[]): Promise<Array<CommandDef | CommandEntry>> {
  const { COMMANDS } = await import("../commands/manifest.js");
  let name = commandNameIn(argv);
  if (name === "help") name = commandNameIn(argv.slice(argv.indexOf("help") + 1));
  const entry = COMMANDS.find((c) => c.name === name);
  const def = entry ? await entry.load() : undefined;
  return COMMANDS.map((c) => (c === entry ? def! : c));
}

/**
 * The first operand of the top-level command line, as commander reads it (`lockstep -c x.yml --debug
 * check ...` -> "check"): the global options are -c/--config <file> and flags; after an unknown
 * option commander dispatches to no command.
 */
function commandNameIn(argv: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") return argv[i + 1];
    if (arg === "-c" || arg === "--config") i++;
    else if (arg.length > 1 && arg.startsWith("-")) {
      if (arg.startsWith("--config=") || /^-c./.test(arg) || ["-V", "--version", "-h", "--help", "--debug"].includes(arg)) continue;
      return undefined; // unknown global option: commander runs no command
    } else return arg;
  }
  return undefined;
}

/** A command that is listed, never run: the top-level help shows its name, arguments and summary. */
function listingOnly(entry: CommandEntry): Command {
  const cmd = new Command(entry.name).description(entry.summary);
  for (const a of entry.arguments) {
    const name = `${a.name}${a.variadic ? "..." : ""}`;
    cmd.argument(a.required ? `<${name}>` : `[${name}]`);
  }
  cmd.addOption(new Option("-f, --format <format>")); // every command has one: "[options]" in the listing
  return cmd.action(() => {
    throw new Error(`command ${entry.name} was not loaded`);
  });
}

function buildCommand(def: CommandDef, program: Command, io: CliIO, setExit: (code: number) => void): Command {
  const cmd = new Command(def.name).description(def.summary).exitOverride().helpOption("-h, --help", "show help");
  if (def.description) cmd.addHelpText("after", `\n${def.description}`);
  for (const a of def.arguments ?? []) {
    const name = `${a.name}${a.variadic ? "..." : ""}`;
    cmd.argument(a.required ? `<${name}>` : `[${name}]`, a.description);
  }
  for (const o of def.options ?? []) {
    const opt = new Option(o.flags, o.description);
    if (o.repeatable) opt.argParser((v: string, prev: string[] | undefined) => [...(prev ?? []), v]);
    if (o.default !== undefined) opt.default(o.default);
    cmd.addOption(opt);
  }
  cmd.addOption(new Option("-f, --format <format>", "output format").choices([...def.formats]).default(def.formats[0]));
  cmd.configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });

  cmd.action(async (...actionArgs: unknown[]) => {
    const command = actionArgs[actionArgs.length - 1] as Command;
    const positional = Object.fromEntries((def.arguments ?? []).map((a, i) => [camel(a.name), actionArgs[i]]));
    const raw = { ...positional, ...command.opts() };
    const { format, ...rest } = raw as { format: Format } & Record<string, unknown>;
    const args = await parseArgs(def, rest);
    const ctx: CommandContext = {
      config: await loadConfigLean({ path: program.opts().config, env: io.env, cwd: io.cwd }),
      env: io.env,
      cwd: io.cwd,
      log,
      stdin: io.stdin as CommandContext["stdin"],
      stderr: io.stderr as CommandContext["stderr"],
      stdout: io.stdout as CommandContext["stdout"],
      format,
    };
    const result = await def.run(ctx, args);
    const out = await def.render(result, format, args);
    if (typeof out !== "string") io.stdout.write(out);
    else if (out) io.stdout.write(out.endsWith("\n") ? out : `${out}\n`);
    const code = def.exitCode?.(result, args) ?? ExitCode.ok;
    setExit(code);
    io.onResult?.(def.name, result, code);
  });
  return cmd;
}

async function parseArgs(def: CommandDef, raw: Record<string, unknown>): Promise<unknown> {
  const parsed = await def.args.safeParseAsync(raw);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${flagName(i.path)}: ${i.message}`);
  throw new UserError("usage", `${def.name}: ${problems.join("; ")}`);
}

function flagName(path: PropertyKey[]): string {
  const key = String(path[0] ?? "");
  return key ? `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}` : "arguments";
}

function camel(name: string): string {
  return name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

function handleError(e: unknown, io: CliIO, debug: boolean): number {
  if (e instanceof CommanderError) {
    if (e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.code === "commander.help") return ExitCode.ok;
    return ExitCode.usage; // commander already printed its one-line reason
  }
  if (isUserError(e)) {
    io.stderr.write(`lockstep: ${redact(e.message)}\n`);
    if (e.hint) io.stderr.write(`  hint: ${redact(e.hint)}\n`);
    return e.exitCode;
  }
  const err = e instanceof Error ? e : new Error(String(e));
  io.stderr.write(`lockstep: internal error: ${redact(err.message)}\n`);
  if (debug && err.stack) io.stderr.write(`${redact(err.stack)}\n`);
  else io.stderr.write("  run again with --debug for the stack trace, and please report it\n");
  return ExitCode.internal;
}

function defaultIO(): CliIO {
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, cwd: process.cwd() };
}
