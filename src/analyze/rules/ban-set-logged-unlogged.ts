import { defineRule } from "./define.js";
import { isExisting } from "../rule-helpers.js";

export default defineRule({
  id: "ban-set-logged-unlogged",
  severity: "error",
  summary: "SET LOGGED / SET UNLOGGED rewrites the table under ACCESS EXCLUSIVE",
  docs: {
    bad: "ALTER TABLE events SET LOGGED;",
    good: "CREATE UNLOGGED TABLE import_staging (id bigint);",
    why: "Changing persistence writes a new copy of the table and its indexes (and for SET LOGGED, all of it into the WAL) while reads and writes wait. SET UNLOGGED also makes the table vanish from replicas and empty after a crash.",
  },
  appliesTo: { actions: true },
  check(ctx) {
    const { statement } = ctx;
    const a = statement.actions.find((x) => x.action === "set-logged" || x.action === "set-unlogged");
    if (!a || !isExisting(ctx)) return [];
    return [
      {
        message: `${a.action === "set-logged" ? "SET LOGGED" : "SET UNLOGGED"} rewrites ${statement.relation}${a.action === "set-logged" ? " through the WAL" : ""} under ACCESS EXCLUSIVE`,
        fix: "-- create a new table with the wanted persistence, copy in batches, and switch over; or run it in a maintenance window",
      },
    ];
  },
});
