import type { StatementSummary } from "../describe.js";
import type { RuleContext } from "./define.js";
import { defineRule } from "./define.js";
import { isExisting } from "../rule-helpers.js";

const DML = new Set(["update", "delete", "insert", "merge"]);
const NOT_SCHEMA = new Set(["set", "reset", "select", "comment", "grant", "revoke", "do", "analyze", "vacuum", "lock-table", "notify", "call"]);

export default defineRule({
  id: "mixing-schema-and-data-changes",
  severity: "error",
  summary: "One migration both changes the schema and rewrites existing data",
  docs: {
    bad: "ALTER TABLE users ADD COLUMN role text;\nUPDATE users SET role = 'member' WHERE role IS NULL;",
    good: "CREATE TABLE roles (id int PRIMARY KEY, name text NOT NULL);\nINSERT INTO roles VALUES (1, 'member'), (2, 'admin');",
    why: "Schema changes take strong locks; data changes take long. Together in one transaction the locks are held for the data change's whole duration, and a failure rolls both back. Ship the schema change, then the data change (a batched backfill) as its own migration.",
  },
  appliesTo: { kinds: ["do", ...DML] },
  check(ctx) {
    const changed = dataChanges(ctx, ctx.statement);
    if (changed.length === 0) return [];
    const ddl = ctx.file.memo("mixing-schema-and-data-changes:ddl", () => ctx.file.statements.find(isSchemaChange));
    if (!ddl) return [];
    return [
      {
        message: `this migration changes the schema (${ddl.kind}${ddl.relation ? ` ${ddl.relation}` : ""}) and also the data of ${changed.join(", ")}`,
        fix: "-- split it: this migration keeps the schema change; move the data change into the next migration, run as a batched backfill (lockstep backfill)",
      },
    ];
  },
});

/** Existing tables whose rows this statement changes (seed rows for a new table are fine). */
function dataChanges(ctx: RuleContext, s: StatementSummary): string[] {
  const inner = s.kind === "do" ? (s.doBlock?.statements ?? []) : [s];
  return [...new Set(inner.filter((x) => DML.has(x.kind) && x.relation && isExisting(ctx, x.relation)).map((x) => x.relation!))];
}

function isSchemaChange(s: StatementSummary): boolean {
  if (NOT_SCHEMA.has(s.kind) || DML.has(s.kind) || s.transaction) return false;
  return /^(create|alter|drop)-/.test(s.kind) || s.kind === "truncate";
}
