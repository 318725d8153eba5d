import { defineRule } from "./define.js";
import { isExisting } from "../rule-helpers.js";

export default defineRule({
  id: "ban-drop-table",
  severity: "error",
  summary: "DROP TABLE loses the data for good, and breaks code that still uses the table",
  docs: {
    bad: "DROP TABLE audit_log;",
    good: "CREATE TABLE tmp_import (id bigint);\nDROP TABLE tmp_import;",
    why: "Drop a table only after no deployed code uses it, and with a backup; rename it aside first (audit_log_old) if you want a cheap way back.",
  },
  appliesTo: { kinds: ["drop-table", "drop-foreign-table"] },
  check(ctx) {
    const { statement } = ctx;
    if (statement.kind !== "drop-table" && statement.kind !== "drop-foreign-table") return [];
    const existing = statement.objects.filter((t) => isExisting(ctx, t));
    if (existing.length === 0) return [];
    if (statement.kind === "drop-foreign-table") {
      return [
        {
          message: `dropping foreign table ${existing.join(", ")} breaks any deployed code still using ${existing.length > 1 ? "them" : "it"} (the data stays on the foreign server)`,
          fix: `-- deploy code that no longer uses ${existing.join(", ")} first; then keep this statement, marked: -- lockstep-ignore ban-drop-table: <why it is safe now>`,
        },
      ];
    }
    return [
      {
        message: `dropping ${existing.join(", ")} destroys ${existing.length > 1 ? "their" : "its"} data (unrecoverable without a backup) and breaks any deployed code still using ${existing.length > 1 ? "them" : "it"}${statement.cascade ? "; CASCADE also drops dependent views and foreign keys" : ""}`,
        fix: `-- 1. deploy code that no longer uses ${existing.join(", ")}\n-- 2. back it up, or first rename it aside (ALTER TABLE ... RENAME TO ..._old) and drop it in a later migration\n-- 3. keep this statement, marked: -- lockstep-ignore ban-drop-table: <why it is safe now>`,
      },
    ];
  },
});
