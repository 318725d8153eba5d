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
        thread jsonb
      );
      CREATE INDEX apply_runs_target ON ${STORE_SCHEMA}.apply_runs (target, created_at DESC);
      CREATE TABLE ${STORE_SCHEMA}.schema_snapshots (
        target text PRIMARY KEY,
        taken_at timestamptz NOT NULL DEFAULT now(),
        job_id uuid,
        snapshot jsonb NOT NULL
      );
    `,
  },
];
