import { defineRule } from "./define.js";
import { columnInfo, ident, isExisting, sqlName } from "../rule-helpers.js";

export default defineRule({
  id: "changing-column-type",
  severity: "error",
  summary: "ALTER COLUMN TYPE that rewrites the table (and its indexes) under ACCESS EXCLUSIVE",
  docs: {
    bad: "ALTER TABLE users ALTER COLUMN id TYPE bigint;",
    good: "CREATE TABLE users (id int PRIMARY KEY, name varchar(20));\nALTER TABLE users ALTER COLUMN name TYPE varchar(50);",
    why: "Most type changes rewrite every row and rebuild every index while reads and writes wait. Binary-compatible ones (varchar(n) to a longer varchar or to text, numeric precision increases, ...) only touch the catalog; with --db Lockstep knows the old type and stays silent on those.",
  },
  appliesTo: { actions: true },
  check(ctx) {
    const { statement, report } = ctx;
    const relation = statement.relation;
    if (!relation || !isExisting(ctx) || !report.rewrites.includes(relation)) return [];
    return statement.actions.flatMap((a) => {
      if (a.action !== "alter-column-type" || !a.column || !a.type) return [];
      const old = columnInfo(ctx, relation, a.column);
      const table = sqlName(relation);
      const c = ident(a.column);
      const next = ident(`${a.column}_new`);
      return [
        {
          message: `changing ${relation}.${a.column}${old ? ` from ${old.type}` : ""} to ${a.type.text} rewrites ${relation} and rebuilds its indexes under ACCESS EXCLUSIVE`,
          fix: [
            `-- expand: a new column, written by the application (or a trigger) alongside the old one`,
            `ALTER TABLE ${table} ADD COLUMN ${next} ${a.type.text};`,
            `-- migrate: backfill ${next} from ${c} in batches, switch reads to ${next}`,
            `-- contract (after the code stops using ${c}): ALTER TABLE ${table} DROP COLUMN ${c}; then rename ${next} in a later release`,
          ].join("\n"),
        },
      ];
    });
  },
});
