import { defineRule } from "./define.js";

export default defineRule({
  id: "prefer-robust-stmts",
  severity: "warning",
  summary: "A statement that runs outside a transaction should be safe to re-run (IF NOT EXISTS / IF EXISTS)",
  docs: {
    bad: "CREATE INDEX CONCURRENTLY users_email_idx ON users (email);",
    good: "CREATE INDEX CONCURRENTLY IF NOT EXISTS users_email_idx ON users (email);",
    why: "Without a transaction a failure leaves the migration half applied, and it is re-run from the top. A failed CREATE INDEX CONCURRENTLY also leaves an INVALID index behind: drop it (DROP INDEX CONCURRENTLY IF EXISTS) before retrying.",
  },
  check({ statement }) {
    if (statement.transactional || statement.inTransaction) return [];
    const creates = statement.kind.startsWith("create-") && !statement.ifNotExists;
    const drops = statement.kind.startsWith("drop-") && !statement.ifExists;
    if (!creates && !drops) return [];
    return [
      {
        message: `${statement.kind}${statement.relation ? ` on ${statement.relation}` : ""} runs outside a transaction but fails if re-run after a partial failure`,
        fix: creates ? "-- add IF NOT EXISTS (and DROP INDEX CONCURRENTLY IF EXISTS the INVALID leftover of a failed build first)" : "-- add IF EXISTS",
      },
    ];
  },
});
