import { defineRule } from "./define.js";
import { isExisting } from "../rule-helpers.js";

export default defineRule({
  id: "adding-exclusion-constraint",
  severity: "error",
  summary: "ADD EXCLUDE builds its index under ACCESS EXCLUSIVE, and there is no USING INDEX or NOT VALID way around it",
  docs: {
    bad: "ALTER TABLE bookings ADD CONSTRAINT no_overlap EXCLUDE USING gist (room WITH =, during WITH &&);",
    good: "CREATE TABLE bookings (room int, during tstzrange, EXCLUDE USING gist (room WITH =, during WITH &&));",
    why: "Exclusion constraints can only be declared when the table is created or in a maintenance window; on a large table consider a new table, dual writes and a switch-over.",
  },
  appliesTo: { actions: true },
  check(ctx) {
    const { statement } = ctx;
    if (!isExisting(ctx)) return [];
    return statement.actions.flatMap((a) =>
      a.action === "add-constraint" && a.constraint?.type === "exclusion"
        ? [
            {
              message: `exclusion constraint ${a.constraint.name ?? ""} on ${statement.relation} builds its index under ACCESS EXCLUSIVE: reads and writes wait for the whole build`.replace("  ", " "),
              fix: "-- no online way: add it in a maintenance window with a lock_timeout, or create a new table with the constraint, dual-write, backfill in batches and switch over",
            },
          ]
        : [],
    );
  },
});
