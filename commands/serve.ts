import { z } from "zod";
import { defineCommand } from "../src/command.js";
import { startSlackBot } from "../src/slack/serve.js";

interface ServeResult {
  mode: "http" | "socket";
  port: number;
  stoppedBy: string;
}

/** Run the Slack bot until SIGINT/SIGTERM. */
export const serveCommand = defineCommand({
  name: "serve",
  summary: "run the Slack bot (Socket Mode when SLACK_APP_TOKEN is set, else HTTP on $PORT)",
  description: [
    "Environment: SLACK_BOT_TOKEN, and SLACK_SIGNING_SECRET (HTTP) or SLACK_APP_TOKEN (Socket Mode);",
    "PORT (default 3000), SLACK_API_URL (Web API base URL), DATABASE_URL (state; embedded when unset).",
    "LOCKSTEP_TAKEOVER_INTERVAL_MS (default 15000): how often to look for jobs whose replica died.",
    "HTTP: POST /slack/events for commands, interactivity and events; GET /healthz in both modes",
    "(200 while the bot can serve, else 503 with the reason). A failed start-up exits 3.",
  ].join("\n"),
  formats: ["text", "json"],
  args: z.object({}),
  async run(ctx): Promise<ServeResult> {
    const running = await startSlackBot({ loaded: ctx.config, env: ctx.env, cwd: ctx.cwd, log: ctx.log });
    ctx.stderr.write(`lockstep serve: ${running.bot.mode === "socket" ? "Socket Mode" : `HTTP on port ${running.port}`} (health: GET /healthz)\n`);
    const stoppedBy = await new Promise<string>((resolve) => {
      const done = (why: string) => resolve(why);
      process.once("SIGINT", () => done("SIGINT"));
      process.once("SIGTERM", () => done("SIGTERM"));
      ctx.signal?.addEventListener("abort", () => done("abort"));
    });
    await running.stop();
    return { mode: running.bot.mode, port: running.port, stoppedBy };
  },
  render(result, format) {
    return format === "json" ? JSON.stringify(result) : `lockstep serve: stopped (${result.stoppedBy})`;
  },
});
