import { defineRule } from "./define.js";

export default defineRule({
  id: "ban-alter-domain-with-add-constraint",
  severity: "error",
  summary: "ALTER DOMAIN ADD CONSTRAINT checks every column of that type in every table while locking them",
  docs: {
    bad: "ALTER DOMAIN email ADD CONSTRAINT email_at CHECK (VALUE LIKE '%@%');",
    good: "ALTER DOMAIN email ADD CONSTRAINT email_at CHECK (VALUE LIKE '%@%') NOT VALID;",
  },
  appliesTo: { kinds: ["alter-domain"] },
  check({ statement }) {
    const c = statement.domain?.constraint;
    if (statement.domain?.action !== "add-constraint" || !c || c.notValid || c.type === "not-null") return [];
    return [
      {
        message: `adding constraint ${c.name ?? ""} to domain ${statement.relation} scans every table column of that type while blocking writes to those tables`.replace("  ", " "),
        fix: `-- add it NOT VALID (checks new values only), then ALTER DOMAIN ... VALIDATE CONSTRAINT ${c.name ?? "<name>"} in a later transaction`,
      },
    ];
  },
});
