import { defineRule } from "./define.js";

export default defineRule({
  id: "ban-uncommitted-transaction",
  severity: "error",
  summary: "BEGIN without a COMMIT before the end of the file",
  docs: {
    bad: "BEGIN;\nALTER TABLE users ADD COLUMN nickname text;",
    good: "BEGIN;\nALTER TABLE users ADD COLUMN nickname text;\nCOMMIT;",
    why: "Depending on the tool the open transaction is rolled back when the connection closes, or left holding its locks until it does.",
  },
  appliesTo: { kinds: ["begin", "start-transaction"] },
  check({ statement, file }) {
    if (statement.transaction !== "begin") return [];
    const closed = file.statements.slice(file.index + 1).some((s) => s.transaction === "commit" || s.transaction === "rollback" || s.transaction === "prepare");
    if (closed) return [];
    return [
      {
        message: "this BEGIN is never committed: the migration's changes are rolled back (or hold their locks) when the session ends",
        fix: "COMMIT;  -- at the end of the file",
      },
    ];
  },
});
