import { defineRule } from "./define.js";
import { isBuiltin, TYPED_COLUMNS, typeFindings } from "../rule-helpers.js";

export default defineRule({
  id: "prefer-text-field",
  severity: "warning",
  summary: "varchar(n) limits are hard to change safely; prefer text with a CHECK constraint",
  docs: {
    bad: "CREATE TABLE teams (name varchar(100));",
    good: "CREATE TABLE teams (name text CHECK (char_length(name) <= 100));",
    why: "Raising a varchar limit is cheap, but lowering it rewrites the table; a CHECK constraint can be replaced with NOT VALID + VALIDATE without blocking.",
  },
  appliesTo: TYPED_COLUMNS,
  check(ctx) {
    return typeFindings(
      ctx,
      (t) => isBuiltin(t, "varchar") && t.typmods.length > 0,
      (where, t) => ({ message: `${where} is ${t.text}: prefer text with a CHECK on its length`, fix: `-- text CHECK (char_length(...) <= ${t.typmods[0]})` }),
    );
  },
});
