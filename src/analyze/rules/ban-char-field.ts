import { defineRule } from "./define.js";
import { isBuiltin, TYPED_COLUMNS, typeFindings } from "../rule-helpers.js";

export default defineRule({
  id: "ban-char-field",
  severity: "warning",
  summary: "char(n) pads with spaces and compares surprisingly; prefer text (or varchar)",
  docs: {
    bad: "CREATE TABLE countries (code char(2) PRIMARY KEY);",
    good: "CREATE TABLE countries (code text PRIMARY KEY CHECK (char_length(code) = 2));",
  },
  appliesTo: TYPED_COLUMNS,
  check(ctx) {
    return typeFindings(
      ctx,
      (t) => isBuiltin(t, "bpchar"),
      (where, t) => ({ message: `${where} is ${t.text.replace("bpchar", "char")}: blank-padded, prefer text`, fix: "-- text with a CHECK on its length" }),
    );
  },
});
