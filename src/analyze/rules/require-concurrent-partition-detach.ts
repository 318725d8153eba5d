import { defineRule } from "./define.js";
import { isExisting, sqlName } from "../rule-helpers.js";

export default defineRule({
  id: "require-concurrent-partition-detach",
  severity: "warning",
  summary: "DETACH PARTITION without CONCURRENTLY takes ACCESS EXCLUSIVE on the partitioned table (Postgres 14+ can avoid it)",
  docs: {
    bad: "ALTER TABLE events DETACH PARTITION events_2019;",
    good: "ALTER TABLE events DETACH PARTITION events_2019 CONCURRENTLY;",
    why: "The detach is quick, but it waits for every query on the whole partitioned table while everything queues behind it. CONCURRENTLY (not in a transaction block, not with a DEFAULT partition) only takes SHARE UPDATE EXCLUSIVE.",
  },
  appliesTo: { actions: true },
  check(ctx) {
    const { statement, pgVersion } = ctx;
    if (!isExisting(ctx)) return [];
    return statement.actions.flatMap((a) =>
      a.action === "detach-partition" && !a.concurrently
        ? [
            {
              message: `DETACH PARTITION ${a.partition} takes ACCESS EXCLUSIVE on ${statement.relation}: every query on the partitioned table queues behind it`,
              fix:
                pgVersion >= 14
                  ? `ALTER TABLE ${sqlName(statement.relation!)} DETACH PARTITION ${sqlName(a.partition ?? "")} CONCURRENTLY;  -- outside a transaction block; if interrupted: ... DETACH PARTITION ... FINALIZE`
                  : `-- Postgres ${pgVersion} has no DETACH PARTITION CONCURRENTLY (14+): SET lock_timeout = '2s' first and retry on timeout, so the wait cannot stall traffic`,
            },
          ]
        : [],
    );
  },
});
