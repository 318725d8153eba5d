import type { CommandArgument, CommandDef } from "../src/command.js";

/**
 * Every CLI subcommand, in help order, as plain data: what the top-level help lists (name, summary,
 * arguments) and how to load the command. `lockstep --help`, `--version` and a mistyped command
 * load no command module (Slack, pg-boss and the embedded server stay on disk); a command's own
 * module loads only when it runs or its help is asked for. Must agree with each command's
 * definition: a test compares them, and the top-level help from here with the one built from
 * commands/index.ts.
 */
export interface CommandEntry {
  name: string;
  summary: string;
  arguments: Array<Pick<CommandArgument, "name" | "required" | "variadic">>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  load(): Promise<CommandDef<any, any>>;
}

export const COMMANDS: CommandEntry[] = [
  {
    name: "check",
    summary: "predict the locks and table rewrites of migration files, statement by statement",
    arguments: [{ name: "paths", required: true, variadic: true }],
    load: async () => (await import("./check.js")).checkCommand,
  },
  {
    name: "trace",
    summary: "run a migration on a throwaway shadow copy of the schema and report the locks and rewrites Postgres really took",
    arguments: [{ name: "file", required: true }],
    load: async () => (await import("./trace.js")).traceCommand,
  },
  {
    name: "plan",
    summary: "rewrite a migration into safe phases (new files in the same layout) with a verified rollback for every statement",
    arguments: [{ name: "file", required: true }],
    load: async () => (await import("./plan.js")).planCommand,
  },
  {
    name: "apply",
    summary: "apply the target's pending migrations (approved content only), with lock_timeout retries and history",
    arguments: [],
    load: async () => (await import("./apply.js")).applyCommand,
  },
  {
    name: "backfill",
    summary: "run a batched, resumable data backfill (keyset batches, adaptive size, throttles, checkpoints)",
    arguments: [{ name: "action" }],
    load: async () => (await import("./backfill.js")).backfillCommand,
  },
  {
    name: "history",
    summary: "list the migrations Lockstep applied to a target, and those still pending",
    arguments: [],
    load: async () => (await import("./history.js")).historyCommand,
  },
  {
    name: "save",
    summary: "save a table's rows (or some columns) to a CSV file with COPY, before a migration destroys them",
    arguments: [],
    load: async () => (await import("./save.js")).saveCommand,
  },
  {
    name: "audit",
    summary: "list the audit log: who did what, when, on which content hash, and the decision",
    arguments: [],
    load: async () => (await import("./audit.js")).auditCommand,
  },
  {
    name: "serve",
    summary: "run the Slack bot (Socket Mode when SLACK_APP_TOKEN is set, else HTTP on $PORT)",
    arguments: [],
    load: async () => (await import("./serve.js")).serveCommand,
  },
  {
    name: "sandbox",
    summary: "the Slack side on a local page: the real bot, a demo target and one Slack-like channel on 127.0.0.1",
    arguments: [],
    load: async () => (await import("./sandbox.js")).sandboxCommand,
  },
  {
    name: "config",
    summary: "validate the config file and show its targets (connection strings are never printed)",
    arguments: [],
    load: async () => (await import("./config.js")).configCommand,
  },
];
