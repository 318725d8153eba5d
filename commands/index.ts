import type { CommandDef } from "../src/command.js";
import { applyCommand } from "./apply.js";
import { auditCommand } from "./audit.js";
import { configCommand } from "./config.js";
import { historyCommand } from "./history.js";
import { serveCommand } from "./serve.js";

/** Every CLI subcommand, in help order. Each arrives with its own issue. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const commands: CommandDef<any, any>[] = [configCommand, serveCommand, auditCommand, applyCommand, historyCommand];
