import { defineRule } from "./define.js";
import { explicitTransactionOpen } from "../rule-helpers.js";

export default defineRule({
  id: "transaction-nesting",
  severity: "error",
  summary: "BEGIN inside a transaction block (explicit, or the one the migration tool opens) does not nest; its COMMIT ends the outer one early",
  docs: {
    bad: "BEGIN;\nALTER TABLE users ADD COLUMN nickname text;\nBEGIN;\nALTER TABLE users ADD COLUMN bio text;\nCOMMIT;\nCOMMIT;",
    good: "BEGIN;\nALTER TABLE users ADD COLUMN nickname text;\nALTER TABLE users ADD COLUMN bio text;\nCOMMIT;",
    why: "Postgres only warns on a nested BEGIN; the first COMMIT then commits everything so far and later statements run outside the transaction the migration tool believes it holds.",
  },
  appliesTo: { kinds: ["begin", "start-transaction"] },
  check(ctx) {
    const { statement, file } = ctx;
    if (statement.transaction !== "begin") return [];
    const open = explicitTransactionOpen(ctx);
    if (!open && !file.wrapped) return [];
    return [
      {
        message: open
          ? "BEGIN inside an open transaction block: Postgres does not nest transactions, the next COMMIT ends the outer one"
          : "BEGIN in a file the migration tool already runs in a transaction: its COMMIT ends the tool's transaction early",
        fix: open ? "-- remove the inner BEGIN/COMMIT; use SAVEPOINT for a nested scope" : "-- remove BEGIN/COMMIT from the file and let the tool's transaction cover it (or tell the tool not to wrap this file)",
      },
    ];
  },
});
