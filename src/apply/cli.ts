import os from "node:os";
import readline from "node:readline";
import type { CommandContext } from "../command.js";
import { ExitCode, UserError } from "../errors.js";
import { openStateDatabase } from "../store/state-db.js";
import { openStore } from "../store/store.js";
import { findValidApproval } from "../approval/verify.js";
import { claimApplyJob, enqueueApply, findOpenApplyJobs, isOrphaned, runApplyJob, type JobRunnerDeps } from "./job.js";
import { progressReporter } from "./progress.js";
import { planApply, targetContext, type ApplyOutcome } from "./run.js";
import type { BlockerDecision } from "./executor.js";
import { describeBlocker } from "./preflight.js";

export interface ApplyArgs {
  target: string;
  dryRun: boolean;
  yes: boolean;
}

/** Who the CLI records as applied_by / requested_by. */
export function cliUser(env: NodeJS.ProcessEnv): string {
  return env.LOCKSTEP_USER || `${os.userInfo().username} (cli)`;
}

/**
 * `lockstep apply`: the same policy as the Slack Apply button (approval for the exact content unless
 * the target allows unapproved CLI applies), run as a durable job that this process works itself.
 */
export async function applyFromCli(ctx: CommandContext, args: ApplyArgs): Promise<ApplyOutcome> {
  const tc = targetContext(ctx.config, args.target, ctx.env, ctx.cwd);
  const plan = await planApply(tc);
  if (args.dryRun || plan.status === "refused") return plan;

  const state = await openStateDatabase(ctx.config.config, ctx.env);
  try {
    const store = await openStore(state.url, { startQueue: true });
    const report = progressReporter(ctx.stderr);
    try {
      const deps: JobRunnerDeps = {
        boss: store.boss, pool: store.pool, config: ctx.config, env: ctx.env, cwd: ctx.cwd,
        onEvent: (_job, e) => report.event(e),
        ask: (_job, blockers) => askOnTerminal(ctx, blockers),
        signal: ctx.signal,
      };
      const open = await findOpenApplyJobs(store.pool, tc.name);
      const active = open.find((j) => j.state === "active");
      if (active) {
        if (!(await isOrphaned(tc.url))) return { ...plan, status: "busy", reason: `another apply is running on target ${tc.name} (job ${active.id})`, jobId: active.id };
        ctx.stderr.write(`resuming the interrupted apply job ${active.id} (its runner stopped)\n`);
        return await runApplyJob(deps, active);
      }
      if (plan.status === "nothing-to-do") return plan;

      if (!tc.target.approvals.allow_unapproved_cli) {
        const approval = await findValidApproval({ pool: store.pool, loaded: ctx.config, cwd: ctx.cwd }, tc.name, plan.contentHash!);
        if (!approval) {
          return {
            ...plan, status: "refused",
            reason: `no valid approval for these exact migration files (content ${plan.contentHash!.slice(0, 12)})`,
            hint: "get it approved in Slack (/migrate check), or set approvals.allow_unapproved_cli: true for a dev target",
          };
        }
      }
      if (!args.yes) await confirm(ctx, `Apply ${plan.pending.length} migration(s) to ${tc.name}: ${plan.pending.map((m) => m.path).join(", ")}?`);

      const { job } = await enqueueApply(store.boss, store.pool, {
        target: tc.name, requestedBy: cliUser(ctx.env), source: "cli",
        versions: plan.pending.map((m) => m.version), contentHash: plan.contentHash!,
      });
      if (!(await claimApplyJob(store.pool, job.id))) return { ...plan, status: "busy", reason: `another apply is running on target ${tc.name}`, jobId: job.id };
      return await runApplyJob(deps, { ...job, state: "active" });
    } finally {
      await report.close();
      await store.close();
    }
  } finally {
    await state.close();
  }
}

async function confirm(ctx: CommandContext, question: string): Promise<void> {
  const stdin = ctx.stdin as CommandContext["stdin"] & { isTTY?: boolean };
  if (!stdin.isTTY) {
    throw new UserError("confirmation-needed", "apply needs a confirmation and there is no terminal to ask on", { hint: "pass --yes to apply without the prompt" });
  }
  const answer = await ask(ctx, `${question} [y/N] `);
  if (!/^y(es)?$/i.test(answer.trim())) throw new UserError("not-confirmed", "apply not confirmed; nothing was changed", { exitCode: ExitCode.findings });
}

function ask(ctx: CommandContext, question: string): Promise<string> {
  const rl = readline.createInterface({ input: ctx.stdin, output: ctx.stderr });
  return new Promise((resolve) => rl.question(question, (a) => {
    rl.close();
    resolve(a);
  }));
}

/** on_blocker: ask — on a terminal, ask; without one, stop (never end sessions unasked). */
async function askOnTerminal(ctx: CommandContext, blockers: Parameters<typeof describeBlocker>[0][]): Promise<BlockerDecision> {
  const stdin = ctx.stdin as CommandContext["stdin"] & { isTTY?: boolean };
  if (!stdin.isTTY) return "abort";
  ctx.stderr.write(`blocking sessions:\n  ${blockers.map(describeBlocker).join("\n  ")}\n`);
  const a = (await ask(ctx, "end them (c), wait (w) or abort (a)? ")).trim().toLowerCase();
  return a.startsWith("c") ? "cancel-blockers" : a.startsWith("w") ? "wait" : "abort";
}
