import { z } from "zod";
import { defineCommand } from "../src/command.js";
import { DEMO_USERS } from "../src/demo/target.js";

interface SandboxResult {
  url: string;
  stoppedBy: string;
}

/** A local Slack-like channel page that drives the real bot, until SIGINT/SIGTERM. */
export const sandboxCommand = defineCommand({
  name: "sandbox",
  summary: "the Slack side on a local page: the real bot, a demo target and one Slack-like channel on 127.0.0.1",
  description: [
    "Starts a throwaway embedded PostgreSQL with a busy demo target (users, orders, a simulated application),",
    "the bot as `lockstep serve` runs it (HTTP mode), and a page that looks and behaves like one Slack channel:",
    "type /migrate commands, switch between a requester, two approvers and an outsider, click the buttons.",
    "The page signs every request with the bot's signing secret and answers the Web API calls the bot makes.",
    "It listens on 127.0.0.1 only. Ctrl-C stops everything; nothing is left behind but .lockstep/sandbox.",
  ].join("\n"),
  options: [
    { flags: "--port <n>", description: "the page's port on 127.0.0.1 (0: any free one)", default: "4300" },
    { flags: "--users <n>", description: `rows in the demo target's users table (default ${DEMO_USERS})` },
  ],
  formats: ["text", "json"],
  args: z.object({
    port: z.coerce.number().int().min(0).max(65535),
    users: z.coerce.number().int().min(1000).optional(),
  }),
  async run(ctx, args): Promise<SandboxResult> {
    const { startSandbox } = await import("../src/sandbox/start.js");
    const say = (line: string) => ctx.stderr.write(`lockstep sandbox: ${line}\n`);
    const sandbox = await startSandbox({ port: args.port, users: args.users ?? DEMO_USERS, cwd: ctx.cwd, log: ctx.log, onPhase: (what) => say(`${what} ...`) });
    say(`open ${sandbox.url}  (Ctrl-C to stop)`);
    const stoppedBy = await new Promise<string>((resolve) => {
      process.once("SIGINT", () => resolve("SIGINT"));
      process.once("SIGTERM", () => resolve("SIGTERM"));
      ctx.signal?.addEventListener("abort", () => resolve("abort"));
    });
    say("stopping ...");
    await sandbox.stop();
    return { url: sandbox.url, stoppedBy };
  },
  render(result, format) {
    return format === "json" ? JSON.stringify(result) : `lockstep sandbox: stopped (${result.stoppedBy})`;
  },
});
