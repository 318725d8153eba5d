import type { RuleContext } from "./define.js";
import { defineRule } from "./define.js";
import { earlier, ident, isExisting, sqlName } from "../rule-helpers.js";

export default defineRule({
  id: "constraint-missing-not-valid",
  severity: "error",
  summary: "ADD CONSTRAINT (FOREIGN KEY or CHECK) without NOT VALID checks every row while holding the lock",
  docs: {
    bad: "ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);",
    good: "ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;\nCOMMIT;\nALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk;",
    why: "A CHECK scans the table under ACCESS EXCLUSIVE; a foreign key scans it under SHARE ROW EXCLUSIVE on both tables. NOT VALID adds the constraint for new rows instantly; VALIDATE CONSTRAINT later checks old rows under a lock that lets reads and writes through. Validate in a separate transaction, or the first lock is still held.",
  },
  appliesTo: { actions: true },
  check(ctx) {
    const { statement } = ctx;
    if (!statement.relation) return [];
    const findings = [];
    const table = sqlName(statement.relation);
    for (const a of statement.actions) {
      const c = a.constraint;
      if (a.action === "add-constraint" && c && (c.type === "check" || c.type === "foreign-key") && !c.notValid && isExisting(ctx)) {
        const name = c.name ?? `${statement.relation.split(".").pop()}_${c.columns.join("_")}_${c.type === "check" ? "check" : "fkey"}`;
        const definition = definitionOf(ctx.report.sql, c.name);
        findings.push({
          message: `${c.type === "check" ? "CHECK" : "FOREIGN KEY"} constraint ${name} on ${statement.relation} is validated against every row while ${c.type === "check" ? `${statement.relation} is locked ACCESS EXCLUSIVE` : `${statement.relation} and ${c.references?.relation} are locked against writes`}`,
          fix: [
            `ALTER TABLE ${table} ADD CONSTRAINT ${ident(name)} ${definition ?? "<definition>"} NOT VALID;`,
            `-- commit, then in a new transaction:`,
            `ALTER TABLE ${table} VALIDATE CONSTRAINT ${ident(name)};`,
          ].join("\n"),
        });
      }
      const inlineCheck = a.action === "add-column" && a.columnDef?.checks.length && isExisting(ctx) ? a.columnDef : undefined;
      if (inlineCheck) {
        // (an inline REFERENCES is not validated against existing rows: the new column holds no keys yet)
        const name = `${statement.relation.split(".").pop()}_${inlineCheck.name}_check`;
        findings.push({
          message: `the CHECK on new column ${inlineCheck.name} is checked against every row of ${statement.relation} while it is locked ACCESS EXCLUSIVE`,
          fix: [
            `ALTER TABLE ${table} ADD COLUMN ${ident(inlineCheck.name)} ${inlineCheck.type.text};`,
            `ALTER TABLE ${table} ADD CONSTRAINT ${ident(name)} CHECK (${inlineCheck.checks[0]!.text || "<condition>"}) NOT VALID;`,
            `-- commit, then in a new transaction:`,
            `ALTER TABLE ${table} VALIDATE CONSTRAINT ${ident(name)};`,
          ].join("\n"),
        });
      }
      if (a.action === "validate-constraint" && a.constraintName && addedInSameTransaction(ctx, a.constraintName)) {
        findings.push({
          message: `VALIDATE CONSTRAINT ${a.constraintName} runs in the same transaction that added it NOT VALID: the ADD's lock is still held, so NOT VALID gains nothing`,
          fix: `-- commit after ADD CONSTRAINT ... NOT VALID; run ALTER TABLE ${table} VALIDATE CONSTRAINT ${ident(a.constraintName)}; in a later transaction (or migration)`,
        });
      }
    }
    return findings;
  },
});

/** The constraint's definition as written (from CHECK/FOREIGN KEY to the end), for the fix. */
function definitionOf(sql: string, name: string | undefined): string | undefined {
  const m = /\b((?:CHECK|FOREIGN\s+KEY)\b[\s\S]*)$/i.exec(name ? sql.slice(sql.toLowerCase().indexOf(name.toLowerCase())) : sql);
  return m?.[1]?.replace(/;\s*$/, "").trim();
}

function addedInSameTransaction(ctx: RuleContext, constraint: string): boolean {
  if (!ctx.statement.inTransaction) return false;
  const before = earlier(ctx);
  for (let i = before.length - 1; i >= 0; i--) {
    const s = before[i]!;
    if (!s.inTransaction || s.transaction === "commit" || s.transaction === "rollback") return false;
    if (s.relation === ctx.statement.relation && s.actions.some((a) => a.action === "add-constraint" && a.constraint?.name === constraint && a.constraint.notValid)) return true;
  }
  return false;
}
