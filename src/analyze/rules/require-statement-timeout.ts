import { defineRule } from "./define.js";
import { earlier, lockOn, longWorkUnderLock } from "../rule-helpers.js";

export default defineRule({
  id: "require-statement-timeout",
  severity: "info",
  summary: "Long work (a rewrite, a validation scan, an index build) under a lock that blocks writes, with no statement_timeout: nothing bounds how long traffic waits",
  docs: {
    bad: "SET lock_timeout = '2s';\nALTER TABLE users ADD CONSTRAINT users_age_check CHECK (age >= 0);",
    good: "SET lock_timeout = '2s';\nSET statement_timeout = '2min';\nALTER TABLE users ADD CONSTRAINT users_age_check CHECK (age >= 0);",
    why: "lock_timeout bounds the wait for the lock; once it is granted, the statement keeps it until the work is done. A statement_timeout cancels (and rolls back) work that runs longer than the outage you accept. Lockstep's apply sets it from apply.statement_timeout; other tools need a SET in the file. Reported in files that set lock_timeout (without one, require-timeout-settings reports the file and its fix sets both). Advice only: it never fails a run.",
  },
  check(ctx) {
    // without a lock_timeout, require-timeout-settings reports the file (its fix sets both)
    if (!ctx.lockTimeout) return [];
    const work = longWorkUnderLock(ctx);
    if (work.length === 0 || earlier(ctx).some(setsStatementTimeout)) return [];
    // once per file: the first statement that needs it
    if (ctx.file.memo("require-statement-timeout:first", () => ctx.file.index) !== ctx.file.index) return [];
    const rewritten = ctx.report.rewrites.includes(work[0]!);
    return [
      {
        message: `${work[0]} is ${rewritten ? "rewritten" : "read in full"} while ${lockOn(ctx, work[0])} is held, and no statement_timeout is set: traffic waits as long as the work takes`,
        fix: "SET statement_timeout = '5min';  -- the longest outage you accept, at the top (SET LOCAL inside a transaction); lockstep apply: apply.statement_timeout",
      },
    ];
  },
});

function setsStatementTimeout(s: { setting?: { name: string; value?: string } }): boolean {
  return s.setting?.name === "statement_timeout" && s.setting.value !== undefined && s.setting.value !== "0";
}
