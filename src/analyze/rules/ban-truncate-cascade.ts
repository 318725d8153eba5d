import { defineRule } from "./define.js";

export default defineRule({
  id: "ban-truncate-cascade",
  severity: "error",
  summary: "TRUNCATE ... CASCADE also empties every table that references these, recursively",
  docs: {
    bad: "TRUNCATE users CASCADE;",
    good: "TRUNCATE import_staging;",
  },
  appliesTo: { kinds: ["truncate"] },
  check({ statement }) {
    if (statement.kind !== "truncate" || !statement.cascade) return [];
    return [
      {
        message: `TRUNCATE ${statement.objects.join(", ")} CASCADE empties every table with a foreign key to ${statement.objects.length > 1 ? "them" : "it"} as well (and theirs, recursively)`,
        fix: `-- name every table to empty explicitly, without CASCADE: TRUNCATE ${statement.objects.join(", ")}, <referencing tables>;`,
      },
    ];
  },
});
