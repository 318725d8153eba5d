import type { StatementSummary } from "../describe.js";
import type { RuleContext } from "./define.js";
import { defineRule } from "./define.js";
import { columnInfo, earlier, isExisting, provenNotNullSteps } from "../rule-helpers.js";

export default defineRule({
  id: "adding-not-nullable-field",
  severity: "error",
  summary: "SET NOT NULL without a validated CHECK (col IS NOT NULL) scans the whole table under ACCESS EXCLUSIVE",
  docs: {
    bad: "ALTER TABLE users ALTER COLUMN email SET NOT NULL;",
    good: [
      "ALTER TABLE users ADD CONSTRAINT users_email_not_null CHECK (email IS NOT NULL) NOT VALID;",
      "ALTER TABLE users VALIDATE CONSTRAINT users_email_not_null;",
      "ALTER TABLE users ALTER COLUMN email SET NOT NULL;",
      "ALTER TABLE users DROP CONSTRAINT users_email_not_null;",
    ].join("\n"),
    why: "Postgres checks every row while holding its strongest lock, unless a validated CHECK constraint already proves the column has no NULLs.",
  },
  appliesTo: { actions: true },
  check(ctx) {
    const { statement } = ctx;
    if (!isExisting(ctx)) return [];
    return statement.actions.flatMap((a) => {
      const setNotNull = a.action === "set-not-null" || (a.action === "add-constraint" && a.constraint?.type === "not-null" && !a.constraint.notValid);
      const column = a.column ?? a.constraint?.columns[0];
      if (!setNotNull || !column || proven(ctx, statement.relation!, column)) return [];
      return [
        {
          message: `SET NOT NULL on ${statement.relation}.${column} scans every row under ACCESS EXCLUSIVE (no validated CHECK (${column} IS NOT NULL) proves it)`,
          fix: provenNotNullSteps(statement.relation!, column).join("\n"),
        },
      ];
    });
  },
});

/** Already NOT NULL, or a validated check (in the catalog or earlier in this migration) proves it. */
function proven(ctx: RuleContext, relation: string, column: string): boolean {
  const info = columnInfo(ctx, relation, column);
  if (info?.notNull) return true;
  const rel = ctx.schema.relations[relation];
  const notNullCheck = new RegExp(`^CHECK \\(\\(?"?${escape(column)}"? IS NOT NULL\\)?\\)$`, "i");
  if (rel?.constraints.some((c) => c.validated && ((c.type === "c" && notNullCheck.test(c.definition)) || (c.type === "n" && c.columns.includes(column))))) return true;
  return provenEarlier(earlier(ctx), relation, column);
}

function provenEarlier(statements: StatementSummary[], relation: string, column: string): boolean {
  const pending = new Set<string>();
  for (const s of statements) {
    if (s.relation !== relation) continue;
    for (const a of s.actions) {
      const c = a.constraint;
      const provesColumn = c && ((c.type === "check" && c.checksNotNullOf === column) || (c.type === "not-null" && c.columns.includes(column)));
      if (a.action === "add-constraint" && provesColumn) {
        if (!c.notValid) return true;
        if (c.name) pending.add(c.name);
      }
      if (a.action === "validate-constraint" && a.constraintName && pending.has(a.constraintName)) return true;
    }
  }
  return false;
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
