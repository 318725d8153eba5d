import { defineRule } from "./define.js";
import { isBuiltin, isKeyColumn, TYPED_COLUMNS, typeFindings } from "../rule-helpers.js";

export default defineRule({
  id: "prefer-bigint-over-int",
  severity: "warning",
  summary: "An integer key runs out at 2.1 billion; changing it later rewrites the table",
  docs: {
    bad: "CREATE TABLE orders (id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY, user_id integer REFERENCES users (id));",
    good: "CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, user_id bigint REFERENCES users (id));",
  },
  appliesTo: TYPED_COLUMNS,
  check(ctx) {
    return typeFindings(
      ctx,
      (t, c) => isBuiltin(t, "int4") && !t.array && (c.def ? isKeyColumn(ctx.statement, c.def) : false),
      (where) => ({ message: `key column ${where} is a 32-bit integer: ids run out at 2,147,483,647`, fix: "-- use bigint (bigserial / GENERATED ... AS IDENTITY on bigint)" }),
    );
  },
});
