import type { CheckReport, Risk } from "../analyze/types.js";
import { durationMs, type TargetConfig } from "../config.js";

export interface ApprovalPolicy {
  required: number;
  /** one approval must come from this user group (handle or id) */
  requireGroup?: string;
  allowSelf: boolean;
  allowAdhoc: boolean;
  expiryMs: number;
}

/** Used for a risk level the target's config does not mention. */
export const DEFAULT_REQUIRED: Record<Risk, number> = { low: 0, medium: 1, high: 2, critical: 2 };

export function policyFor(target: TargetConfig, risk: Risk): ApprovalPolicy {
  const a = target.approvals;
  return {
    required: a.required[risk] ?? DEFAULT_REQUIRED[risk],
    requireGroup: a.require_group[risk],
    allowSelf: a.allow_self_approval,
    allowAdhoc: a.allow_adhoc_sql,
    expiryMs: durationMs(a.expiry),
  };
}

/**
 * How many approvals a check needs: the policy's count for its risk, and at least one when the
 * report holds an error finding that is not ignored, so a low-risk statement the rules forbid
 * (a blocking index on a small table, a drop the code still uses) is never waved through.
 */
export function requiredApprovals(policy: ApprovalPolicy, report: CheckReport): number {
  const hasError = report.files.some((f) => f.statements.some((s) => s.findings.some((x) => x.severity === "error" && !x.ignored)));
  return hasError ? Math.max(policy.required, 1) : policy.required;
}

/** Who may click: approvers listed by id plus members of the listed user groups. */
export interface ApproverCheck {
  approver: boolean;
  /** user-group handles/ids (as written in the config) the user belongs to */
  groups: string[];
}

/** User groups as the chat workspace knows them, reduced to what policy needs (Slack's usergroups API in the bot). */
export interface GroupDirectory {
  /** members of a user group given by handle ("dba") or id ("S0123") */
  members(group: string): Promise<string[]>;
}

export async function checkApprover(target: TargetConfig, userId: string, directory: GroupDirectory, extraGroups: string[] = []): Promise<ApproverCheck> {
  const groups: string[] = [];
  for (const g of new Set([...target.approvals.user_groups, ...extraGroups])) {
    if ((await directory.members(g)).includes(userId)) groups.push(g);
  }
  const listed = target.approvals.approvers.includes(userId);
  const inApproverGroup = groups.some((g) => target.approvals.user_groups.includes(g));
  return { approver: listed || inApproverGroup, groups };
}
