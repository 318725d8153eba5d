import type pg from "pg";
import { STORE_SCHEMA } from "./migrations.js";

export interface AuditEntry {
  /** Slack user id, or "cli:<user>" */
  actor: string;
  action: string;
  target?: string | null;
  contentHash?: string | null;
  /** e.g. approved, refused, rejected, void, requested */
  decision?: string | null;
  detail?: Record<string, unknown>;
}

export interface AuditRow extends Required<Omit<AuditEntry, "detail">> {
  id: number;
  at: Date;
  detail: Record<string, unknown>;
}

/** Append one entry to the audit log (who, what, when, content hash, decision). */
export async function writeAudit(db: pg.Pool | pg.ClientBase, e: AuditEntry): Promise<void> {
  await db.query(
    `INSERT INTO ${STORE_SCHEMA}.audit_log (actor, action, target, content_hash, decision, detail) VALUES ($1, $2, $3, $4, $5, $6)`,
    [e.actor, e.action, e.target ?? null, e.contentHash ?? null, e.decision ?? null, JSON.stringify(e.detail ?? {})],
  );
}

/** The newest entries first, optionally for some targets only. */
export async function listAudit(db: pg.Pool | pg.ClientBase, opts: { targets?: string[]; limit?: number } = {}): Promise<AuditRow[]> {
  const { rows } = await db.query<AuditRow & { content_hash: string | null }>(
    `SELECT id::int AS id, at, actor, action, target, content_hash, decision, detail
       FROM ${STORE_SCHEMA}.audit_log
      WHERE $1::text[] IS NULL OR target = ANY($1)
      ORDER BY at DESC, id DESC
      LIMIT $2`,
    [opts.targets ?? null, opts.limit ?? 50],
  );
  return rows.map(({ content_hash, ...r }) => ({ ...r, contentHash: content_hash }));
}
