import { defineRule } from "./define.js";

export default defineRule({
  id: "ban-drop-database",
  severity: "error",
  summary: "DROP DATABASE in a migration destroys everything in it",
  docs: {
    bad: "DROP DATABASE analytics;",
    good: "DROP SCHEMA IF EXISTS scratch_2023;",
  },
  appliesTo: { kinds: ["drop-database"] },
  check({ statement }) {
    if (statement.kind !== "drop-database") return [];
    return [
      {
        message: `DROP DATABASE ${statement.relation ?? ""} destroys the whole database: never part of a migration`.replace("  ", " "),
        fix: "-- remove this statement; drop databases by hand, with a backup, outside migrations",
      },
    ];
  },
});
