import type { CheckReport } from "../../src/analyze/types.js";

/** A report as the analyzer produces it: one risky statement with findings (one ignored), one quiet, one syntax error. */
export const sampleReport: CheckReport = {
  version: 1,
  files: [
    {
      path: "db/migrations/0042_add_role.up.sql",
      risk: "critical",
      assumptions: ["public.users: size and traffic unknown (no --db); assumed a large (10 GB), busy table"],
      statements: [
        {
          index: 0,
          line: 2,
          column: 1,
          sql: "ALTER TABLE users ADD COLUMN role text NOT NULL",
          kind: "alter-table",
          transactional: true,
          risk: "medium",
          locks: [{ relation: "public.users", mode: "AccessExclusiveLock" }],
          rewrites: [],
          findings: [
            {
              rule: "adding-required-field",
              severity: "error",
              message: "adding NOT NULL column role to public.users without a default fails on a non-empty table",
              fix: "ALTER TABLE users ADD COLUMN role text;\n-- backfill in batches, then:\nALTER TABLE users ADD CONSTRAINT users_role_not_null CHECK (role IS NOT NULL) NOT VALID;",
              ignored: false,
            },
            { rule: "require-timeout-settings", severity: "warning", message: "no lock_timeout before AccessExclusiveLock on public.users", ignored: true, ignoreReason: "set by the deploy tool" },
          ],
          riskReasons: ["AccessExclusiveLock on public.users (size unknown) blocks reads and writes briefly"],
        },
        {
          index: 1,
          line: 3,
          column: 1,
          sql: "CREATE INDEX users_role_idx ON users (role)",
          kind: "create-index",
          transactional: true,
          risk: "critical",
          locks: [{ relation: "public.users", mode: "ShareLock" }],
          rewrites: [],
          findings: [{ rule: "require-concurrent-index-creation", severity: "error", message: "CREATE INDEX users_role_idx blocks writes to public.users", fix: "CREATE INDEX CONCURRENTLY users_role_idx ON users (role);", ignored: false }],
          estimate: { rows: 1200000, bytes: 310000000, seconds: 1.35 },
        },
        { index: 2, line: 4, column: 1, sql: "SELECT 1", kind: "select", transactional: true, risk: "low", locks: [], rewrites: [], findings: [] },
      ],
      errors: [],
      rollback: [
        { statement: 0, sql: "ALTER TABLE users DROP COLUMN role;", recoverability: "data-loss", verified: null, note: "drops the column and what was written to it since" },
        { statement: 1, sql: "DROP INDEX CONCURRENTLY IF EXISTS users_role_idx;", recoverability: "clean", verified: true },
        { statement: 2, sql: "", recoverability: "clean", verified: null },
      ],
    },
    { path: "db/migrations/0043 broken.sql", risk: "low", statements: [], errors: [{ code: "syntax-error", message: 'syntax error at or near "TABL"', line: 3, column: 8 }] },
  ],
};
