import { defineRule } from "./define.js";

export default defineRule({
  id: "ban-non-transactional-in-transaction",
  severity: "error",
  summary: "A statement that cannot run in a transaction block (VACUUM, CREATE DATABASE, ALTER SYSTEM, ...) is inside one",
  docs: {
    bad: "BEGIN;\nVACUUM users;\nCOMMIT;",
    good: "VACUUM users;",
  },
  check({ statement }) {
    if (statement.concurrently || statement.transactional || !statement.inTransaction) return [];
    return [
      {
        message: `${statement.kind}${statement.relation ? ` ${statement.relation}` : ""} cannot run inside a transaction block: Postgres rejects it`,
        fix: "-- run it in a migration of its own that the tool does not wrap in a transaction",
      },
    ];
  },
});
