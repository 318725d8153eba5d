/**
 * The one approval policy both surfaces use (the Slack buttons and `lockstep apply`): is a check's
 * approval valid for applying its content now? Nothing here knows about Slack.
 */
import type pg from "pg";
import { getTarget, type LoadedConfig } from "../config.js";
import { isUserError } from "../errors.js";
import { approvedCheckIds, loadCheck, type CheckRecord } from "../store/checks.js";
import { contentHash, type ContentFile } from "./content-hash.js";
import { migrationsDir, readContent } from "./migration-source.js";

/** The bytes a check covers, read again now: from the migrations dir, or the stored ad-hoc SQL. */
export function currentContent(loaded: LoadedConfig, cwd: string, check: CheckRecord): ContentFile[] {
  if (check.source === "adhoc") return [{ path: check.paths[0] ?? "adhoc.sql", bytes: Buffer.from(check.adhocSql ?? "", "utf8") }];
  const target = getTarget(loaded.config, check.target);
  return readContent(migrationsDir(loaded, check.target, target, cwd), check.paths);
}

/** Re-hash the check's content; a missing or unreadable file counts as changed. */
export function contentUnchanged(loaded: LoadedConfig, cwd: string, check: CheckRecord): { same: boolean; files?: ContentFile[]; why?: string } {
  try {
    const files = currentContent(loaded, cwd, check);
    return contentHash(files, check.target) === check.contentHash ? { same: true, files } : { same: false, why: "the migration changed after it was checked" };
  } catch (e) {
    if (isUserError(e)) return { same: false, why: e.message };
    throw e;
  }
}

export const EXPIRED = "the approval expired";

export type ApprovalValidity =
  | { valid: true; check: CheckRecord; files: ContentFile[] }
  | { valid: false; reason: string; check?: CheckRecord };

/**
 * Is this check's approval valid for applying right now? Approved (or apply requested), not
 * expired, content byte-for-byte what was approved (same Lockstep version), and not ad-hoc SQL
 * unless the target opts in. Call it on every Apply click and again right before applying.
 */
export async function verifyApproval(
  opts: { pool: pg.Pool | pg.ClientBase; loaded: LoadedConfig; cwd: string },
  checkId: string,
): Promise<ApprovalValidity> {
  const check = await loadCheck(opts.pool, checkId);
  if (!check) return { valid: false, reason: `no check ${checkId}` };
  if (check.status !== "approved" && check.status !== "apply-requested") return { valid: false, reason: `the check is ${check.status}`, check };
  if (check.expiresAt.getTime() <= Date.now()) return { valid: false, reason: EXPIRED, check };
  const target = getTarget(opts.loaded.config, check.target);
  if (check.source === "adhoc" && !target.approvals.allow_adhoc_sql) {
    return { valid: false, reason: `ad-hoc SQL cannot be applied to ${check.target} (approvals.allow_adhoc_sql is off)`, check };
  }
  const content = contentUnchanged(opts.loaded, opts.cwd, check);
  if (!content.same) return { valid: false, reason: content.why ?? "content changed", check };
  return { valid: true, check, files: content.files! };
}

/**
 * For `lockstep apply`: the newest check of `target` approved for exactly this content (its
 * content hash), still valid; undefined when there is none.
 */
export async function findValidApproval(
  opts: { pool: pg.Pool | pg.ClientBase; loaded: LoadedConfig; cwd: string },
  target: string,
  hash: string,
): Promise<ApprovalValidity | undefined> {
  for (const id of await approvedCheckIds(opts.pool, target, hash)) {
    const validity = await verifyApproval(opts, id);
    if (validity.valid) return validity;
  }
  return undefined;
}
