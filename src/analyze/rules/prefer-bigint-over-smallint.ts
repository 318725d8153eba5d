import { defineRule } from "./define.js";
import { isBuiltin, isKeyColumn, TYPED_COLUMNS, typeFindings } from "../rule-helpers.js";

export default defineRule({
  id: "prefer-bigint-over-smallint",
  severity: "warning",
  summary: "A smallint key runs out at 32,767; changing it later rewrites the table",
  docs: {
    bad: "CREATE TABLE plans (id smallserial PRIMARY KEY, name text);",
    good: "CREATE TABLE plans (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text);",
  },
  appliesTo: TYPED_COLUMNS,
  check(ctx) {
    return typeFindings(
      ctx,
      (t, c) => isBuiltin(t, "int2") && !t.array && (c.def ? isKeyColumn(ctx.statement, c.def) : false),
      (where) => ({ message: `key column ${where} is a smallint: ids run out at 32,767`, fix: "-- use bigint (GENERATED ... AS IDENTITY on bigint)" }),
    );
  },
});
