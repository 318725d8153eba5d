import { z } from "zod";
import { applyFromCli } from "../src/apply/cli.js";
import type { ApplyOutcome } from "../src/apply/run.js";
import { defineCommand } from "../src/command.js";
import { ExitCode } from "../src/errors.js";
import { renderApplyText } from "../src/render/apply.js";

export const applyCommand = defineCommand({
  name: "apply",
  summary: "apply the target's pending migrations (approved content only), with lock_timeout retries and history",
  description:
    "Runs as a durable job: one apply per target at a time. Progress goes to stderr (a bar on a terminal, JSON lines otherwise).\n" +
    "Exit codes: 0 applied or nothing to do, 1 refused by policy (no approval, edited deployed migration, another apply running),\n" +
    "2 usage (e.g. no terminal to confirm on and no --yes), 4 started but stopped (failed statement, retries exhausted, cancelled).",
  options: [
    { flags: "--target <name>", description: "the target from lockstep.yml" },
    { flags: "--dry-run", description: "show what would be applied; change nothing", default: false },
    { flags: "--yes", description: "skip the confirmation prompt (the approval policy still applies)", default: false },
  ],
  formats: ["text", "json"],
  args: z.object({ target: z.string().min(1), dryRun: z.boolean().default(false), yes: z.boolean().default(false) }),
  run: (ctx, args) => applyFromCli(ctx, args),
  render: (o: ApplyOutcome, format) => (format === "json" ? JSON.stringify(o, null, 2) : renderApplyText(o)),
  exitCode(o: ApplyOutcome) {
    if (o.status === "stopped") return ExitCode.stopped;
    if (o.status === "refused" || o.status === "busy") return ExitCode.findings;
    return ExitCode.ok;
  },
});
