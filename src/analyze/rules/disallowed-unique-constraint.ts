import { defineRule } from "./define.js";
import { ident, isExisting, sqlName } from "../rule-helpers.js";

export default defineRule({
  id: "disallowed-unique-constraint",
  severity: "error",
  summary: "ADD UNIQUE builds its index under ACCESS EXCLUSIVE; build it CONCURRENTLY and add the constraint USING INDEX",
  docs: {
    bad: "ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);",
    good: "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS users_email_key ON users (email);\nALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_key;",
  },
  check(ctx) {
    const { statement } = ctx;
    if (!isExisting(ctx)) return [];
    return statement.actions.flatMap((a) => {
      const c = a.constraint;
      const inline = a.action === "add-column" && a.columnDef?.unique;
      const constraint = a.action === "add-constraint" && c?.type === "unique" && !c.usingIndex;
      if (!inline && !constraint) return [];
      const columns = inline ? [a.columnDef!.name] : c!.columns;
      const name = (constraint && c!.name) || `${statement.relation!.split(".").pop()}_${columns.join("_")}_key`;
      const table = sqlName(statement.relation!);
      return [
        {
          message: `UNIQUE (${columns.join(", ")}) on ${statement.relation} builds its index while the table is locked ACCESS EXCLUSIVE`,
          fix: [
            ...(inline ? [`ALTER TABLE ${table} ADD COLUMN ${ident(a.columnDef!.name)} ${a.columnDef!.type.text};`] : []),
            `CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS ${ident(name)} ON ${table} (${columns.map(ident).join(", ")});`,
            `ALTER TABLE ${table} ADD CONSTRAINT ${ident(name)} UNIQUE USING INDEX ${ident(name)};`,
          ].join("\n"),
        },
      ];
    });
  },
});
