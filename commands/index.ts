import type { CommandDef } from "../src/command.js";
import { checkCommand } from "./check.js";
import { traceCommand } from "./trace.js";
import { planCommand } from "./plan.js";
import { applyCommand } from "./apply.js";
import { backfillCommand } from "./backfill.js";
import { historyCommand } from "./history.js";
import { saveCommand } from "./save.js";
import { auditCommand } from "./audit.js";
import { serveCommand } from "./serve.js";
import { configCommand } from "./config.js";
import { sandboxCommand } from "./sandbox.js";

/** Every CLI subcommand, in help order. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const commands: CommandDef<any, any>[] = [
  checkCommand,
  traceCommand,
  planCommand,
  applyCommand,
  backfillCommand,
  historyCommand,
  saveCommand,
  auditCommand,
  serveCommand,
  sandboxCommand,
  configCommand,
];
