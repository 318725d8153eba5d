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
];
