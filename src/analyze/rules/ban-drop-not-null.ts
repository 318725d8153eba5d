import { defineRule } from "./define.js";
import { isExisting } from "../rule-helpers.js";

export default defineRule({
  id: "ban-drop-not-null",
  severity: "warning",
  summary: "DROP NOT NULL lets NULLs in that deployed code (and the rollback of this migration) may not handle",
  docs: {
    bad: "ALTER TABLE users ALTER COLUMN email DROP NOT NULL;",
    good: "ALTER TABLE users ALTER COLUMN email SET DEFAULT '';",
  },
  appliesTo: { actions: true, kinds: ["alter-domain"] },
  check(ctx) {
    const { statement } = ctx;
    if (statement.domain?.action === "drop-not-null") {
      return [
        {
          message: `dropping NOT NULL on domain ${statement.domain.name}: every column of that type accepts NULL from now on; code that assumes a value breaks and SET NOT NULL (the rollback) fails`,
          fix: `-- make sure every reader of columns of type ${statement.domain.name} handles NULL before deploying this`,
        },
      ];
    }
    if (!isExisting(ctx)) return [];
    return statement.actions.flatMap((a) =>
      a.action === "drop-not-null" && a.column
        ? [
            {
              message: `dropping NOT NULL on ${statement.relation}.${a.column}: once a NULL is written, code that assumes a value breaks and SET NOT NULL (the rollback) fails`,
              fix: `-- make sure every reader of ${a.column} handles NULL before deploying this; the rollback needs a backfill first`,
            },
          ]
        : [],
    );
  },
});
