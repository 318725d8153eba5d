import { z } from "zod";
import { defineCommand } from "../src/command.js";
import { listAudit, type AuditRow } from "../src/store/audit.js";
import { openStateDatabase } from "../src/store/state-db.js";
import { openStore } from "../src/store/store.js";

/** The audit log (checks, approvals, refusals, rejections, applies), newest first. */
export const auditCommand = defineCommand({
  name: "audit",
  summary: "list the audit log: who did what, when, on which content hash, and the decision",
  options: [
    { flags: "--target <name>", description: "only this target (also one no longer in the config)" },
    { flags: "--limit <n>", description: "how many entries", default: "50" },
  ],
  formats: ["text", "json"],
  args: z.object({ target: z.string().optional(), limit: z.coerce.number().int().positive().max(10_000) }),
  async run(ctx, args): Promise<AuditRow[]> {
    const state = await openStateDatabase(ctx.config.config, ctx.env);
    try {
      const store = await openStore(state.url, { startQueue: false });
      try {
        return await listAudit(store.pool, { targets: args.target ? [args.target] : undefined, limit: args.limit });
      } finally {
        await store.close();
      }
    } finally {
      await state.close();
    }
  },
  render(rows, format) {
    if (format === "json") return JSON.stringify(rows.map((r) => ({ ...r, at: r.at.toISOString() })), null, 2);
    if (rows.length === 0) return "the audit log is empty";
    return rows
      .map((r) =>
        [r.at.toISOString(), r.actor, r.action, r.decision ?? "-", r.target ?? "-", r.contentHash ? r.contentHash.slice(0, 12) : "-"].join("  "),
      )
      .join("\n");
  },
});
