import { z } from "zod";
import { defineCommand } from "../src/command.js";
import type { Config } from "../src/config.js";

interface ConfigReport {
  path: string | null;
  targets: Array<{ name: string; url_env: string; url_env_set: boolean; readonly_url_env?: string; layout: string; migrations?: string; channels: string[] }>;
}

/** Validate the config and show what Lockstep understood: targets and whether their env vars are set. */
export const configCommand = defineCommand({
  name: "config",
  summary: "validate the config file and show its targets (connection strings are never printed)",
  formats: ["text", "json"],
  args: z.object({}),
  async run(ctx): Promise<ConfigReport> {
    return { path: ctx.config.path ?? null, targets: describeTargets(ctx.config.config, ctx.env) };
  },
  render(report, format) {
    if (format === "json") return JSON.stringify(report, null, 2);
    const lines = [report.path ? `config: ${report.path}` : "config: none (no lockstep.yml; no targets)"];
    for (const t of report.targets) {
      lines.push(
        `target ${t.name}: url from $${t.url_env} (${t.url_env_set ? "set" : "NOT SET"}), layout ${t.layout}` +
          (t.migrations ? `, migrations in ${t.migrations}` : ""),
      );
    }
    return lines.join("\n");
  },
});

function describeTargets(config: Config, env: NodeJS.ProcessEnv): ConfigReport["targets"] {
  return Object.entries(config.targets).map(([name, t]) => ({
    name,
    url_env: t.url_env,
    url_env_set: Boolean(env[t.url_env]),
    ...(t.readonly_url_env ? { readonly_url_env: t.readonly_url_env } : {}),
    layout: t.layout,
    ...(t.migrations ? { migrations: t.migrations } : {}),
    channels: t.channels,
  }));
}
