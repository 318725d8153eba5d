import { defineRule } from "./define.js";
import { isExisting, sqlName } from "../rule-helpers.js";

export default defineRule({
  id: "require-concurrent-index-deletion",
  severity: "warning",
  summary: "DROP INDEX without CONCURRENTLY takes ACCESS EXCLUSIVE on the table",
  docs: {
    bad: "DROP INDEX users_email_idx;",
    good: "DROP INDEX CONCURRENTLY IF EXISTS users_email_idx;",
    why: "The drop itself is quick, but it must wait for every running query on the table, and everything queues behind it meanwhile.",
  },
  appliesTo: { kinds: ["drop-index"] },
  check(ctx) {
    const { statement } = ctx;
    if (statement.kind !== "drop-index" || statement.concurrently) return [];
    const existing = statement.objects.filter((index) => isExisting(ctx, index) && isExisting(ctx, ctx.schema.relations[index]?.table));
    if (existing.length === 0) return [];
    return [
      {
        message: `DROP INDEX ${existing.join(", ")} takes ACCESS EXCLUSIVE on ${tablesOf(ctx, existing)}`,
        fix: existing.map((i) => `DROP INDEX CONCURRENTLY IF EXISTS ${sqlName(i)};  -- one index per statement, outside a transaction block`).join("\n"),
      },
    ];
  },
});

function tablesOf(ctx: Parameters<typeof isExisting>[0], indexes: string[]): string {
  const tables = [...new Set(indexes.map((i) => ctx.schema.relations[i]?.table).filter(Boolean))];
  return tables.length ? tables.join(", ") : "its table";
}
