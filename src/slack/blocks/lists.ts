import type { AuditRow } from "../../store/audit.js";
import type { CheckRecord } from "../../store/checks.js";
import { escapeMrkdwn, shorten, userMention } from "../mrkdwn.js";
import { RISK_WORD, shortHash } from "./format.js";
import { chunkSections, section } from "./report.js";
import type { Message } from "./types.js";

function when(d: Date): string {
  const secs = Math.floor(d.getTime() / 1000);
  return `<!date^${secs}^{date_short_pretty} {time}|${d.toISOString()}>`;
}

/** `/migrate status [target]`: recent checks and where their approvals stand. */
export function statusMessage(checks: CheckRecord[], target?: string): Message {
  const scope = target ? ` for \`${escapeMrkdwn(target)}\`` : "";
  if (checks.length === 0) return { text: "No checks yet", blocks: [section(`No checks yet${scope}.`)] };
  const lines = checks.map((c) => {
    const what = shorten(c.paths.join(", "), 120);
    const approvals = c.status === "pending" ? ` (${c.approvals.filter((a) => a.contentHash === c.contentHash).length}/${c.required})` : "";
    return `• \`${escapeMrkdwn(c.target)}\` ${escapeMrkdwn(what)} — ${RISK_WORD[c.risk]} — *${c.status}*${approvals} — ${userMention(c.requestedBy)} ${when(c.createdAt)}`;
  });
  return { text: `Recent checks${target ? ` for ${target}` : ""}`, blocks: chunkSections(`*Recent checks${scope}*`, lines).slice(0, 45) };
}

/** `/migrate audit [target]`: newest entries first. */
export function auditMessage(rows: AuditRow[], target?: string): Message {
  const scope = target ? ` for \`${escapeMrkdwn(target)}\`` : "";
  if (rows.length === 0) return { text: "The audit log is empty", blocks: [section(`The audit log is empty${scope}.`)] };
  const lines = rows.map((r) => {
    const hash = r.contentHash ? ` \`${shortHash(r.contentHash)}\`` : "";
    return `• ${when(r.at)} ${userMention(r.actor)} ${escapeMrkdwn(r.action)}${r.decision ? ` → *${escapeMrkdwn(r.decision)}*` : ""}${r.target ? ` on \`${escapeMrkdwn(r.target)}\`` : ""}${hash}`;
  });
  return { text: `Audit log${target ? ` for ${target}` : ""}`, blocks: chunkSections(`*Audit log${scope}*`, lines).slice(0, 45) };
}

/** A one-line message (refusals, thread notes, errors); user-supplied parts must be escaped by the caller. */
export function noteMessage(text: string): Message {
  return { text: text.replace(/[*_`]/g, ""), blocks: [section(text)] };
}
