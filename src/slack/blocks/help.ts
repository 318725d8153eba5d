import { escapeMrkdwn } from "../mrkdwn.js";
import { section } from "./report.js";
import type { Message } from "./types.js";

export function helpMessage(): Message {
  const text = [
    "*Lockstep* — safe Postgres schema changes",
    "• `/migrate check <target> <path>` — check a migration file (or diesel/Prisma directory) from the target's migrations dir",
    "• `/migrate check <target> latest` — the last migration in layout order",
    "• `/migrate check <target> pending` — the migrations not yet in the target's history",
    "• `/migrate check` — open a form: pick a target, paste SQL or attach a `.sql` file",
    "• `/migrate backfill <target> <spec file>` — check a backfill spec (YAML, in the migrations dir); once approved, run it with progress in the thread",
    "• `/migrate backfill status [target]` — recent backfill runs",
    "• `/migrate status [target]` — recent checks and where their approvals stand",
    "• `/migrate audit [target]` — the audit log",
    "• `/migrate help` — this message",
    "Reports are posted in the channel; approvals, applies and progress follow in the report's thread.",
  ].join("\n");
  return { text: "Lockstep help", blocks: [section(escapeMrkdwn(text))] };
}
