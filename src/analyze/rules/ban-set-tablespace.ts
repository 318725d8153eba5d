import { defineRule } from "./define.js";
import { isExisting } from "../rule-helpers.js";

export default defineRule({
  id: "ban-set-tablespace",
  severity: "error",
  summary: "SET TABLESPACE copies the whole table (or index) under ACCESS EXCLUSIVE",
  docs: {
    bad: "ALTER TABLE events SET TABLESPACE fast_ssd;",
    good: "CREATE TABLE events_archive (id bigint) TABLESPACE slow_hdd;",
  },
  appliesTo: { actions: true },
  check(ctx) {
    const { statement } = ctx;
    if (!isExisting(ctx) || !statement.actions.some((a) => a.action === "set-tablespace")) return [];
    return [
      {
        message: `SET TABLESPACE copies ${statement.relation} file by file while reads and writes wait`,
        fix: "-- move it online with pg_repack --tablespace, or in a maintenance window with a lock_timeout",
      },
    ];
  },
});
