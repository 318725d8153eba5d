import { defineRule } from "./define.js";

export default defineRule({
  id: "ban-duplicate-column-assignments",
  severity: "error",
  summary: "A column assigned twice in one UPDATE / INSERT / MERGE, or defined twice by CREATE TABLE / VIEW: Postgres rejects the statement when it runs",
  docs: {
    bad: "UPDATE users SET status = 'active', email = lower(email), status = 'verified' WHERE id = 1;",
    good: "UPDATE users SET email = lower(email), status = 'verified' WHERE id = 1;",
    why: "The parser accepts it; Postgres fails at execution (\"multiple assignments to same column\", \"column specified more than once\"), which CI catches before production does. Assigning different fields or elements of one column (a.x, a.y) is allowed.",
  },
  check({ statement }) {
    return (statement.duplicateColumns ?? []).map((column) => ({
      message: `column ${column} is ${statement.dml ? "assigned" : "named"} more than once${statement.relation ? ` (${statement.relation})` : ""}: Postgres rejects the statement`,
      fix: statement.dml ? `-- keep one assignment to ${column}` : `-- give each column its own name (an alias for computed columns)`,
    }));
  },
});
