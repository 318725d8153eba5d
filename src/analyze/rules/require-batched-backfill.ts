import type { StatementSummary } from "../describe.js";
import { defineRule } from "./define.js";
import { isExisting, sqlName } from "../rule-helpers.js";

export default defineRule({
  id: "require-batched-backfill",
  severity: "error",
  summary: "A whole-table UPDATE or DELETE in one statement locks every row it touches until it commits",
  docs: {
    bad: "UPDATE users SET role = 'member';",
    good: [
      "DO $$",
      "DECLARE n int;",
      "BEGIN",
      "  LOOP",
      "    UPDATE users SET role = 'member' WHERE id IN (SELECT id FROM users WHERE role IS NULL LIMIT 1000);",
      "    GET DIAGNOSTICS n = ROW_COUNT;",
      "    EXIT WHEN n = 0;",
      "    COMMIT;",
      "  END LOOP;",
      "END $$;",
    ].join("\n"),
    why: "One huge UPDATE holds row locks on the whole table until commit (blocking every writer of those rows), bloats it with dead tuples and replicates as one giant transaction. Batches that commit one by one keep each lock short.",
  },
  appliesTo: { kinds: ["do", "update", "delete"] },
  check(ctx) {
    const { statement } = ctx;
    const whole = (s: StatementSummary) => (s.kind === "update" || s.kind === "delete") && s.dml !== undefined && !s.dml.where && !s.dml.fromQuery;
    const offenders =
      statement.kind === "do" && statement.doBlock && !statement.doBlock.batched
        ? statement.doBlock.statements.filter((s) => whole(s) && isExisting(ctx, s.relation))
        : whole(statement) && isExisting(ctx)
          ? [statement]
          : [];
    return offenders.map((s) => ({
      message: `${s.kind.toUpperCase()} of every row of ${s.relation} in one statement holds its row locks until the migration commits`,
      fix: [
        `-- run it as a backfill that commits per batch (lockstep backfill), or:`,
        `DO $$ DECLARE n int; BEGIN`,
        `  LOOP`,
        `    ${s.kind === "delete" ? `DELETE FROM ${sqlName(s.relation!)}` : `UPDATE ${sqlName(s.relation!)} SET ...`} WHERE ctid = ANY (ARRAY(SELECT ctid FROM ${sqlName(s.relation!)} WHERE <not yet done> LIMIT 1000));`,
        `    GET DIAGNOSTICS n = ROW_COUNT; EXIT WHEN n = 0; COMMIT;`,
        `  END LOOP;`,
        `END $$;  -- outside a transaction block, so COMMIT is allowed`,
      ].join("\n"),
    }));
  },
});
