import { defineRule } from "./define.js";
import { ident, indexBuildingConstraints, isExisting, provenNotNullSteps, sqlName } from "../rule-helpers.js";

export default defineRule({
  id: "adding-serial-primary-key-field",
  aliases: ["adding-primary-key-constraint"],
  severity: "error",
  summary: "ADD PRIMARY KEY builds its index (and checks NOT NULL) under ACCESS EXCLUSIVE; build the index CONCURRENTLY and add it USING INDEX",
  docs: {
    bad: "ALTER TABLE events ADD PRIMARY KEY (id);",
    good: "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS events_pkey ON events (id);\nALTER TABLE events ADD CONSTRAINT events_pkey PRIMARY KEY USING INDEX events_pkey;",
  },
  appliesTo: { actions: true },
  check(ctx) {
    const { statement } = ctx;
    if (!isExisting(ctx)) return [];
    const table = sqlName(statement.relation!);
    return indexBuildingConstraints(statement, "primary-key").map(({ columns, name }) => ({
      message: `PRIMARY KEY (${columns.join(", ")}) on ${statement.relation} builds its index while the table is locked ACCESS EXCLUSIVE`,
      fix: [
        `CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS ${ident(name)} ON ${table} (${columns.map(ident).join(", ")});`,
        `-- columns that may hold NULL: prove NOT NULL first, e.g.`,
        ...provenNotNullSteps(statement.relation!, columns[0]!).map((l) => `--   ${l}`),
        `ALTER TABLE ${table} ADD CONSTRAINT ${ident(name)} PRIMARY KEY USING INDEX ${ident(name)};`,
      ].join("\n"),
    }));
  },
});
