import { defineRule } from "./define.js";
import { isExisting } from "../rule-helpers.js";

export default defineRule({
  id: "require-concurrent-reindex",
  severity: "error",
  summary: "REINDEX without CONCURRENTLY blocks writes (and reads that use the index) for the whole rebuild; SCHEMA, DATABASE and SYSTEM do it to every table in turn",
  docs: {
    bad: "REINDEX INDEX users_email_idx;",
    good: "REINDEX INDEX CONCURRENTLY users_email_idx;",
    why: "REINDEX holds SHARE on the table and ACCESS EXCLUSIVE on the index being rebuilt. CONCURRENTLY (Postgres 12+) rebuilds alongside and swaps. REINDEX SCHEMA and DATABASE take those locks on every table in turn; REINDEX SYSTEM on every system catalog, and has no CONCURRENTLY.",
  },
  appliesTo: { kinds: ["reindex"] },
  check(ctx) {
    const { statement, pgVersion } = ctx;
    if (statement.kind !== "reindex" || statement.concurrently) return [];
    const what = statement.objectType ?? "";
    const target = `REINDEX ${what.toUpperCase()}${statement.relation ? ` ${statement.relation}` : ""}`;
    if (what === "system") {
      return [
        {
          message: `${target} rebuilds every system catalog's indexes in turn: schema changes wait, and so do catalog look-ups (planning, new connections) through the index being rebuilt`,
          fix: "-- REINDEX SYSTEM has no CONCURRENTLY: rebuild only the damaged catalog index (REINDEX INDEX pg_catalog.<index>), in a maintenance window",
        },
      ];
    }
    if (what === "schema" || what === "database") {
      return [
        {
          message: `${target} rebuilds the indexes of every table${what === "schema" ? " in the schema" : ""} in turn, each table under SHARE (writes wait) and each index under ACCESS EXCLUSIVE (reads through it wait)`,
          fix:
            pgVersion >= 12
              ? `REINDEX ${what.toUpperCase()} CONCURRENTLY${statement.relation ? ` ${statement.relation}` : ""};  -- outside a transaction block; or table by table: REINDEX TABLE CONCURRENTLY <table>;`
              : "-- Postgres 11 has no REINDEX CONCURRENTLY: rebuild the indexes that need it one by one (CREATE INDEX CONCURRENTLY a copy, DROP INDEX CONCURRENTLY the old one, rename)",
        },
      ];
    }
    if (!["index", "table"].includes(what) || !isExisting(ctx)) return [];
    return [
      {
        message: `${target} blocks writes until the rebuild finishes`,
        fix:
          pgVersion >= 12
            ? `REINDEX ${what.toUpperCase()} CONCURRENTLY ${statement.relation};  -- outside a transaction block`
            : [
                "-- Postgres 11 has no REINDEX CONCURRENTLY: build a copy and swap it in",
                "CREATE INDEX CONCURRENTLY <name>_new ON <table> (<the same definition>);",
                "DROP INDEX CONCURRENTLY <name>;",
                "ALTER INDEX <name>_new RENAME TO <name>;",
              ].join("\n"),
      },
    ];
  },
});
