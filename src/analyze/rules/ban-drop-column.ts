import { defineRule } from "./define.js";
import { isExisting } from "../rule-helpers.js";

export default defineRule({
  id: "ban-drop-column",
  severity: "error",
  summary: "DROP COLUMN loses the data for good, and breaks code that still reads or writes the column",
  docs: {
    bad: "ALTER TABLE users DROP COLUMN legacy_name;",
    good: "-- lockstep-ignore ban-drop-column: no code reads legacy_name since release 2024.06 (backup taken)\nALTER TABLE users DROP COLUMN legacy_name;",
    why: "Drop a column only in the contract phase, after the deployed code has stopped using it (ORMs that cache columns, e.g. Rails, must ignore it first). The data cannot be recovered except from a backup: say why it is safe with an ignore comment.",
  },
  appliesTo: { actions: true },
  check(ctx) {
    const { statement } = ctx;
    if (!isExisting(ctx)) return [];
    return statement.actions.flatMap((a) =>
      a.action === "drop-column" && a.column
        ? [
            {
              message: `dropping ${statement.relation}.${a.column} destroys its data (unrecoverable without a backup) and breaks any deployed code still using it`,
              fix: `-- 1. deploy code that no longer reads or writes ${a.column}\n-- 2. take a backup of the column if it might be needed\n-- 3. keep this statement, marked: -- lockstep-ignore ban-drop-column: <why it is safe now>`,
            },
          ]
        : [],
    );
  },
});
