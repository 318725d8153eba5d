import { randomBytes } from "node:crypto";
import type pg from "pg";
import type { CheckReport, Risk } from "../analyze/types.js";
import { STORE_SCHEMA } from "./migrations.js";

export type CheckStatus = "pending" | "approved" | "rejected" | "void" | "expired" | "apply-requested";

export interface Approval {
  approver: string;
  contentHash: string;
  inRequiredGroup: boolean;
  at: Date;
}

/** A reported check: what was checked (content hash), under which policy, and where it stands. */
export interface CheckRecord {
  id: string;
  target: string;
  channel: string;
  /** the report message; the thread everything else goes into */
  messageTs: string | null;
  requestedBy: string;
  /** "backfill": paths is the one spec file; report.backfill says what it does */
  source: "files" | "adhoc" | "backfill";
  /** relative to the target's migrations dir; for ad-hoc SQL the label it was given */
  paths: string[];
  adhocSql: string | null;
  contentHash: string;
  lockstepVersion: string;
  risk: Risk;
  required: number;
  requireGroup: string | null;
  report: CheckReport;
  status: CheckStatus;
  statusReason: string | null;
  createdAt: Date;
  expiresAt: Date;
  decidedBy: string | null;
  decidedAt: Date | null;
  approvals: Approval[];
}

export type NewCheck = Pick<
  CheckRecord,
  "target" | "channel" | "requestedBy" | "source" | "paths" | "adhocSql" | "contentHash" | "lockstepVersion" | "risk" | "required" | "requireGroup" | "report"
> & { expiryMs: number };

type Db = pg.Pool | pg.ClientBase;
const T = STORE_SCHEMA;

export function newCheckId(): string {
  return randomBytes(9).toString("base64url");
}

/** Store a check; with nothing required it is approved at once. */
export async function insertCheck(db: Db, c: NewCheck): Promise<CheckRecord> {
  const id = newCheckId();
  const status: CheckStatus = c.required === 0 && !c.requireGroup ? "approved" : "pending";
  await db.query(
    `INSERT INTO ${T}.checks (id, target, channel, requested_by, source, paths, adhoc_sql, content_hash, lockstep_version,
                              risk, required, require_group, report, status, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, now() + make_interval(secs => $15::double precision / 1000))`,
    [id, c.target, c.channel, c.requestedBy, c.source, JSON.stringify(c.paths), c.adhocSql, c.contentHash, c.lockstepVersion,
      c.risk, c.required, c.requireGroup, JSON.stringify(c.report), status, c.expiryMs],
  );
  return (await loadCheck(db, id))!;
}

export async function setMessageTs(db: Db, id: string, ts: string): Promise<void> {
  await db.query(`UPDATE ${T}.checks SET message_ts = $2 WHERE id = $1`, [id, ts]);
}

export async function loadCheck(db: Db, id: string, opts: { forUpdate?: boolean } = {}): Promise<CheckRecord | undefined> {
  const { rows } = await db.query(`SELECT * FROM ${T}.checks WHERE id = $1${opts.forUpdate ? " FOR UPDATE" : ""}`, [id]);
  if (!rows[0]) return undefined;
  const approvals = await db.query(
    `SELECT approver, content_hash, in_required_group, at FROM ${T}.approvals WHERE check_id = $1 ORDER BY at, approver`,
    [id],
  );
  return toRecord(rows[0], approvals.rows);
}

/** Recent checks of some targets (all when none given), newest first. */
export async function recentChecks(db: Db, opts: { targets?: string[]; limit?: number } = {}): Promise<CheckRecord[]> {
  const { rows } = await db.query(
    `SELECT id FROM ${T}.checks WHERE $1::text[] IS NULL OR target = ANY($1) ORDER BY created_at DESC LIMIT $2`,
    [opts.targets ?? null, opts.limit ?? 10],
  );
  const out: CheckRecord[] = [];
  for (const r of rows as Array<{ id: string }>) out.push((await loadCheck(db, r.id))!);
  return out;
}

/** Checks of a target approved (or apply-requested) for this content hash and not expired, newest first. */
export async function approvedCheckIds(db: Db, target: string, contentHash: string): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT id FROM ${T}.checks
      WHERE target = $1 AND content_hash = $2 AND status IN ('approved', 'apply-requested') AND expires_at > now()
      ORDER BY created_at DESC`,
    [target, contentHash],
  );
  return rows.map((r) => r.id);
}

export type ApprovalOutcome = "counted" | "already-approved-by-you" | "not-pending" | "expired";

/**
 * Count one approval. The check row is locked, the approval row is unique per approver, and the
 * status moves with a guarded UPDATE: double clicks and replicas racing cannot double count.
 */
export async function recordApproval(
  pool: pg.Pool,
  a: { checkId: string; approver: string; contentHash: string; inRequiredGroup: boolean },
): Promise<{ outcome: ApprovalOutcome; check: CheckRecord }> {
  return inTransaction(pool, async (c) => {
    const check = await loadCheck(c, a.checkId, { forUpdate: true });
    if (!check) throw new Error(`check ${a.checkId} not found`);
    if (check.status !== "pending") return { outcome: "not-pending" as const, check };
    if (check.expiresAt.getTime() <= Date.now()) {
      await c.query(`UPDATE ${T}.checks SET status = 'expired', decided_at = now() WHERE id = $1 AND status = 'pending'`, [a.checkId]);
      return { outcome: "expired" as const, check: (await loadCheck(c, a.checkId))! };
    }
    const inserted = await c.query(
      `INSERT INTO ${T}.approvals (check_id, approver, content_hash, in_required_group) VALUES ($1, $2, $3, $4)
       ON CONFLICT (check_id, approver) DO NOTHING`,
      [a.checkId, a.approver, a.contentHash, a.inRequiredGroup],
    );
    await c.query(
      `UPDATE ${T}.checks k SET status = 'approved', decided_at = now()
        WHERE k.id = $1 AND k.status = 'pending'
          AND (SELECT count(*) FROM ${T}.approvals p WHERE p.check_id = k.id AND p.content_hash = k.content_hash) >= k.required
          AND (k.require_group IS NULL OR EXISTS (
                SELECT 1 FROM ${T}.approvals p WHERE p.check_id = k.id AND p.content_hash = k.content_hash AND p.in_required_group))`,
      [a.checkId],
    );
    return { outcome: inserted.rowCount === 1 ? ("counted" as const) : ("already-approved-by-you" as const), check: (await loadCheck(c, a.checkId))! };
  });
}

/** Guarded status change: only from one of `from`; returns the check when this call changed it. */
export async function transition(
  db: Db,
  id: string,
  from: CheckStatus[],
  to: CheckStatus,
  by: string,
  reason?: string,
): Promise<CheckRecord | undefined> {
  const res = await db.query(
    `UPDATE ${T}.checks SET status = $3, decided_by = $4, decided_at = now(), status_reason = $5
      WHERE id = $1 AND status = ANY($2::text[])`,
    [id, from, to, by, reason ?? null],
  );
  return res.rowCount === 1 ? loadCheck(db, id) : undefined;
}

export interface ApplyRequest {
  id: number;
  checkId: string;
  target: string;
  contentHash: string;
  requestedBy: string;
  requestedAt: Date;
  status: string;
}

/** Record the Apply click once per check (approved -> apply-requested). Undefined when already requested. */
export async function recordApplyRequest(pool: pg.Pool, check: CheckRecord, by: string): Promise<ApplyRequest | undefined> {
  return inTransaction(pool, async (c) => {
    const moved = await transition(c, check.id, ["approved"], "apply-requested", by);
    if (!moved) return undefined;
    const { rows } = await c.query(
      `INSERT INTO ${T}.apply_requests (check_id, target, content_hash, requested_by) VALUES ($1, $2, $3, $4)
       ON CONFLICT (check_id) DO NOTHING
       RETURNING id::int AS id, check_id, target, content_hash, requested_by, requested_at, status`,
      [check.id, check.target, check.contentHash, by],
    );
    const r = rows[0];
    return r
      ? { id: r.id, checkId: r.check_id, target: r.target, contentHash: r.content_hash, requestedBy: r.requested_by, requestedAt: r.requested_at, status: r.status }
      : undefined;
  });
}

/** First caller with a key wins; later deliveries of the same Slack request get false. */
export async function claimRequestKey(db: Db, key: string): Promise<boolean> {
  const res = await db.query(`INSERT INTO ${T}.slack_requests (key) VALUES ($1) ON CONFLICT DO NOTHING`, [key]);
  return res.rowCount === 1;
}

async function inTransaction<R>(pool: pg.Pool, fn: (c: pg.PoolClient) => Promise<R>): Promise<R> {
  const c = await pool.connect();
  try {
    await c.query("BEGIN");
    const out = await fn(c);
    await c.query("COMMIT");
    return out;
  } catch (e) {
    await c.query("ROLLBACK").catch(() => undefined);
    throw e;
  } finally {
    c.release();
  }
}

function toRecord(r: Record<string, any>, approvals: Array<Record<string, any>>): CheckRecord {
  return {
    id: r.id,
    target: r.target,
    channel: r.channel,
    messageTs: r.message_ts,
    requestedBy: r.requested_by,
    source: r.source,
    paths: r.paths,
    adhocSql: r.adhoc_sql,
    contentHash: r.content_hash,
    lockstepVersion: r.lockstep_version,
    risk: r.risk,
    required: r.required,
    requireGroup: r.require_group,
    report: r.report,
    status: r.status,
    statusReason: r.status_reason,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    decidedBy: r.decided_by,
    decidedAt: r.decided_at,
    approvals: approvals.map((a) => ({ approver: a.approver, contentHash: a.content_hash, inRequiredGroup: a.in_required_group, at: a.at })),
  };
}
