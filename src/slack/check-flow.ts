import path from "node:path";
import type { webApi } from "@slack/bolt";
import { getTarget, type TargetConfig } from "../config.js";
import { connect, resolveDatabaseUrl } from "../db/connection.js";
import { UserError, isUserError } from "../errors.js";
import { writeAudit } from "../store/audit.js";
import { insertCheck, setMessageTs, type CheckRecord } from "../store/checks.js";
import { VERSION } from "../version.js";
import type { BackfillCheck, CheckReport, Risk } from "../analyze/types.js";
import { dryRunBackfill, loadSpecFile, withTargetDefaults } from "../backfill/index.js";
import { codeDirs } from "../usage/evidence.js";
import { HIGH_RISK_ROWS } from "./blocks/backfill.js";
import { noteMessage } from "./blocks/lists.js";
import { overallRisk, reportMessage, type ReportView } from "./blocks/report.js";
import { reportMarkdown } from "./blocks/report-markdown.js";
import { contentHash } from "../approval/content-hash.js";
import type { BotDeps } from "./deps.js";
import { filesForPath, listMigrations, migrationsDir, readContent, type CheckFile } from "../approval/migration-source.js";
import { inspectTarget } from "../apply/run.js";
import { escapeMrkdwn } from "./mrkdwn.js";
import { policyFor, requiredApprovals } from "../approval/policy.js";
import type { CodeSearchInput } from "./run-check.js";
import { uploadToThread } from "./thread.js";

type WebClient = webApi.WebClient;

export interface Requester {
  user: string;
  channel: string;
}

/** A target by name, answering only in its configured channels. */
export function targetForChannel(deps: BotDeps, name: string, channel: string): TargetConfig {
  const target = getTarget(deps.loaded.config, name);
  if (target.channels.length > 0 && !target.channels.includes(channel)) {
    throw new UserError("wrong-channel", `target ${name} does not answer in this channel`, { hint: "use one of its configured channels" });
  }
  return target;
}

/** targetForChannel, with a refusal (a target asked for outside its channels) written to the audit log. */
export async function allowedTarget(deps: BotDeps, name: string, who: Requester, action = "check"): Promise<TargetConfig> {
  try {
    return targetForChannel(deps, name, who.channel);
  } catch (e) {
    if (isUserError(e) && e.code === "wrong-channel") {
      await writeAudit(deps.pool, { actor: who.user, action, target: name, decision: "refused", detail: { channel: who.channel, reason: e.message } });
    }
    throw e;
  }
}

/** The targets that answer in a channel (those without a channel list answer everywhere). */
export function targetsInChannel(deps: BotDeps, channel: string): string[] {
  return Object.entries(deps.loaded.config.targets)
    .filter(([, t]) => t.channels.length === 0 || t.channels.includes(channel))
    .map(([name]) => name);
}

/** The target's database for reading (readonly_url_env when set); undefined when its env var is unset. */
function schemaUrl(deps: BotDeps, name: string): { url?: string; note?: string } {
  try {
    return { url: resolveDatabaseUrl({ target: name, readonly: true }, deps.loaded.config, deps.env) };
  } catch (e) {
    if (isUserError(e) && e.code === "env-missing") return { note: "no database connection configured: analysed without schema context" };
    throw e;
  }
}

/** `/migrate check <target> <path | latest | pending>` -> the SQL files it names, relative to the migrations dir. */
export async function resolveSpec(deps: BotDeps, name: string, target: TargetConfig, spec: string): Promise<{ root: string; files: string[] }> {
  const root = migrationsDir(deps.loaded, name, target, deps.cwd);
  if (spec === "latest") {
    const last = listMigrations(root, target.layout).at(-1);
    if (!last) throw new UserError("no-migrations", `no migrations found in the migrations dir of ${name}`);
    return { root, files: last.files };
  }
  if (spec === "pending") {
    const { url } = schemaUrl(deps, name);
    if (!url) throw new UserError("env-missing", `target ${name}: its database is not configured on the bot, so its history cannot be read`);
    const client = await connect(url, { applicationName: "lockstep-slack", readonly: true });
    let found: Awaited<ReturnType<typeof inspectTarget>>;
    try {
      // the same reading of the target's history (Lockstep's and the tool's own) that apply uses
      const baseDir = deps.loaded.path ? path.dirname(deps.loaded.path) : deps.cwd;
      found = await inspectTarget(client, { name, target, url, baseDir }, { create: false });
    } finally {
      await client.end();
    }
    if (found.pending.length === 0) throw new UserError("nothing-pending", `nothing pending in ${name}: every migration is recorded in its history`);
    return { root, files: found.pending.map((m) => m.path) };
  }
  return { root, files: filesForPath(root, spec) };
}

/** Check migration files from the target's migrations dir and post the report in the channel. */
export async function checkFromSpec(deps: BotDeps, client: WebClient, who: Requester, name: string, spec: string): Promise<CheckRecord> {
  const target = await allowedTarget(deps, name, who);
  const { root, files } = await resolveSpec(deps, name, target, spec);
  return checkAndPost(deps, client, who, { name, target, source: "files", files: readContent(root, files, target.layout) });
}

/** Pasted or attached SQL checked from Slack: the same bound as an attached file. */
export const MAX_ADHOC_BYTES = 1024 * 1024;

/** Check pasted or uploaded SQL (ad-hoc: apply only where the target opts in). */
export async function checkAdhoc(deps: BotDeps, client: WebClient, who: Requester, name: string, label: string, sql: string): Promise<CheckRecord> {
  const target = await allowedTarget(deps, name, who);
  // pasted text is stored with the check: NUL is not text (Postgres refuses it), so not SQL either
  if (sql.includes("\u0000")) throw new UserError("binary-file", `${label} contains NUL bytes: it looks like a binary file, not SQL`);
  if (Buffer.byteLength(sql) > MAX_ADHOC_BYTES) throw new UserError("too-large", `${label} is larger than ${MAX_ADHOC_BYTES / 1024} kB; check it with the CLI or split it`);
  return checkAndPost(deps, client, who, { name, target, source: "adhoc", files: [{ path: label, bytes: Buffer.from(sql, "utf8"), layout: "plain" }] });
}

/**
 * `/migrate backfill <target> <spec file>`: the spec (relative to the migrations dir) is checked
 * like a migration — same approval flow, bound to the spec file's bytes — and reported.
 */
export async function backfillFromSpec(deps: BotDeps, client: WebClient, who: Requester, name: string, specPath: string): Promise<CheckRecord> {
  const target = await allowedTarget(deps, name, who);
  const root = migrationsDir(deps.loaded, name, target, deps.cwd);
  const files = filesForPath(root, specPath);
  const content = readContent(root, files, "plain");
  const spec = withTargetDefaults(loadSpecFile(path.join(root, files[0]!)), target);
  const { url } = schemaUrl(deps, name);
  const estimated = url ? (await dryRunBackfill(url, spec)).estimated_rows : null;
  const risk: Risk = estimated !== null && estimated > HIGH_RISK_ROWS ? "high" : "medium";
  const backfill: BackfillCheck = {
    spec_path: files[0]!,
    table: spec.table,
    set: spec.set,
    ...(spec.where !== undefined ? { where: spec.where } : {}),
    estimated_rows: estimated,
    batch_size: spec.batch_size,
    ...(spec.target_batch_ms !== undefined ? { target_batch_ms: spec.target_batch_ms } : {}),
    ...(spec.max_rows_per_s !== undefined ? { max_rows_per_s: spec.max_rows_per_s } : {}),
    workers: spec.workers,
    risk,
  };
  return checkAndPost(deps, client, who, { name, target, source: "backfill", files: content, analysed: { report: { version: 1, files: [], backfill }, risk } });
}

async function checkAndPost(
  deps: BotDeps,
  client: WebClient,
  who: Requester,
  input: { name: string; target: TargetConfig; source: CheckRecord["source"]; files: CheckFile[]; analysed?: { report: CheckReport; risk: Risk } },
): Promise<CheckRecord> {
  const hash = contentHash(input.files, input.name);
  const db = schemaUrl(deps, input.name);
  // with the target's schema at hand, every rollback in the report is verified on a shadow copy of it
  const code = input.analysed ? undefined : codeSearchOf(deps, input.target);
  const report =
    input.analysed?.report ??
    (await deps.analyze({ files: input.files, schemaUrl: db.url, pgVersion: input.target.pg_version, verifyRollback: Boolean(db.url), dbLabel: `--target ${input.name}`, ...(code ? { code } : {}) }));
  const risk = input.analysed?.risk ?? overallRisk(report);
  const policy = policyFor(input.target, risk);
  let check = await insertCheck(deps.pool, {
    target: input.name,
    channel: who.channel,
    requestedBy: who.user,
    source: input.source,
    paths: input.files.map((f) => f.path),
    adhocSql: input.source === "adhoc" ? input.files[0]!.bytes.toString("utf8") : null,
    contentHash: hash,
    lockstepVersion: VERSION,
    risk,
    required: requiredApprovals(policy, report),
    requireGroup: policy.requireGroup ?? null,
    report,
    expiryMs: policy.expiryMs,
  });
  const message = reportMessage(viewOf(deps, check));
  const posted = await client.chat.postMessage({ channel: who.channel, text: message.text, blocks: message.blocks });
  await setMessageTs(deps.pool, check.id, posted.ts!);
  check = { ...check, messageTs: posted.ts! };
  await writeAudit(deps.pool, {
    actor: who.user,
    action: "check",
    target: input.name,
    contentHash: hash,
    decision: check.status === "approved" ? "approved (none required)" : "reported",
    detail: { check: check.id, risk, paths: check.paths, source: input.source, channel: who.channel },
  });
  if (message.summarised || message.detailElsewhere) {
    await uploadToThread(client, { channel: who.channel, threadTs: posted.ts! }, {
      filename: `lockstep-check-${check.id}.md`,
      title: `Full report: ${input.name}`,
      content: reportMarkdown({ target: input.name, checkId: check.id, contentHash: hash, report }),
    });
  }
  if (input.source === "adhoc" && !policy.allowAdhoc) {
    await client.chat.postMessage({
      channel: who.channel,
      thread_ts: posted.ts!,
      ...noteMessage(`:information_source: Ad-hoc SQL can be checked, but not applied to \`${escapeMrkdwn(input.name)}\`: put it in the migrations dir.`),
    });
  }
  return check;
}

/** The target's `code` directories (relative to the config file), searched for names its migrations remove. */
function codeSearchOf(deps: BotDeps, target: TargetConfig): CodeSearchInput | undefined {
  if (target.code.length === 0) return undefined;
  const base = deps.loaded.path ? path.dirname(deps.loaded.path) : deps.cwd;
  const { dirs, missing } = codeDirs(target.code, base);
  return {
    dirs: dirs.map((d) => path.resolve(base, d)),
    missing,
    exclude: target.migrations ? [path.resolve(base, target.migrations)] : [],
    base,
    env: { PATH: deps.env.PATH, LOCKSTEP_RIPGREP: deps.env.LOCKSTEP_RIPGREP },
  };
}

/** The report message's inputs from a stored check. */
export function viewOf(deps: BotDeps, check: CheckRecord): ReportView {
  const target = deps.loaded.config.targets[check.target];
  return {
    checkId: check.id,
    target: check.target,
    requestedBy: check.requestedBy,
    source: check.source,
    report: check.report,
    contentHash: check.contentHash,
    status: check.status,
    statusReason: check.statusReason,
    decidedBy: check.decidedBy,
    required: check.required,
    requireGroup: check.requireGroup,
    approvals: check.approvals.filter((a) => a.contentHash === check.contentHash).map((a) => a.approver),
    applyAllowed: check.source !== "adhoc" || Boolean(target?.approvals.allow_adhoc_sql),
    schemaNote: target ? schemaUrl(deps, check.target).note : undefined,
  };
}
