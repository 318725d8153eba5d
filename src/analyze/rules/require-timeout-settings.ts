import { defineRule } from "./define.js";
import { atLeast, isExisting } from "../rule-helpers.js";

export default defineRule({
  id: "require-timeout-settings",
  severity: "warning",
  summary: "A strong lock taken without SET lock_timeout can queue behind a long query and stall all traffic on the table",
  docs: {
    bad: "ALTER TABLE users ADD COLUMN nickname text;",
    good: "SET lock_timeout = '2s';\nALTER TABLE users ADD COLUMN nickname text;",
    why: "Waiting for its lock, the statement blocks every later query on the table. A lock_timeout makes it give up (and retry) instead; Lockstep's apply retries with backoff.",
  },
  check(ctx) {
    const mine = ctx.report.locks.filter((l) => atLeast(l.mode, "ShareLock") && isExisting(ctx, l.relation));
    if (mine.length === 0 || ctx.lockTimeout) return [];
    // once per file: only the first statement that needs it (statements are checked in order)
    const first = ctx.file.memo("require-timeout-settings:first", () => ctx.file.index);
    if (first !== ctx.file.index) return [];
    return [
      {
        message: `no lock_timeout is set before ${mine[0]!.mode} on ${mine.map((l) => l.relation).join(", ")}: while it waits, every query on ${mine.length > 1 ? "them" : "it"} queues behind it`,
        fix: "SET lock_timeout = '2s';  -- at the top of the migration (SET LOCAL inside a transaction); retry on timeout",
      },
    ];
  },
});
