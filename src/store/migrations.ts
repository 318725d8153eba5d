/**
 * Lockstep's own schema, in its state database. Append only: a shipped entry is never edited
 * (the founding doc's "editing deployed migrations" anti-pattern applies to us too).
 * Later features add their tables as new entries.
 */
export interface StoreMigration {
  version: number;
  name: string;
  sql: string;
}

export const STORE_SCHEMA = "lockstep_state";

export const storeMigrations: StoreMigration[] = [
  {
    version: 1,
    name: "audit log",
    sql: `
      CREATE TABLE ${STORE_SCHEMA}.audit_log (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        at timestamptz NOT NULL DEFAULT now(),
        actor text NOT NULL,
        action text NOT NULL,
        target text,
        content_hash text,
        decision text,
        detail jsonb NOT NULL DEFAULT '{}'::jsonb
      );
      CREATE INDEX audit_log_target_at ON ${STORE_SCHEMA}.audit_log (target, at DESC);
    `,
  },
  {
    version: 2,
    name: "slack checks, approvals, apply requests, request idempotency",
    sql: `
      -- One row per reported check: the content it covers (hash), its policy snapshot and status.
      CREATE TABLE ${STORE_SCHEMA}.checks (
        id text PRIMARY KEY,
        target text NOT NULL,
        channel text NOT NULL,
        message_ts text,
        requested_by text NOT NULL,
        source text NOT NULL CHECK (source IN ('files', 'adhoc')),
        paths jsonb NOT NULL,
        adhoc_sql text,
        content_hash text NOT NULL,
        lockstep_version text NOT NULL,
        risk text NOT NULL,
        required int NOT NULL,
        require_group text,
        report jsonb NOT NULL,
        status text NOT NULL DEFAULT 'pending'
          CHECK (status IN ('pending', 'approved', 'rejected', 'void', 'expired', 'apply-requested')),
        status_reason text,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        decided_by text,
        decided_at timestamptz
      );
      CREATE INDEX checks_target_created ON ${STORE_SCHEMA}.checks (target, created_at DESC);
      -- One row per approver and check: the primary key is what makes double clicks count once.
      CREATE TABLE ${STORE_SCHEMA}.approvals (
        check_id text NOT NULL REFERENCES ${STORE_SCHEMA}.checks (id) ON DELETE CASCADE,
        approver text NOT NULL,
        content_hash text NOT NULL,
        in_required_group boolean NOT NULL DEFAULT false,
        at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (check_id, approver)
      );
      -- The Apply button records a request; the apply feature executes it.
      CREATE TABLE ${STORE_SCHEMA}.apply_requests (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        check_id text NOT NULL UNIQUE REFERENCES ${STORE_SCHEMA}.checks (id),
        target text NOT NULL,
        content_hash text NOT NULL,
        requested_by text NOT NULL,
        requested_at timestamptz NOT NULL DEFAULT now(),
        status text NOT NULL DEFAULT 'requested'
      );
      -- Slack delivers some requests more than once (retries, replicas): first writer wins.
      CREATE TABLE ${STORE_SCHEMA}.slack_requests (
        key text PRIMARY KEY,
        at timestamptz NOT NULL DEFAULT now()
      );
    `,
  },
  {
    version: 3,
    name: "apply runs and schema snapshots",
    sql: `
      CREATE TABLE ${STORE_SCHEMA}.apply_runs (
        job_id uuid PRIMARY KEY,
        target text NOT NULL,
        requested_by text NOT NULL,
        source text NOT NULL,
        content_hash text NOT NULL,
        versions jsonb NOT NULL,
        status text NOT NULL DEFAULT 'queued',
        attempts integer NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        finished_at timestamptz,
        progress jsonb,
        outcome jsonb,
        thread jsonb,
        check_id text,
        progress_ts text,
        cancel_requested_by text,
        blocker_decision text
      );
      CREATE INDEX apply_runs_target ON ${STORE_SCHEMA}.apply_runs (target, created_at DESC);
      CREATE TABLE ${STORE_SCHEMA}.schema_snapshots (
        target text PRIMARY KEY,
        taken_at timestamptz NOT NULL DEFAULT now(),
        job_id uuid,
        snapshot jsonb NOT NULL
      );
      -- One drift check per target and cron tick, however many bot replicas run the schedule.
      CREATE TABLE ${STORE_SCHEMA}.drift_checks (
        target text PRIMARY KEY,
        checked_at timestamptz NOT NULL DEFAULT now(),
        report jsonb
      );
    `,
  },
  {
    version: 4,
    name: "backfill runs and checkpoints",
    sql: `
      CREATE TABLE ${STORE_SCHEMA}.backfill_runs (
        id text PRIMARY KEY,
        run_key text NOT NULL,
        target text NOT NULL,
        table_name text NOT NULL,
        spec jsonb NOT NULL,
        status text NOT NULL DEFAULT 'queued'
          CHECK (status IN ('queued', 'running', 'paused', 'cancelled', 'done', 'failed')),
        control text NOT NULL DEFAULT 'run' CHECK (control IN ('run', 'pause', 'cancel')),
        control_by text,
        control_at timestamptz,
        pass int NOT NULL DEFAULT 1,
        last_key jsonb,
        rows_done bigint NOT NULL DEFAULT 0,
        rows_scanned bigint NOT NULL DEFAULT 0,
        batches int NOT NULL DEFAULT 0,
        batch_size int,
        last_batch_ms double precision,
        max_batch_ms double precision NOT NULL DEFAULT 0,
        seconds double precision NOT NULL DEFAULT 0,
        estimated_rows bigint,
        remaining bigint,
        throttle text,
        save_old_table text,
        error text,
        nonce text NOT NULL,
        created_by text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz
      );
      CREATE INDEX backfill_runs_key ON ${STORE_SCHEMA}.backfill_runs (run_key, created_at DESC);
    `,
  },
  {
    version: 5,
    name: "backfill shards",
    sql: `
      -- Per-shard cursors of a run: [{"from": key|null, "to": key|null, "last": key|null}]; a
      -- single walker is one shard over the whole table. Parallel workers each own a shard.
      ALTER TABLE ${STORE_SCHEMA}.backfill_runs ADD COLUMN shards jsonb;
    `,
  },
  {
    version: 6,
    name: "slack backfill checks",
    sql: `
      -- a backfill spec file goes through the same approval flow as a migration
      ALTER TABLE ${STORE_SCHEMA}.checks DROP CONSTRAINT checks_source_check;
      ALTER TABLE ${STORE_SCHEMA}.checks ADD CONSTRAINT checks_source_check CHECK (source IN ('files', 'adhoc', 'backfill'));
    `,
  },
  {
    version: 7,
    name: "backfill runs keep their thread, progress message and job",
    sql: `
      -- Whoever runs a backfill (another replica after a takeover, a restart) updates the same
      -- Slack message: the thread ({"channel", "ts"}) and the progress message's ts stay with the run.
      -- job_id: the job running it now, cancelled when a live replica takes a dead runner's run over.
      ALTER TABLE ${STORE_SCHEMA}.backfill_runs ADD COLUMN thread jsonb, ADD COLUMN progress_ts text, ADD COLUMN job_id uuid;
    `,
  },
];
