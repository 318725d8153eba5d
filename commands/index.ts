import type { CommandDef } from "../src/command.js";
import { applyCommand } from "./apply.js";
import { configCommand } from "./config.js";
import { historyCommand } from "./history.js";

/** Every CLI subcommand, in help order. Each arrives with its own issue. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const commands: CommandDef<any, any>[] = [configCommand, applyCommand, historyCommand];
