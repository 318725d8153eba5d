import { defineRule } from "./define.js";
import { ident, indexBuildingConstraints, isExisting, sqlName } from "../rule-helpers.js";

export default defineRule({
  id: "disallowed-unique-constraint",
  severity: "error",
  summary: "ADD UNIQUE builds its index under ACCESS EXCLUSIVE; build it CONCURRENTLY and add the constraint USING INDEX",
  docs: {
    bad: "ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);",
    good: "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS users_email_key ON users (email);\nALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_key;",
  },
  appliesTo: { actions: true },
  check(ctx) {
    const { statement } = ctx;
    if (!isExisting(ctx)) return [];
    const table = sqlName(statement.relation!);
    return indexBuildingConstraints(statement, "unique").map(({ columns, name, addsColumn }) => ({
      message: `UNIQUE (${columns.join(", ")}) on ${statement.relation} builds its index while the table is locked ACCESS EXCLUSIVE`,
      fix: [
        ...(addsColumn ? [`ALTER TABLE ${table} ADD COLUMN ${ident(addsColumn.name)} ${addsColumn.type.text};`] : []),
        `CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS ${ident(name)} ON ${table} (${columns.map(ident).join(", ")});`,
        `ALTER TABLE ${table} ADD CONSTRAINT ${ident(name)} UNIQUE USING INDEX ${ident(name)};`,
      ].join("\n"),
    }));
  },
});
