import type { App, BlockButtonAction } from "@slack/bolt";
import { answerBlockerQuestion, requestCancel } from "../../apply/job.js";
import type { BlockerDecision } from "../../apply/executor.js";
import { getTarget } from "../../config.js";
import { writeAudit } from "../../store/audit.js";
import { ACTION } from "../action-ids.js";
import type { BotDeps } from "../deps.js";
import { tellError } from "../errors.js";
import { checkApprover } from "../../approval/policy.js";

/** Cancel and blocker-question buttons of a running apply: approvers only. */
export function registerApplyActions(app: App, deps: BotDeps): void {
  const guarded = (actionId: string, act: (jobId: string, user: string) => Promise<boolean>, words: string) =>
    app.action<BlockButtonAction>(actionId, async ({ ack, body, client }) => {
      await ack();
      if (!(await deps.firstDelivery(body))) return;
      // the button's value is a job id only if the bot made it: compared as text, never cast
      const jobId = body.actions[0]?.value ?? "";
      const user = body.user.id;
      const channel = body.channel?.id ?? body.container?.channel_id ?? "";
      try {
        const run = await deps.pool.query<{ target: string; content_hash: string }>(`SELECT target, content_hash FROM lockstep_state.apply_runs WHERE job_id::text = $1`, [jobId]);
        const target = run.rows[0]?.target;
        const who = target ? await checkApprover(getTarget(deps.loaded.config, target), user, deps.groups) : undefined;
        if (!target || !who?.approver) {
          await writeAudit(deps.pool, { actor: user, action: words, target: target ?? null, decision: "refused", detail: { job: jobId } });
          await client.chat.postEphemeral({ channel, user, text: target ? `Only approvers of ${target} can ${words} this apply.` : "This apply is no longer known." });
          return;
        }
        const done = await act(jobId, user);
        await writeAudit(deps.pool, { actor: user, action: words, target, contentHash: run.rows[0]!.content_hash, decision: done ? "recorded" : "not running", detail: { job: jobId } });
        if (!done) await client.chat.postEphemeral({ channel, user, text: "This apply is not waiting for that any more." });
      } catch (e) {
        await tellError(client, deps.log, { channel, user }, e);
      }
    });
  guarded(ACTION.applyCancel, (job, user) => requestCancel(deps.pool, job, user), "cancel");
  const answer = (d: BlockerDecision) => (job: string) => answerBlockerQuestion(deps.pool, job, d);
  guarded(ACTION.blockerEnd, answer("cancel-blockers"), "end blocking sessions of");
  guarded(ACTION.blockerWait, answer("wait"), "answer the blocker question of");
  guarded(ACTION.blockerAbort, answer("abort"), "abort");
}
