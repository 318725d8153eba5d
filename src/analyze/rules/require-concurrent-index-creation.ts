import { defineRule } from "./define.js";
import { isExisting } from "../rule-helpers.js";

export default defineRule({
  id: "require-concurrent-index-creation",
  severity: "error",
  summary: "CREATE INDEX without CONCURRENTLY blocks writes to an existing table for the whole build",
  docs: {
    bad: "CREATE INDEX users_email_idx ON users (email);",
    good: "CREATE INDEX CONCURRENTLY IF NOT EXISTS users_email_idx ON users (email);\n-- a table created in the same migration is empty: a plain CREATE INDEX is fine\nCREATE TABLE teams (id bigint PRIMARY KEY, name text);\nCREATE INDEX teams_name_idx ON teams (name);",
    why: "A plain CREATE INDEX holds a SHARE lock until the index is built: reads go on, every INSERT, UPDATE and DELETE waits. CONCURRENTLY builds it without blocking writes (it cannot run inside a transaction block).",
  },
  appliesTo: { kinds: ["create-index"] },
  check(ctx) {
    const { statement } = ctx;
    if (statement.kind !== "create-index" || statement.concurrently || !isExisting(ctx)) return [];
    const sql = ctx.report.sql.replace(/^\s*CREATE\s+(UNIQUE\s+)?INDEX\b/i, (m) => `${m} CONCURRENTLY`);
    return [
      {
        message: `CREATE INDEX${statement.index?.name ? ` ${statement.index.name}` : ""} blocks writes to ${statement.relation} until the build finishes`,
        fix: `${sql.replace(/CONCURRENTLY\s+(?!IF NOT EXISTS)/i, "CONCURRENTLY IF NOT EXISTS ")};  -- outside a transaction block\n-- if it fails it leaves an INVALID index: DROP INDEX CONCURRENTLY IF EXISTS it, then retry`,
      },
    ];
  },
});
