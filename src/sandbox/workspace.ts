import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { DEMO_URL_ENV } from "../demo/workspace.js";
import { APPROVERS } from "./users.js";

export const SANDBOX_TARGET = "demo";

/**
 * The sandbox bot's config and its target's migrations (rewritten on every start): two pending
 * migrations (a column for normalized_email, its index built CONCURRENTLY) and the backfill spec
 * that fills the column, paced so that it runs long enough to be paused and resumed.
 */
export function prepareSandboxWorkspace(dir: string, opts: { channel: string; users: number }): { config: string; migrations: string } {
  rmSync(dir, { recursive: true, force: true });
  const migrations = path.join(dir, "migrations");
  mkdirSync(path.join(migrations, "backfills"), { recursive: true });
  const config = path.join(dir, "lockstep.yml");
  writeFileSync(config, `# Written by \`lockstep sandbox\` (rewritten on every start).
targets:
  ${SANDBOX_TARGET}:
    url_env: ${DEMO_URL_ENV}
    migrations: migrations
    layout: golang-migrate
    channels: [${opts.channel}]
    approvals:
      approvers: [${APPROVERS.join(", ")}]
      # two approvals from medium up, so the sandbox shows both
      required: { low: 1, medium: 2, high: 2, critical: 2 }
      expiry: 24h
    apply:
      lock_timeout: 2s
    backfill:
      target_batch_ms: 200
`);
  const file = (name: string, sql: string) => writeFileSync(path.join(migrations, name), sql);
  file("000001_add_normalized_email.up.sql", "ALTER TABLE users ADD COLUMN normalized_email text;\n");
  file("000001_add_normalized_email.down.sql", "ALTER TABLE users DROP COLUMN normalized_email;\n");
  file("000002_index_users_normalized_email.up.sql", "CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_users_normalized_email ON users (normalized_email);\n");
  file("000002_index_users_normalized_email.down.sql", "DROP INDEX CONCURRENTLY IF EXISTS idx_users_normalized_email;\n");
  // about 20 s whatever the table's size: long enough to pause and resume it
  const pace = Math.max(1000, Math.round(opts.users / 20));
  file("backfills/normalized_email.yml", `# lockstep backfill spec: /migrate backfill ${SANDBOX_TARGET} backfills/normalized_email.yml
table: public.users
set: normalized_email = lower(email)
where: normalized_email IS NULL
max_rows_per_s: ${pace}
`);
  return { config, migrations };
}
