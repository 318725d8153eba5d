import { defineRule } from "./define.js";

export default defineRule({
  id: "ban-create-domain-with-constraint",
  severity: "warning",
  summary: "Constraints on a domain are hard to change later: every change scans every column of that type",
  docs: {
    bad: "CREATE DOMAIN email AS text CHECK (VALUE LIKE '%@%');",
    good: "CREATE DOMAIN email AS text;\nCREATE TABLE contacts (address email CHECK (address LIKE '%@%'));",
  },
  appliesTo: { kinds: ["create-domain"] },
  check({ statement }) {
    if (statement.kind !== "create-domain" || !statement.constraints.some((c) => c.type === "check")) return [];
    return [
      {
        message: `domain ${statement.relation} carries a CHECK constraint: changing it later validates every column of that type under lock`,
        fix: "-- put the CHECK on the table columns instead (they support NOT VALID + VALIDATE)",
      },
    ];
  },
});
