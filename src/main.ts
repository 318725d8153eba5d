#!/usr/bin/env node
import { runCli } from "./cli.js";

const code = await runCli(process.argv.slice(2));
process.exitCode = code;
// libpg-query's WASM runtime can reset process.exitCode from a timer after we return
// (emscripten's exit path); the CLI's own code must win.
process.on("exit", () => {
  process.exitCode = code;
});
