import { z } from "zod";
import { listHistory } from "../src/apply/history/index.js";
import { planApply, targetContext, type ApplyOutcome } from "../src/apply/run.js";
import { defineCommand } from "../src/command.js";
import { connect } from "../src/db/connection.js";

interface HistoryReport {
  target: string;
  applied: Awaited<ReturnType<typeof listHistory>>;
  pending: ApplyOutcome["pending"];
}

export const historyCommand = defineCommand({
  name: "history",
  summary: "list the migrations Lockstep applied to a target, and those still pending",
  options: [{ flags: "--target <name>", description: "the target from lockstep.yml" }],
  formats: ["text", "json"],
  args: z.object({ target: z.string().min(1) }),
  async run(ctx, args): Promise<HistoryReport> {
    const tc = targetContext(ctx.config, args.target, ctx.env, ctx.cwd);
    const client = await connect(tc.url, { applicationName: "lockstep-history", readonly: true });
    try {
      const applied = await listHistory(client, tc.target.apply.history_table);
      const plan = await planApply(tc);
      return { target: tc.name, applied, pending: plan.pending };
    } finally {
      await client.end().catch(() => undefined);
    }
  },
  render(r, format) {
    if (format === "json") return JSON.stringify(r, null, 2);
    const lines = [`${r.target}: ${r.applied.length} applied by Lockstep, ${r.pending.length} pending`];
    for (const a of r.applied) {
      lines.push(`  ${a.version} ${a.name}  ${new Date(a.applied_at).toISOString()}  by ${a.applied_by ?? "?"}  ${(a.duration_ms / 1000).toFixed(2)}s  sha256 ${a.checksum.slice(0, 12)}`);
    }
    for (const p of r.pending) lines.push(`  pending ${p.path}`);
    return lines.join("\n");
  },
});
