import type { webApi } from "@slack/bolt";
import { getTarget } from "../config.js";
import { writeAudit } from "../store/audit.js";
import { loadCheck, recordApplyRequest, recordApproval, transition, type CheckRecord } from "../store/checks.js";
import { noteMessage } from "./blocks/lists.js";
import { rejectModal } from "./blocks/modals.js";
import { reportMessage } from "./blocks/report.js";
import { viewOf } from "./check-flow.js";
import { EXPIRED, contentUnchanged, verifyApproval } from "../approval/verify.js";
import type { BotDeps } from "./deps.js";
import { emitApplyRequested } from "./hooks.js";
import { checkApprover } from "../approval/policy.js";
import { escapeMrkdwn, userMention } from "./mrkdwn.js";
import { postInThread } from "./thread.js";

type WebClient = webApi.WebClient;

export interface Click {
  checkId: string;
  user: string;
  /** the channel the click came from (for the ephemeral refusal) */
  channel: string;
}

/** Redraw the report message from the stored check (every click updates it in place). */
export async function refreshReport(deps: BotDeps, client: WebClient, check: CheckRecord): Promise<void> {
  if (!check.messageTs) return;
  const m = reportMessage(viewOf(deps, check));
  await client.chat.update({ channel: check.channel, ts: check.messageTs, text: m.text, blocks: m.blocks });
}

/** A line in the report's thread: the thread keeps the history of every decision. */
async function threadNote(client: WebClient, check: CheckRecord, text: string): Promise<void> {
  if (!check.messageTs) return;
  await postInThread(client, { channel: check.channel, threadTs: check.messageTs }, noteMessage(text));
}

async function refuse(deps: BotDeps, client: WebClient, click: Click, check: CheckRecord | undefined, action: string, why: string): Promise<void> {
  // the audit entry first: it is the record, the message is a courtesy
  await writeAudit(deps.pool, {
    actor: click.user,
    action,
    target: check?.target,
    contentHash: check?.contentHash,
    decision: "refused",
    detail: { check: click.checkId, reason: why },
  });
  await client.chat.postEphemeral({ channel: click.channel, user: click.user, ...noteMessage(`:no_entry_sign: ${why}`) });
}

/**
 * Before counting any click: is the content still what was checked? If not, the check (and
 * every approval on it) is void.
 */
async function voidIfChanged(deps: BotDeps, client: WebClient, click: Click, check: CheckRecord, action: string): Promise<boolean> {
  const content = contentUnchanged(deps.loaded, deps.cwd, check);
  if (content.same) return false;
  const why = content.why ?? "the migration changed after it was checked";
  const voided = await transition(deps.pool, check.id, ["pending", "approved"], "void", click.user, why);
  if (voided) {
    await writeAudit(deps.pool, { actor: click.user, action, target: check.target, contentHash: check.contentHash, decision: "void", detail: { check: check.id, reason: why } });
  }
  await refreshReport(deps, client, voided ?? (await loadCheck(deps.pool, check.id))!);
  if (voided) await threadNote(client, voided, `:warning: Approval void: ${escapeMrkdwn(why)}.`);
  await client.chat.postEphemeral({ channel: click.channel, user: click.user, ...noteMessage(`:warning: Approval void: ${escapeMrkdwn(why)}. Run \`/migrate check\` again.`) });
  return true;
}

/** Who may approve or reject: approvers (ids or group members), and not the requester unless allowed. */
async function mayDecide(deps: BotDeps, check: CheckRecord, user: string): Promise<{ ok: true; inRequiredGroup: boolean } | { ok: false; why: string }> {
  const target = getTarget(deps.loaded.config, check.target);
  const who = await checkApprover(target, user, deps.groups, check.requireGroup ? [check.requireGroup] : []);
  if (!who.approver) return { ok: false, why: `you are not an approver for \`${check.target}\`` };
  if (user === check.requestedBy && !target.approvals.allow_self_approval) return { ok: false, why: "you requested this check: someone else has to approve it" };
  return { ok: true, inRequiredGroup: check.requireGroup ? who.groups.includes(check.requireGroup) : false };
}

export async function approve(deps: BotDeps, client: WebClient, click: Click): Promise<void> {
  const check = await loadCheck(deps.pool, click.checkId);
  if (!check) return refuse(deps, client, click, undefined, "approve", "this check no longer exists");
  const allowed = await mayDecide(deps, check, click.user);
  if (!allowed.ok) return refuse(deps, client, click, check, "approve", allowed.why);
  if (await voidIfChanged(deps, client, click, check, "approve")) return;
  const { outcome, check: now } = await recordApproval(deps.pool, {
    checkId: check.id,
    approver: click.user,
    contentHash: check.contentHash,
    inRequiredGroup: allowed.inRequiredGroup,
  });
  if (outcome === "counted") {
    await writeAudit(deps.pool, {
      actor: click.user,
      action: "approve",
      target: check.target,
      contentHash: check.contentHash,
      decision: now.status === "approved" ? "approved (fully)" : "approved",
      detail: { check: check.id, approvals: now.approvals.length, required: now.required },
    });
  }
  await refreshReport(deps, client, now);
  if (outcome === "counted") {
    const fully = now.status === "approved" ? " — fully approved" : "";
    await threadNote(client, now, `:white_check_mark: ${userMention(click.user)} approved (${now.approvals.length}/${now.required})${fully}.`);
  } else if (outcome !== "already-approved-by-you") {
    await client.chat.postEphemeral({ channel: click.channel, user: click.user, ...noteMessage(`This check is ${now.status}: nothing to approve.`) });
  }
}

/** The Reject button opens a modal asking for the reason. */
export async function openReject(deps: BotDeps, client: WebClient, click: Click & { triggerId: string }): Promise<void> {
  const check = await loadCheck(deps.pool, click.checkId);
  if (!check) return refuse(deps, client, click, undefined, "reject", "this check no longer exists");
  const allowed = await mayDecide(deps, check, click.user);
  if (!allowed.ok && !(click.user === check.requestedBy)) return refuse(deps, client, click, check, "reject", allowed.why);
  await client.views.open({ trigger_id: click.triggerId, view: rejectModal(check.id) });
}

export async function reject(deps: BotDeps, client: WebClient, click: Click, reason: string): Promise<void> {
  const check = await loadCheck(deps.pool, click.checkId);
  if (!check) return;
  const allowed = await mayDecide(deps, check, click.user);
  // the requester may withdraw their own change; anyone else must be an approver
  if (!allowed.ok && click.user !== check.requestedBy) return refuse(deps, client, { ...click, channel: check.channel }, check, "reject", allowed.why);
  const now = await transition(deps.pool, check.id, ["pending", "approved"], "rejected", click.user, reason);
  if (!now) return;
  await refreshReport(deps, client, now);
  await writeAudit(deps.pool, { actor: click.user, action: "reject", target: check.target, contentHash: check.contentHash, decision: "rejected", detail: { check: check.id, reason } });
  await threadNote(client, now, `:no_entry: ${userMention(click.user)} rejected: ${escapeMrkdwn(reason)}`);
}

/** Apply: re-verify the approval for the exact content, record the request once, hand it to the apply feature. */
export async function requestApply(deps: BotDeps, client: WebClient, click: Click): Promise<void> {
  const check = await loadCheck(deps.pool, click.checkId);
  if (!check) return refuse(deps, client, click, undefined, "apply", "this check no longer exists");
  const target = getTarget(deps.loaded.config, check.target);
  const who = await checkApprover(target, click.user, deps.groups);
  if (!who.approver && click.user !== check.requestedBy) return refuse(deps, client, click, check, "apply", `you are not an approver for \`${check.target}\``);
  if (await voidIfChanged(deps, client, click, check, "apply")) return;
  const validity = await verifyApproval(deps, check.id);
  if (!validity.valid) {
    if (validity.reason === EXPIRED) {
      const expired = await transition(deps.pool, check.id, ["approved"], "expired", click.user, EXPIRED);
      if (expired) await refreshReport(deps, client, expired);
    }
    return refuse(deps, client, click, check, "apply", `cannot apply: ${validity.reason}`);
  }
  const request = await recordApplyRequest(deps.pool, check, click.user);
  if (!request) return; // a second click, or another replica, got there first
  const now = (await loadCheck(deps.pool, check.id))!;
  await refreshReport(deps, client, now);
  await writeAudit(deps.pool, { actor: click.user, action: "apply", target: check.target, contentHash: check.contentHash, decision: "requested", detail: { check: check.id, request: request.id } });
  const thread = { channel: now.channel, threadTs: now.messageTs! };
  const handled = await emitApplyRequested({ request, check: now, thread, client });
  const what = now.source === "backfill" ? "Backfill" : "Apply";
  await threadNote(client, now, `:rocket: ${what} requested by ${userMention(click.user)}${handled ? "." : `: recorded; it runs when the ${what.toLowerCase()} worker picks it up.`}`);
}
