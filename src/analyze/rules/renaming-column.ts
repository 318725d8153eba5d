import { defineRule } from "./define.js";
import { ident, isExisting, sqlName } from "../rule-helpers.js";

export default defineRule({
  id: "renaming-column",
  severity: "error",
  summary: "RENAME COLUMN breaks every running query and deployed code that uses the old name",
  docs: {
    bad: "ALTER TABLE users RENAME COLUMN name TO full_name;",
    good: "ALTER TABLE users ADD COLUMN full_name text;\n-- application writes both; backfill full_name in batches; switch reads; later drop name",
    why: "Expand (add the new column, write both) -> migrate (backfill, read the new one) -> contract (drop the old one after the code stops using it).",
  },
  appliesTo: { actions: true },
  check(ctx) {
    const { statement } = ctx;
    if (!isExisting(ctx)) return [];
    return statement.actions.flatMap((a) => {
      if (a.action !== "rename-column" || !a.column || !a.newName) return [];
      const table = sqlName(statement.relation!);
      return [
        {
          message: `renaming ${statement.relation}.${a.column} to ${a.newName} breaks the code that is running now (it still uses ${a.column})`,
          fix: [
            `-- expand: ALTER TABLE ${table} ADD COLUMN ${ident(a.newName)} <type of ${a.column}>;  and have the application write both columns`,
            `-- migrate: backfill ${ident(a.newName)} from ${ident(a.column)} in batches, then switch reads to ${ident(a.newName)}`,
            `-- contract, after no deployed code uses it: ALTER TABLE ${table} DROP COLUMN ${ident(a.column)};`,
          ].join("\n"),
        },
      ];
    });
  },
});
