import { defineRule, type RuleStatement } from "./define.js";
import { atLeast, isExisting, longWorkUnderLock } from "../rule-helpers.js";

export default defineRule({
  id: "require-timeout-settings",
  aliases: ["require-lock-timeout"],
  severity: "warning",
  summary: "A strong lock taken without SET lock_timeout can queue behind a long query and stall all traffic on the table",
  docs: {
    bad: "ALTER TABLE users ADD COLUMN nickname text;",
    good: "SET lock_timeout = '2s';\nALTER TABLE users ADD COLUMN nickname text;",
    why: "Waiting for its lock, the statement blocks every later query on the table. A lock_timeout makes it give up (and retry) instead; Lockstep's apply retries with backoff.",
  },
  check(ctx) {
    const mine = ctx.report.locks.filter((l) => atLeast(l.mode, "ShareLock") && isExisting(ctx, l.relation));
    const unnamed = ctx.report.locks.length === 0 && ctx.schema.source === "statements" ? unnamedTableLock(ctx.statement) : undefined;
    if ((mine.length === 0 && !unnamed) || ctx.lockTimeout) return [];
    // once per file: only the first statement that needs it (statements are checked in order)
    const first = ctx.file.memo("require-timeout-settings:first", () => ctx.file.index);
    if (first !== ctx.file.index) return [];
    const what = unnamed ? `${unnamed.mode} on ${unnamed.on}` : `${mine[0]!.mode} on ${mine.map((l) => l.relation).join(", ")}`;
    return [
      {
        message: `no lock_timeout is set before ${what}: while it waits, every query on ${mine.length > 1 || unnamed?.many ? "them" : "it"} queues behind it`,
        fix: [
          "SET lock_timeout = '2s';  -- at the top of the migration (SET LOCAL inside a transaction); retry on timeout",
          ...(longWorkUnderLock(ctx).length ? ["SET statement_timeout = '5min';  -- and bound how long the lock is then held by the long work that follows"] : []),
        ].join("\n"),
      },
    ];
  },
});

/** DROP INDEX / REINDEX lock a table the schema does not name (no --db): the lock is still there. */
function unnamedTableLock(s: RuleStatement): { mode: string; on: string; many?: boolean } | undefined {
  if (s.concurrently) return undefined;
  if (s.kind === "drop-index" && s.objects.length) return { mode: "AccessExclusiveLock", on: `the table of ${s.objects.join(", ")}` };
  if (s.kind !== "reindex") return undefined;
  if (s.objectType === "index") return { mode: "ShareLock", on: `the table of ${s.relation}` };
  return { mode: "ShareLock", on: `every table ${s.objectType === "schema" ? `of schema ${s.relation}` : s.objectType === "system" ? "of the system catalogs" : "of the database"}, in turn`, many: true };
}
