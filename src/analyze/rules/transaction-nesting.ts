import type { RuleContext, RuleFinding } from "./define.js";
import { defineRule } from "./define.js";
import { openTransactionBefore } from "../rule-helpers.js";

export default defineRule({
  id: "transaction-nesting",
  severity: "error",
  summary: "BEGIN, COMMIT or ROLLBACK that does not match the transaction the file runs in: a nested BEGIN, or a COMMIT/ROLLBACK that ends the migration tool's transaction early",
  docs: {
    bad: "BEGIN;\nALTER TABLE users ADD COLUMN nickname text;\nBEGIN;\nALTER TABLE users ADD COLUMN bio text;\nCOMMIT;\nCOMMIT;",
    good: "BEGIN;\nALTER TABLE users ADD COLUMN nickname text;\nALTER TABLE users ADD COLUMN bio text;\nCOMMIT;",
    why: "Postgres only warns on a nested BEGIN; the first COMMIT then commits everything so far and later statements run outside the transaction the migration tool believes it holds. In a file the tool runs in its own transaction, a COMMIT ends that transaction early (COMMIT; BEGIN; splits it in two: the first part stays applied if the second fails); a ROLLBACK undoes the work, yet the tool records the migration as applied.",
  },
  appliesTo: { kinds: ["begin", "start-transaction", "commit", "rollback"] },
  check(ctx) {
    const { statement } = ctx;
    const open = openTransactionBefore(ctx);
    if (statement.transaction === "begin") {
      if (!open) return [];
      const byTool = open === "tool";
      return [
        {
          message: byTool
            ? "BEGIN in a file the migration tool already runs in a transaction: its COMMIT ends the tool's transaction early"
            : "BEGIN inside an open transaction block: Postgres does not nest transactions, the next COMMIT ends the outer one",
          fix: byTool ? "-- remove BEGIN/COMMIT from the file and let the tool's transaction cover it (or tell the tool not to wrap this file)" : "-- remove the inner BEGIN/COMMIT; use SAVEPOINT for a nested scope",
        },
      ];
    }
    if (statement.transaction !== "commit" && statement.transaction !== "rollback") return [];
    if (open === "tool") return [endOfToolTransaction(ctx, statement.transaction)];
    // (after a BEGIN in the tool's transaction, that BEGIN was reported: its COMMIT is not again)
    if (open || statement.inTransaction) return [];
    const word = statement.transaction.toUpperCase();
    return [
      {
        message: `${word} with no transaction open: Postgres only warns ("there is no transaction in progress"); the file's transactions are not what they seem`,
        fix: `-- remove the ${word}, or add the BEGIN it was meant to close`,
        severity: "warning",
      },
    ];
  },
});

function endOfToolTransaction(ctx: RuleContext, end: "commit" | "rollback"): RuleFinding {
  const fix = "-- remove it and let the tool's transaction cover the file (or tell the tool not to wrap this file)";
  if (end === "rollback") {
    return { message: "ROLLBACK in a file the migration tool runs in a transaction: it undoes the migration's work, yet the tool goes on to record the migration as applied", fix };
  }
  if (ctx.file.statements[ctx.file.index + 1]?.transaction === "begin") {
    return {
      message: "COMMIT; BEGIN; splits the migration tool's transaction in two: what comes before is committed on its own, and stays applied if a later statement fails",
      fix: "-- when the split is deliberate (e.g. ADD VALUE before Postgres 12 must commit first), make it two migrations: the tool then records each part",
      severity: "warning",
    };
  }
  return { message: "COMMIT in a file the migration tool runs in a transaction: it ends the tool's transaction early, so what follows (the tool's own bookkeeping included) runs outside it", fix };
}
