import { defineRule } from "./define.js";
import { isExisting } from "../rule-helpers.js";

export default defineRule({
  id: "require-concurrent-reindex",
  severity: "error",
  summary: "REINDEX without CONCURRENTLY blocks writes (and reads that use the index) for the whole rebuild",
  docs: {
    bad: "REINDEX INDEX users_email_idx;",
    good: "REINDEX INDEX CONCURRENTLY users_email_idx;",
    why: "REINDEX holds SHARE on the table and ACCESS EXCLUSIVE on the index being rebuilt. CONCURRENTLY (Postgres 12+) rebuilds alongside and swaps.",
  },
  check(ctx) {
    const { statement, pgVersion } = ctx;
    if (statement.kind !== "reindex" || statement.concurrently || pgVersion < 12) return [];
    if (!["index", "table"].includes(statement.objectType ?? "") || !isExisting(ctx)) return [];
    return [
      {
        message: `REINDEX ${statement.objectType?.toUpperCase()} ${statement.relation} blocks writes until the rebuild finishes`,
        fix: `REINDEX ${statement.objectType?.toUpperCase()} CONCURRENTLY ${statement.relation};  -- outside a transaction block`,
      },
    ];
  },
});
