import { defineRule } from "./define.js";
import { ident, isExisting, provenNotNullSteps, sqlName } from "../rule-helpers.js";

export default defineRule({
  id: "adding-required-field",
  severity: "error",
  summary: "ADD COLUMN ... NOT NULL without a default fails on a table that has rows",
  docs: {
    bad: "ALTER TABLE users ADD COLUMN role text NOT NULL;",
    good: "ALTER TABLE users ADD COLUMN role text;\n-- or, when one value suits every existing row:\nALTER TABLE users ADD COLUMN plan text NOT NULL DEFAULT 'free';",
    why: "Existing rows would get NULL, so Postgres refuses (after taking an ACCESS EXCLUSIVE lock). Add the column nullable, backfill, then add the constraint.",
  },
  appliesTo: { actions: true },
  check(ctx) {
    const { statement } = ctx;
    if (!isExisting(ctx)) return [];
    return statement.actions.flatMap((a) => {
      const col = a.columnDef;
      if (a.action !== "add-column" || !col?.notNull || col.default || col.identity || col.generated || col.type.serial) return [];
      const c = ident(col.name);
      return [
        {
          message: `column ${col.name} is added to ${statement.relation} as NOT NULL without a default: it fails as soon as the table has a row`,
          fix: [
            `ALTER TABLE ${sqlName(statement.relation!)} ADD COLUMN ${c} ${col.type.text};`,
            `-- backfill ${c} in batches (lockstep backfill), then:`,
            ...provenNotNullSteps(statement.relation!, col.name),
            `-- or, if one constant suits every existing row: ADD COLUMN ${c} ${col.type.text} NOT NULL DEFAULT <constant>`,
          ].join("\n"),
        },
      ];
    });
  },
});
