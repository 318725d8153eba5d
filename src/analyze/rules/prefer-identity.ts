import { defineRule } from "./define.js";
import { TYPED_COLUMNS, typeFindings } from "../rule-helpers.js";

export default defineRule({
  id: "prefer-identity",
  severity: "warning",
  summary: "serial columns own a separate sequence with its own permissions; identity columns are the standard, simpler form",
  docs: {
    bad: "CREATE TABLE teams (id bigserial PRIMARY KEY);",
    good: "CREATE TABLE teams (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY);",
  },
  appliesTo: TYPED_COLUMNS,
  check(ctx) {
    return typeFindings(
      ctx,
      (t) => t.serial === true,
      (where, t) => ({
        message: `${where} is a serial column: prefer an identity column`,
        fix: `-- ${t.name === "int8" ? "bigint" : t.name === "int2" ? "smallint" : "integer"} GENERATED ALWAYS AS IDENTITY (or BY DEFAULT if the application sets ids)`,
      }),
    );
  },
});
