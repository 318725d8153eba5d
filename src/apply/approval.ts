import type pg from "pg";
import type { LoadedConfig } from "../config.js";
import { verifyApproval } from "../slack/approval.js";
import { STORE_SCHEMA } from "../store/migrations.js";

export { contentHash } from "../slack/content-hash.js";

export interface ValidApproval {
  checkId: string;
  approvedBy: string[];
}

/**
 * A currently valid Slack approval for exactly this content (same files, bytes, target and Lockstep
 * version): the check is approved (or its apply requested), not expired, and still matches the disk.
 */
export async function findValidApproval(
  opts: { pool: pg.Pool; loaded: LoadedConfig; cwd: string },
  target: string,
  hash: string,
): Promise<ValidApproval | null> {
  const candidates = await opts.pool.query<{ id: string }>(
    `SELECT id FROM ${STORE_SCHEMA}.checks
      WHERE target = $1 AND content_hash = $2 AND status IN ('approved', 'apply-requested') AND expires_at > now()
      ORDER BY created_at DESC`,
    [target, hash],
  );
  for (const { id } of candidates.rows) {
    const v = await verifyApproval(opts, id);
    if (v.valid) return { checkId: id, approvedBy: v.check.approvals.map((a) => a.approver) };
  }
  return null;
}
