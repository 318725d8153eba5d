import { defineRule } from "./define.js";

export default defineRule({
  id: "ban-enum-add-value-in-transaction",
  severity: "error",
  summary: "ALTER TYPE ... ADD VALUE cannot run inside a transaction block before Postgres 12 (and the value is unusable until commit after)",
  docs: {
    bad: "BEGIN;\nALTER TYPE mood ADD VALUE 'curious';\nCOMMIT;",
    good: "ALTER TYPE mood ADD VALUE IF NOT EXISTS 'curious';",
    pgVersion: 11,
    why: "Postgres 11 and older reject ADD VALUE in a transaction block. From 12 it is allowed, but the new value cannot be used until the transaction commits, so a later statement of the same migration that uses it fails.",
  },
  appliesTo: { kinds: ["alter-type"] },
  check({ statement, pgVersion }) {
    if (!statement.enumValue || !statement.inTransaction || pgVersion >= 12) return [];
    return [
      {
        message: `ALTER TYPE ${statement.enumValue.type} ADD VALUE '${statement.enumValue.value}' inside a transaction block fails on Postgres ${pgVersion}`,
        fix: "-- run it in its own migration, outside a transaction block",
      },
    ];
  },
});
