import { defineRule } from "./define.js";
import { isExisting, sqlName } from "../rule-helpers.js";

export default defineRule({
  id: "require-concurrent-refresh",
  severity: "error",
  summary: "REFRESH MATERIALIZED VIEW without CONCURRENTLY blocks every read of the view until it finishes",
  docs: {
    bad: "REFRESH MATERIALIZED VIEW daily_totals;",
    good: "REFRESH MATERIALIZED VIEW CONCURRENTLY daily_totals;",
    why: "CONCURRENTLY needs a unique index on the view (without a WHERE clause) and cannot be used WITH NO DATA; it lets reads continue while it refreshes.",
  },
  appliesTo: { kinds: ["refresh-materialized-view"] },
  check(ctx) {
    const { statement } = ctx;
    if (statement.kind !== "refresh-materialized-view" || statement.concurrently || statement.withNoData || !isExisting(ctx)) return [];
    return [
      {
        message: `REFRESH MATERIALIZED VIEW ${statement.relation} holds ACCESS EXCLUSIVE on it: every read waits for the whole refresh`,
        fix: `-- once: CREATE UNIQUE INDEX CONCURRENTLY ON ${sqlName(statement.relation!)} (<unique columns>);\nREFRESH MATERIALIZED VIEW CONCURRENTLY ${sqlName(statement.relation!)};`,
      },
    ];
  },
});
