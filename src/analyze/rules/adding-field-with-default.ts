import { defineRule } from "./define.js";
import { ident, isExisting, sqlName } from "../rule-helpers.js";

export default defineRule({
  id: "adding-field-with-default",
  severity: "error",
  summary: "ADD COLUMN with a volatile default (or any default before Postgres 11) rewrites the whole table under ACCESS EXCLUSIVE",
  docs: {
    bad: "ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid();",
    good: "ALTER TABLE users ADD COLUMN token uuid;\nALTER TABLE users ALTER COLUMN token SET DEFAULT gen_random_uuid();\n-- then backfill existing rows in batches",
    why: "Since Postgres 11 a constant or stable default is stored once in the catalog; a volatile one (random(), gen_random_uuid(), clock_timestamp(), nextval()) must be computed per row, which rewrites the table.",
  },
  appliesTo: { actions: true },
  check(ctx) {
    const { statement, pgVersion } = ctx;
    if (!isExisting(ctx)) return [];
    return statement.actions.flatMap((a) => {
      const col = a.columnDef;
      const def = col?.default;
      if (a.action !== "add-column" || !col || !def || def.isNull || col.generated || col.identity || col.type.serial) return [];
      const rewrites = def.volatility === "volatile" || pgVersion < 11;
      if (!rewrites) return [];
      const table = sqlName(statement.relation!);
      const c = ident(col.name);
      const why = def.volatility === "volatile" ? `its default ${def.text || "(volatile)"} is volatile` : `Postgres ${pgVersion} stores no column default in the catalog`;
      return [
        {
          message: `adding column ${col.name} to ${statement.relation} rewrites the table under ACCESS EXCLUSIVE: ${why}`,
          fix: [
            `ALTER TABLE ${table} ADD COLUMN ${c} ${col.type.text};`,
            `ALTER TABLE ${table} ALTER COLUMN ${c} SET DEFAULT ${def.text || "<default>"};  -- new rows only`,
            `-- backfill existing rows in batches (lockstep backfill); add NOT NULL afterwards with a validated CHECK`,
          ].join("\n"),
        },
      ];
    });
  },
});
