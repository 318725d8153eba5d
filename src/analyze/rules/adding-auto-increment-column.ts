import { defineRule } from "./define.js";
import { ident, isExisting, sqlName } from "../rule-helpers.js";

export default defineRule({
  id: "adding-auto-increment-column",
  severity: "error",
  summary: "Adding a serial or identity column to an existing table rewrites it under ACCESS EXCLUSIVE",
  docs: {
    bad: "ALTER TABLE events ADD COLUMN seq bigserial;",
    good: "ALTER TABLE events ADD COLUMN seq bigint;\nCREATE SEQUENCE events_seq_seq OWNED BY events.seq;\nALTER TABLE events ALTER COLUMN seq SET DEFAULT nextval('events_seq_seq');\n-- then backfill existing rows in batches",
    why: "Every existing row needs its own sequence value, so Postgres writes the whole table again while holding its strongest lock.",
  },
  appliesTo: { actions: true },
  check(ctx) {
    const { statement } = ctx;
    if (!isExisting(ctx)) return [];
    return statement.actions.flatMap((a) => {
      const col = a.columnDef;
      // (ADD IDENTITY on an existing column only changes the catalog.)
      if (a.action !== "add-column" || !col || !(col.type.serial || col.identity)) return [];
      const name = col.name;
      const table = sqlName(statement.relation!);
      const c = ident(name);
      const seq = ident(`${statement.relation!.split(".").pop()}_${name}_seq`);
      return [
        {
          message: `adding ${col.type.serial ? "serial" : "identity"} column ${name} to ${statement.relation} rewrites the table to fill every row's value`,
          fix: [
            `ALTER TABLE ${table} ADD COLUMN ${c} ${col.type.name === "int2" ? "smallint" : col.type.name === "int4" ? "integer" : "bigint"};`,
            `CREATE SEQUENCE ${seq} OWNED BY ${table}.${c};`,
            `ALTER TABLE ${table} ALTER COLUMN ${c} SET DEFAULT nextval('${seq}');  -- new rows`,
            `-- backfill existing rows in batches: UPDATE ... SET ${c} = nextval('${seq}') WHERE ${c} IS NULL AND <batch>`,
          ].join("\n"),
        },
      ];
    });
  },
});
