import type { RuleContext } from "./define.js";
import { defineRule } from "./define.js";
import { earlier, isExisting, sqlName } from "../rule-helpers.js";

export default defineRule({
  id: "require-partition-check-before-attach",
  severity: "error",
  summary: "ATTACH PARTITION without a validated CHECK matching the bounds scans the partition under ACCESS EXCLUSIVE",
  docs: {
    bad: "ALTER TABLE events ATTACH PARTITION events_2024 FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');",
    good: [
      "ALTER TABLE events_2024 ADD CONSTRAINT events_2024_bounds CHECK (created_at >= '2024-01-01' AND created_at < '2025-01-01') NOT VALID;",
      "ALTER TABLE events_2024 VALIDATE CONSTRAINT events_2024_bounds;",
      "ALTER TABLE events ATTACH PARTITION events_2024 FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');",
    ].join("\n"),
    why: "Postgres proves every row of the new partition fits its bounds; a validated CHECK constraint that implies them lets it skip the scan. A DEFAULT partition is scanned too, unless its own CHECK excludes the new range.",
  },
  appliesTo: { actions: true },
  check(ctx) {
    const { statement } = ctx;
    return statement.actions.flatMap((a) => {
      if (a.action !== "attach-partition" || !a.partition || !isExisting(ctx, a.partition) || hasValidatedCheck(ctx, a.partition)) return [];
      const part = sqlName(a.partition);
      return [
        {
          message: `attaching ${a.partition} to ${statement.relation} scans all of ${a.partition} under ACCESS EXCLUSIVE to prove its rows fit the bounds (no validated CHECK constraint on it)${ctx.pgVersion < 12 ? `; Postgres ${ctx.pgVersion} also locks ${statement.relation} ACCESS EXCLUSIVE meanwhile` : ""}`,
          fix: [
            `ALTER TABLE ${part} ADD CONSTRAINT ${a.partition.split(".").pop()}_bounds CHECK (<partition key within the bounds>) NOT VALID;`,
            `ALTER TABLE ${part} VALIDATE CONSTRAINT ${a.partition.split(".").pop()}_bounds;  -- scans without blocking writes`,
            `${ctx.report.sql};  -- now skips the scan`,
            `ALTER TABLE ${part} DROP CONSTRAINT ${a.partition.split(".").pop()}_bounds;`,
          ].join("\n"),
        },
      ];
    });
  },
});

/** A validated CHECK on the partition, in the catalog or added and validated earlier in the migration. */
function hasValidatedCheck(ctx: RuleContext, partition: string): boolean {
  if (ctx.schema.relations[partition]?.constraints.some((c) => c.type === "c" && c.validated)) return true;
  const pending = new Set<string>();
  for (const s of earlier(ctx)) {
    if (s.relation !== partition) continue;
    for (const a of s.actions) {
      if (a.action === "add-constraint" && a.constraint?.type === "check") {
        if (!a.constraint.notValid) return true;
        if (a.constraint.name) pending.add(a.constraint.name);
      }
      if (a.action === "validate-constraint" && a.constraintName && pending.has(a.constraintName)) return true;
    }
  }
  return false;
}
