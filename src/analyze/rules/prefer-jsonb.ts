import { defineRule } from "./define.js";
import { isBuiltin, TYPED_COLUMNS, typeFindings } from "../rule-helpers.js";

export default defineRule({
  id: "prefer-jsonb",
  severity: "warning",
  summary: "json has no equality operator or GIN indexing and is re-parsed on every access; prefer jsonb",
  docs: {
    bad: "CREATE TABLE events (payload json);",
    good: "CREATE TABLE events (payload jsonb);",
    why: "A json column breaks SELECT DISTINCT, UNION and GROUP BY over the row (no equality operator).",
  },
  appliesTo: TYPED_COLUMNS,
  check(ctx) {
    return typeFindings(
      ctx,
      (t) => isBuiltin(t, "json"),
      (where) => ({ message: `${where} is json: prefer jsonb`, fix: "-- jsonb" }),
    );
  },
});
