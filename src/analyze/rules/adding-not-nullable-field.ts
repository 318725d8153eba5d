import type { StatementSummary } from "../describe.js";
import type { RuleContext } from "./define.js";
import { defineRule } from "./define.js";
import { columnInfo, earlier, ident, isExisting, provenNotNullSteps, sqlName } from "../rule-helpers.js";

export default defineRule({
  id: "adding-not-nullable-field",
  severity: "error",
  summary: "SET NOT NULL without a validated CHECK (col IS NOT NULL) scans the whole table under ACCESS EXCLUSIVE (always before Postgres 12)",
  docs: {
    bad: "ALTER TABLE users ALTER COLUMN email SET NOT NULL;",
    good: [
      "ALTER TABLE users ADD CONSTRAINT users_email_not_null CHECK (email IS NOT NULL) NOT VALID;",
      "ALTER TABLE users VALIDATE CONSTRAINT users_email_not_null;",
      "ALTER TABLE users ALTER COLUMN email SET NOT NULL;",
      "ALTER TABLE users DROP CONSTRAINT users_email_not_null;",
    ].join("\n"),
    why: "Postgres checks every row while holding its strongest lock, unless (from Postgres 12) a validated CHECK constraint already proves the column has no NULLs. Postgres 18 can also add the NOT NULL constraint NOT VALID and validate it later. ALTER DOMAIN ... SET NOT NULL checks every column of the domain's type. A foreign table's data is not checked.",
  },
  appliesTo: { actions: true, kinds: ["alter-domain"] },
  check(ctx) {
    const { statement, pgVersion } = ctx;
    if (statement.kind === "alter-domain") return domainFindings(ctx);
    if (statement.objectType === "foreign-table" || !isExisting(ctx)) return [];
    return statement.actions.flatMap((a) => {
      const setNotNull = a.action === "set-not-null" || (a.action === "add-constraint" && a.constraint?.type === "not-null" && !a.constraint.notValid);
      const column = a.column ?? a.constraint?.columns[0];
      if (!setNotNull || !column || columnInfo(ctx, statement.relation, column)?.notNull || (pgVersion >= 12 && proven(ctx, statement.relation!, column))) return [];
      const checkHelps = pgVersion >= 12;
      return [
        {
          message: `SET NOT NULL on ${statement.relation}.${column} scans every row under ACCESS EXCLUSIVE (${checkHelps ? `no validated CHECK (${column} IS NOT NULL) proves it` : `Postgres ${pgVersion} scans even when a validated CHECK proves it`})`,
          fix: fixFor(statement.relation!, column, pgVersion),
        },
      ];
    });
  },
});

function fixFor(relation: string, column: string, pgVersion: number): string {
  if (pgVersion >= 18) {
    const table = sqlName(relation);
    const name = ident(`${relation.split(".").pop()}_${column}_not_null`);
    return [
      `ALTER TABLE ${table} ADD CONSTRAINT ${name} NOT NULL ${ident(column)} NOT VALID;  -- new rows are checked at once`,
      `ALTER TABLE ${table} VALIDATE CONSTRAINT ${name};  -- scans without blocking reads or writes; the column is then NOT NULL`,
      `-- (or, as on Postgres 12-17:)`,
      ...provenNotNullSteps(relation, column).map((l) => `-- ${l}`),
    ].join("\n");
  }
  if (pgVersion >= 12) return provenNotNullSteps(relation, column).join("\n");
  const [add, validate] = provenNotNullSteps(relation, column);
  return [`-- Postgres ${pgVersion} always scans for SET NOT NULL; keep a validated CHECK instead, which enforces the same:`, add, validate].join("\n");
}

/** ALTER DOMAIN ... SET NOT NULL checks every column of that type, table by table. */
function domainFindings(ctx: RuleContext) {
  const d = ctx.statement.domain;
  if (d?.action !== "set-not-null" || earlier(ctx).some((s) => s.kind === "create-domain" && s.relation === d.name)) return [];
  return [
    {
      message: `ALTER DOMAIN ${d.name} SET NOT NULL scans every table column of type ${d.name}, each table locked SHARE (writes wait) while it is read`,
      fix: "-- put the rule on the columns instead: ADD CONSTRAINT ... CHECK (col IS NOT NULL) NOT VALID, then VALIDATE CONSTRAINT, table by table",
    },
  ];
}

/** A validated check (in the catalog or earlier in this migration) proves the column has no NULLs. */
function proven(ctx: RuleContext, relation: string, column: string): boolean {
  if (ctx.schema.relations[relation]?.constraints.some((c) => c.validated && provesNotNull(c, column))) return true;
  return provenEarlier(ctx, relation, column);
}

/** A catalog constraint that, once validated, proves the column has no NULLs. */
function provesNotNull(c: { type: string; definition: string; columns: string[] }, column: string): boolean {
  const notNullCheck = new RegExp(`^CHECK \\(\\(?"?${escape(column)}"? IS NOT NULL\\)?\\)$`, "i");
  return (c.type === "c" && notNullCheck.test(c.definition)) || (c.type === "n" && c.columns.includes(column));
}

function provenEarlier(ctx: RuleContext, relation: string, column: string): boolean {
  const pending = new Set<string>();
  const statements = earlier(ctx);
  for (const s of statements) {
    if (s.relation !== relation) continue;
    for (const a of s.actions) {
      const c = a.constraint;
      const provesColumn = c && ((c.type === "check" && c.checksNotNullOf === column) || (c.type === "not-null" && c.columns.includes(column)));
      if (a.action === "add-constraint" && provesColumn) {
        if (!c.notValid) return true;
        if (c.name) pending.add(c.name);
      }
      if (a.action === "validate-constraint" && a.constraintName && (pending.has(a.constraintName) || validatedElsewhereAdded(ctx, relation, column, a.constraintName, statements))) return true;
    }
  }
  return false;
}

/**
 * VALIDATE CONSTRAINT of a constraint added by an earlier migration: the catalog's definition
 * decides. The helper pattern split across migrations (this file validates a constraint it did
 * not add, sets NOT NULL and drops the constraint) with no catalog: a name of the form
 * <column>_not_null or <table>_<column>_not_null is taken to be CHECK (<column> IS NOT NULL), and
 * the assumption is listed.
 */
function validatedElsewhereAdded(ctx: RuleContext, relation: string, column: string, constraint: string, before: StatementSummary[]): boolean {
  const known = ctx.schema.relations[relation]?.constraints.find((c) => c.name === constraint);
  if (known) return provesNotNull(known, column);
  if (before.some((s) => s.relation === relation && s.actions.some((a) => a.action === "add-constraint" && a.constraint?.name === constraint))) return false;
  const table = relation.split(".").pop();
  if (ctx.schema.source === "catalog" || (constraint !== `${column}_not_null` && constraint !== `${table}_${column}_not_null`)) return false;
  const dropped = ctx.file.statements.slice(ctx.file.index + 1).some((s) => s.relation === relation && s.actions.some((a) => a.action === "drop-constraint" && a.constraintName === constraint));
  if (!dropped) return false;
  ctx.assume(`${relation}: constraint ${constraint} (validated, then dropped after SET NOT NULL) assumed to be CHECK (${column} IS NOT NULL)`);
  return true;
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
