import { createHash } from "node:crypto";
import type pg from "pg";
import { VERSION } from "../version.js";

/**
 * What an approval is bound to: SHA-256 of the ordered (path, bytes) pairs of the migration files,
 * the target and the Lockstep version. Any change to a file voids the approval.
 */
export function contentHash(files: Array<{ path: string; bytes: Buffer }>, target: string): string {
  const h = createHash("sha256");
  for (const f of files) {
    h.update(`${f.path}\0${f.bytes.length}\0`);
    h.update(f.bytes);
  }
  h.update(`\0target=${target}\0lockstep=${VERSION}`);
  return h.digest("hex");
}

export interface ValidApproval {
  approvedBy: string[];
}

/**
 * A currently valid approval for exactly this content, from the Slack approval flow's tables.
 * Until that flow is in the state store there are no approvals, so this answers null.
 */
export async function findValidApproval(_pool: pg.Pool, _target: string, _hash: string): Promise<ValidApproval | null> {
  return null;
}
