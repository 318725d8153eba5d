import { defineRule } from "./define.js";
import { isBuiltin, TYPED_COLUMNS, typeFindings } from "../rule-helpers.js";

export default defineRule({
  id: "prefer-timestamptz",
  aliases: ["prefer-timestamp-tz"],
  severity: "warning",
  summary: "timestamp without time zone stores wall-clock time without knowing whose; prefer timestamptz",
  docs: {
    bad: "CREATE TABLE events (created_at timestamp NOT NULL DEFAULT now());",
    good: "CREATE TABLE events (created_at timestamptz NOT NULL DEFAULT now());",
  },
  appliesTo: TYPED_COLUMNS,
  check(ctx) {
    return typeFindings(
      ctx,
      (t) => isBuiltin(t, "timestamp"),
      (where) => ({ message: `${where} is timestamp without time zone: prefer timestamptz`, fix: "-- timestamptz (an absolute instant, shown in the session's time zone)" }),
    );
  },
});
