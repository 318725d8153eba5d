import { defineRule } from "./define.js";
import { ident, isExisting, sqlName } from "../rule-helpers.js";

export default defineRule({
  id: "renaming-table",
  severity: "error",
  summary: "RENAME of a table or view breaks every running query and deployed code that uses the old name",
  docs: {
    bad: "ALTER TABLE users RENAME TO accounts;",
    good: "CREATE TABLE accounts (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY);\nALTER TABLE accounts RENAME TO members;",
    why: "Rename in phases: create the new name (a new table with dual writes, or for a transition an updatable view under the new name), move the code, then drop the old one.",
  },
  appliesTo: { actions: true },
  check(ctx) {
    const { statement } = ctx;
    if (!["table", "partitioned-table", "view", "materialized-view"].includes(statement.objectType ?? "table") || !isExisting(ctx)) return [];
    return statement.actions.flatMap((a) => {
      if (a.action !== "rename" || !a.newName) return [];
      return [
        {
          message: `renaming ${statement.relation} to ${a.newName} breaks the code that is running now (it still uses the old name)`,
          fix: [
            `-- expand: give the new name to the same data without breaking the old one, e.g. (simple tables)`,
            `--   ALTER TABLE ${sqlName(statement.relation!)} RENAME TO ${ident(a.newName)}; CREATE VIEW ${sqlName(statement.relation!)} AS SELECT * FROM ${ident(a.newName)};  -- in one transaction`,
            `-- migrate: deploy code that uses ${ident(a.newName)}`,
            `-- contract: DROP VIEW ${sqlName(statement.relation!)}; once nothing uses the old name`,
          ].join("\n"),
        },
      ];
    });
  },
});
