import { defineRule } from "./define.js";

export default defineRule({
  id: "ban-concurrent-index-creation-in-transaction",
  severity: "error",
  summary: "CONCURRENTLY cannot run inside a transaction block: the migration fails",
  docs: {
    bad: "BEGIN;\nCREATE INDEX CONCURRENTLY users_email_idx ON users (email);\nCOMMIT;",
    good: "CREATE INDEX CONCURRENTLY IF NOT EXISTS users_email_idx ON users (email);",
    why: "CREATE/DROP INDEX CONCURRENTLY, REINDEX CONCURRENTLY and DETACH PARTITION CONCURRENTLY refuse to run in a transaction. Put them in a migration of their own that the tool does not wrap (golang-migrate: its own file; Flyway: executeInTransaction=false; Django: atomic = False).",
  },
  check({ statement }) {
    if (!statement.concurrently || statement.transactional || !statement.inTransaction) return [];
    return [
      {
        message: `${statement.kind}${statement.relation ? ` on ${statement.relation}` : ""} uses CONCURRENTLY inside a transaction block: Postgres rejects it`,
        fix: "-- move this statement to its own migration that runs outside a transaction block (no BEGIN/COMMIT, and tell the migration tool not to wrap it)",
      },
    ];
  },
});
