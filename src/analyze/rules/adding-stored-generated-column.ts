import { defineRule } from "./define.js";
import { ident, isExisting, sqlName } from "../rule-helpers.js";

export default defineRule({
  id: "adding-stored-generated-column",
  severity: "error",
  summary: "Adding a STORED generated column to an existing table rewrites it under ACCESS EXCLUSIVE",
  docs: {
    bad: "ALTER TABLE users ADD COLUMN email_lower text GENERATED ALWAYS AS (lower(email)) STORED;",
    good: "ALTER TABLE users ADD COLUMN email_lower text;\n-- keep it filled with a trigger, backfill in batches",
    why: "A stored generated column is computed and written for every existing row while the table is locked. Postgres 18's VIRTUAL generated columns are computed on read and need no rewrite.",
  },
  appliesTo: { actions: true },
  check(ctx) {
    const { statement, pgVersion } = ctx;
    if (!isExisting(ctx)) return [];
    return statement.actions.flatMap((a) => {
      const col = a.columnDef;
      if (a.action !== "add-column" || col?.generated !== "stored") return [];
      return [
        {
          message: `adding stored generated column ${col.name} to ${statement.relation} rewrites the table to compute it for every row`,
          fix: [
            ...(pgVersion >= 18 ? [`-- on Postgres 18, if reads can compute it: ... GENERATED ALWAYS AS (${col.default?.text || "<expr>"}) VIRTUAL (no rewrite)`] : []),
            `ALTER TABLE ${sqlName(statement.relation!)} ADD COLUMN ${ident(col.name)} ${col.type.text};`,
            `-- fill new rows with a BEFORE INSERT OR UPDATE trigger computing ${col.default?.text || "the expression"}, then backfill existing rows in batches`,
          ].join("\n"),
        },
      ];
    });
  },
});
