import { existsSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { PassThrough } from "node:stream";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/log.js";
import { runLockstep } from "../helpers/cli.js";
import { adminUrl } from "../helpers/db.js";
import { ACTION, INPUT, VIEW } from "../../src/slack/action-ids.js";
import { BOT_TOKEN, SIGNING_SECRET, blockText, startTestBot, type TestBot } from "../helpers/slack-bot.js";
import { buttonClickBody, signatureHeaders, slashCommandBody, viewSubmissionBody } from "../helpers/slack-request.js";
import { LIMIT, Tally } from "./harness.js";

/**
 * The security matrix: forged requests (401, nothing executed), unauthorised clicks and forms
 * (refused and audited, ids resolved from the database), a check with an error finding never
 * approved by policy alone, and SQL from Slack kept away from the host (no superuser on shadows).
 */
const REQUESTER = "UREQ";
const APPROVER = "UAPP1";
const APPROVER_2 = "UAPP2";
const OTHER_APPROVER = "UAPP3";
const OUTSIDER = "UOUT";
let bot: TestBot;
/** a recognisable password of the target's login: it must appear nowhere the bot or CLI writes */
const PASSWORD = `FAKE-PW-${randomBytes(4).toString("hex")}-canary`;
const LOGIN = `lockstep_secret_${randomBytes(4).toString("hex")}`;
let logged = "";
let prodUrl = "";

async function asAdmin(sql: string) {
  const c = new pg.Client({ connectionString: adminUrl() });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

afterAll(async () => {
  await asAdmin(`DROP ROLE IF EXISTS ${LOGIN}`).catch(() => undefined);
});

beforeAll(async () => {
  await asAdmin(`CREATE ROLE ${LOGIN} LOGIN SUPERUSER PASSWORD '${PASSWORD}'`);
  const sink = new PassThrough();
  sink.on("data", (d: Buffer) => (logged += d.toString()));
  bot = await startTestBot({
    log: createLogger({ level: "debug", destination: sink }),
    envFrom: ({ targetDb }) => {
      const u = new URL(targetDb.url);
      u.username = LOGIN;
      u.password = PASSWORD;
      prodUrl = u.toString();
      return { PROD_URL: prodUrl };
    },
    config: (migrations) => `
targets:
  prod:
    url_env: PROD_URL
    migrations: ${migrations}
    channels: [C1]
    approvals: { approvers: [${APPROVER}, ${APPROVER_2}, ${REQUESTER}], allow_adhoc_sql: true, required: { low: 1, medium: 1, high: 1, critical: 1 } }
  other:
    url_env: PROD_URL
    migrations: ${migrations}
    channels: [C1]
    approvals: { approvers: [${OTHER_APPROVER}], required: { low: 1, medium: 1, high: 1, critical: 1 } }
  lenient:
    url_env: PROD_URL
    migrations: ${migrations}
    channels: [C1]
    approvals: { approvers: [${APPROVER}], required: { low: 0, medium: 0, high: 0, critical: 0 } }
`,
  });
  await bot.targetDb.client.query("CREATE TABLE users (id bigint PRIMARY KEY, email text)");
  writeFileSync(path.join(bot.migrations, "001_add.sql"), "ALTER TABLE users ADD COLUMN nick text;\n");
  writeFileSync(path.join(bot.migrations, "002_change.sql"), "ALTER TABLE users ADD COLUMN other text;\n");
  // an error finding (a blocking index build) on a tiny table: low risk, still never auto-approved
  writeFileSync(path.join(bot.migrations, "003_index.sql"), "CREATE INDEX users_email ON users (email);\n");
});

async function reportFor(file: string, opts: { user?: string; target?: string } = {}) {
  const before = bot.fake.called("chat.postMessage").length;
  expect((await bot.command(`check ${opts.target ?? "prod"} ${file}`, opts.user ?? REQUESTER)).status).toBe(200);
  const call = await bot.fake.waitFor(() => bot.fake.called("chat.postMessage").slice(before).find((c) => !c.args.thread_ts), "the report");
  const ts = call.result.ts as string;
  const row = await bot.fake.waitFor(async () => (await bot.query<{ id: string }>("SELECT id FROM lockstep_state.checks WHERE message_ts = $1", [ts]))[0], "the check row");
  return { checkId: row.id, ts, text: blockText(call.args) };
}

const refusals = async (actor: string) => Number((await bot.query("SELECT count(*)::int AS n FROM lockstep_state.audit_log WHERE actor = $1 AND decision = 'refused'", [actor]))[0].n);
const approvalsOf = async (checkId: string) => (await bot.query("SELECT approver FROM lockstep_state.approvals WHERE check_id = $1", [checkId])).map((r) => r.approver as string);
const applyRequests = async () => Number((await bot.query("SELECT count(*)::int AS n FROM lockstep_state.apply_requests"))[0].n);
const internalErrors = () => bot.fake.calls.filter((c) => /internal error|:boom:/.test(blockText(c.args))).length;

describe("signature matrix", () => {
  it("every forged, stale, future or unsigned request of every kind is rejected with 401 and nothing runs", async () => {
    const tally = new Tally("security: signature matrix");
    const now = () => Math.floor(Date.now() / 1000);
    const bodies: Record<string, () => string> = {
      "slash command": () => slashCommandBody({ text: "check prod 001_add.sql", user: REQUESTER, channel: "C1" }),
      "button click": () => buttonClickBody({ actionId: ACTION.approve, value: "1", user: APPROVER, channel: "C1", messageTs: "1.0" }),
      "modal submission": () =>
        viewSubmissionBody({
          callbackId: VIEW.checkModal,
          user: REQUESTER,
          privateMetadata: JSON.stringify({ channel: "C1" }),
          values: { [INPUT.target.block]: { [INPUT.target.action]: { selected_option: { value: "prod" } } }, [INPUT.sql.block]: { [INPUT.sql.action]: { value: "DROP TABLE users;" } }, [INPUT.file.block]: { [INPUT.file.action]: { files: [] } } },
        }),
    };
    const forgeries: Record<string, (body: string) => { headers: Record<string, string>; body: string }> = {
      "wrong secret": (body) => ({ headers: signatureHeaders(SIGNING_SECRET, body, { secret: "not-the-secret" }), body }),
      "modified body": (body) => ({ headers: signatureHeaders(SIGNING_SECRET, body), body: body.replace(/C1/g, "C2").replace("001_add", "002_change") + "&x=1" }),
      "missing signature": (body) => {
        const { "x-slack-signature": _s, ...headers } = signatureHeaders(SIGNING_SECRET, body);
        return { headers, body };
      },
      "missing timestamp": (body) => {
        const { "x-slack-request-timestamp": _t, ...headers } = signatureHeaders(SIGNING_SECRET, body);
        return { headers, body };
      },
      "no headers at all": (body) => ({ headers: { "content-type": "application/x-www-form-urlencoded" }, body }),
      "replayed after 5 minutes": (body) => ({ headers: signatureHeaders(SIGNING_SECRET, body, { timestamp: now() - 5 * 60 - 30 }), body }),
      "replayed an hour later": (body) => ({ headers: signatureHeaders(SIGNING_SECRET, body, { timestamp: now() - 3600 }), body }),
      "timestamp in the future": (body) => ({ headers: signatureHeaders(SIGNING_SECRET, body, { timestamp: now() + 5 * 60 + 30 }), body }),
      "signature of another version": (body) => ({ headers: { ...signatureHeaders(SIGNING_SECRET, body), "x-slack-signature": signatureHeaders(SIGNING_SECRET, body)["x-slack-signature"]!.replace("v0=", "v1=") }, body }),
      "truncated signature": (body) => ({ headers: { ...signatureHeaders(SIGNING_SECRET, body), "x-slack-signature": signatureHeaders(SIGNING_SECRET, body)["x-slack-signature"]!.slice(0, 20) }, body }),
      "timestamp not a number": (body) => ({ headers: { ...signatureHeaders(SIGNING_SECRET, body), "x-slack-request-timestamp": "now" }, body }),
    };
    const callsBefore = bot.fake.calls.length;
    for (const [kind, make] of Object.entries(bodies)) {
      for (const [forgery, forge] of Object.entries(forgeries)) {
        await tally.run(`${kind}: ${forgery}`, async () => {
          const { headers, body } = forge(make());
          const res = await fetch(bot.eventsUrl, { method: "POST", headers, body });
          return res.status === 401 ? undefined : `HTTP ${res.status}`;
        });
      }
    }
    await bot.running.deps.work.idle();
    tally.add("no check recorded", (await bot.query("SELECT id FROM lockstep_state.checks")).length === 0 ? undefined : "a check was recorded");
    tally.add("no request claimed", (await bot.query("SELECT key FROM lockstep_state.slack_requests")).length === 0 ? undefined : "a request key was claimed");
    tally.add("no Slack call", bot.fake.calls.length === callsBefore ? undefined : `${bot.fake.calls.length - callsBefore} Slack calls`);
    expect(tally.done()).toEqual([]);
  }, LIMIT);
});

describe("authorization matrix", () => {
  it("non-approvers, self-approval, expiry, another target, changed content, tampered values and ids, other channels: refused and audited", async () => {
    const tally = new Tally("security: authorization matrix");
    const refused = async (name: string, actor: string, act: () => Promise<unknown>, nothing: () => Promise<string | undefined>) =>
      tally.run(name, async () => {
        const before = await refusals(actor);
        const errorsBefore = internalErrors();
        await act();
        await bot.running.deps.work.idle();
        const audited = await bot.fake.waitFor(async () => (await refusals(actor)) > before, `an audited refusal of ${actor}`, 10_000).catch(() => false);
        if (!audited) return "not audited as refused";
        if (internalErrors() > errorsBefore) return "answered with an internal error";
        return nothing();
      });

    const a = await reportFor("001_add.sql");
    const noApprovals = (id: string) => async () => ((await approvalsOf(id)).length === 0 ? undefined : `approvals: ${await approvalsOf(id)}`);
    await refused("approve by a non-approver", OUTSIDER, () => bot.click(ACTION.approve, a.checkId, OUTSIDER, { messageTs: a.ts }), noApprovals(a.checkId));
    await refused("approve by the requester (self-approval)", REQUESTER, () => bot.click(ACTION.approve, a.checkId, REQUESTER, { messageTs: a.ts }), noApprovals(a.checkId));
    await refused("approve by an approver of another target only", OTHER_APPROVER, () => bot.click(ACTION.approve, a.checkId, OTHER_APPROVER, { messageTs: a.ts }), noApprovals(a.checkId));
    await refused("approve with a value naming no check", OUTSIDER, () => bot.click(ACTION.approve, "999999", OUTSIDER, { messageTs: a.ts }), noApprovals(a.checkId));
    await refused("approve with an injection-looking value", OUTSIDER, () => bot.click(ACTION.approve, "1'; DROP TABLE lockstep_state.checks; --", OUTSIDER, { messageTs: a.ts }), async () =>
      (await bot.query("SELECT count(*)::int AS n FROM lockstep_state.checks"))[0].n > 0 ? undefined : "checks gone",
    );
    await refused("Apply by a non-approver", OUTSIDER, () => bot.click(ACTION.apply, a.checkId, OUTSIDER, { messageTs: a.ts }), async () => ((await applyRequests()) === 0 ? undefined : "an apply was requested"));
    await refused("Apply before any approval", APPROVER, () => bot.click(ACTION.apply, a.checkId, APPROVER, { messageTs: a.ts }), async () => ((await applyRequests()) === 0 ? undefined : "an apply was requested"));

    // a button of one check carrying another check's id: the id is resolved and checked, not trusted
    const b = await reportFor("002_change.sql", { target: "other" });
    await refused("tampered value: approve another target's check from this message", APPROVER, () => bot.click(ACTION.approve, b.checkId, APPROVER, { messageTs: a.ts }), noApprovals(b.checkId));

    // expiry
    const e = await reportFor("002_change.sql");
    await bot.query("UPDATE lockstep_state.checks SET expires_at = now() - interval '1 second' WHERE id = $1", [e.checkId]);
    await tally.run("approve after expiry", async () => {
      await bot.click(ACTION.approve, e.checkId, APPROVER, { messageTs: e.ts });
      await bot.running.deps.work.idle();
      const [row] = await bot.query("SELECT status FROM lockstep_state.checks WHERE id = $1", [e.checkId]);
      return row.status === "approved" ? "an expired check was approved" : undefined;
    });

    // approved, then the content changes: the approval is void, Apply refused
    const file = path.join(bot.migrations, "004_changing.sql");
    writeFileSync(file, "ALTER TABLE users ADD COLUMN changing text;\n");
    const c = await reportFor("004_changing.sql");
    await bot.click(ACTION.approve, c.checkId, APPROVER, { messageTs: c.ts });
    await bot.fake.waitFor(async () => (await approvalsOf(c.checkId)).length === 1, "the approval");
    writeFileSync(file, "ALTER TABLE users ADD COLUMN changing text; DROP TABLE users;\n");
    await tally.run("Apply after the approved content changed", async () => {
      await bot.click(ACTION.apply, c.checkId, APPROVER, { messageTs: c.ts });
      await bot.running.deps.work.idle();
      const [row] = await bot.query("SELECT status FROM lockstep_state.checks WHERE id = $1", [c.checkId]);
      const [audit] = await bot.query("SELECT count(*)::int AS n FROM lockstep_state.audit_log WHERE detail->>'check' = $1 AND decision = 'void'", [c.checkId]);
      if ((await applyRequests()) !== 0) return "an apply was requested";
      return row.status === "void" && audit.n === 1 ? undefined : `status ${row.status}, ${audit.n} void audit entries`;
    });

    // a tampered action id is no action at all
    await tally.run("tampered action_id", async () => {
      const res = await fetch(bot.eventsUrl, {
        method: "POST",
        ...(() => {
          const body = buttonClickBody({ actionId: `${ACTION.approve}_x`, value: a.checkId, user: APPROVER, channel: "C1", messageTs: a.ts });
          return { headers: signatureHeaders(SIGNING_SECRET, body), body };
        })(),
      });
      await bot.running.deps.work.idle();
      if (res.status >= 500) return `HTTP ${res.status}`;
      return (await approvalsOf(a.checkId)).length === 0 ? undefined : "counted an approval";
    });

    // the reject modal carries the check id in private_metadata: the submitter is checked against it
    await refused("reject modal with a tampered private_metadata (another target's check)", APPROVER, () =>
      bot.submitView(VIEW.rejectModal, APPROVER, b.checkId, { [INPUT.reason.block]: { [INPUT.reason.action]: { value: "no" } } }),
      async () => ((await bot.query("SELECT status FROM lockstep_state.checks WHERE id = $1", [b.checkId]))[0].status === "pending" ? undefined : "rejected"),
    );

    // Cancel of an apply and Pause / Cancel of a backfill: approvers only (and unknown ids refused)
    for (const [actionId, what] of [
      [ACTION.applyCancel, "apply Cancel"],
      [ACTION.blockerEnd, "apply end-blockers"],
      [ACTION.backfillPause, "backfill Pause"],
      [ACTION.backfillCancel, "backfill Cancel"],
      [ACTION.backfillResume, "backfill Resume"],
    ] as const) {
      await refused(`${what} with an unknown id`, OUTSIDER, () => bot.click(actionId, "00000000-0000-0000-0000-000000000000", OUTSIDER, { messageTs: a.ts }), async () => undefined);
      await refused(`${what} with a value that is not an id`, OUTSIDER, () => bot.click(actionId, "'; DROP TABLE x; --", OUTSIDER, { messageTs: a.ts }), async () => undefined);
    }

    // a command from a channel the target does not answer in
    await refused("check from a channel the target does not allow", REQUESTER, () => bot.command("check prod 001_add.sql", REQUESTER, { channel: "COTHER" }), async () =>
      (await bot.query("SELECT count(*)::int AS n FROM lockstep_state.checks WHERE channel = 'COTHER'"))[0].n === 0 ? undefined : "checked there",
    );

    // a check with an error finding is never approved by policy alone (no approvals required)
    await tally.run("error finding on a target requiring no approvals", async () => {
      const r = await reportFor("003_index.sql", { target: "lenient" });
      const [row] = await bot.query("SELECT status, required FROM lockstep_state.checks WHERE id = $1", [r.checkId]);
      return row.status !== "approved" && row.required >= 1 ? undefined : `status ${row.status}, ${row.required} required`;
    });
    expect(tally.done()).toEqual([]);
  }, LIMIT);
});

describe("SQL from Slack never reaches the host", () => {
  it("statements verified on the shadow run without superuser: no program, no server file", async () => {
    const tally = new Tally("security: shadow without superuser");
    const marker = path.join(os.tmpdir(), `lockstep-escape-${randomBytes(6).toString("hex")}`);
    const before = bot.fake.called("chat.postMessage").length;
    await bot.submitView(VIEW.checkModal, REQUESTER, JSON.stringify({ channel: "C1" }), {
      [INPUT.target.block]: { [INPUT.target.action]: { selected_option: { value: "prod" } } },
      [INPUT.sql.block]: {
        [INPUT.sql.action]: {
          value: [
            "CREATE TABLE escape (f text);",
            `COPY (SELECT 1) TO PROGRAM 'touch ${marker}';`,
            "INSERT INTO escape SELECT pg_read_file('/etc/hostname');",
            `DO $$ BEGIN EXECUTE 'COPY (SELECT 1) TO PROGRAM ''touch ${marker}-do'''; END $$;`,
            "ALTER SYSTEM SET work_mem = '1GB';",
            "CREATE EXTENSION IF NOT EXISTS plpython3u;",
            "RESET ROLE; SET SESSION AUTHORIZATION DEFAULT;",
          ].join("\n"),
        },
      },
      [INPUT.file.block]: { [INPUT.file.action]: { files: [] } },
    });
    const report = await bot.fake.waitFor(() => bot.fake.called("chat.postMessage").slice(before).find((c) => !c.args.thread_ts), "the report");
    await bot.running.deps.work.idle();
    tally.add("report posted", report ? undefined : "no report");
    tally.add("COPY TO PROGRAM ran nothing", existsSync(marker) ? "the program ran on the host" : undefined);
    tally.add("COPY TO PROGRAM from a DO block ran nothing", existsSync(`${marker}-do`) ? "the program ran on the host" : undefined);
    const [row] = await bot.query("SELECT report FROM lockstep_state.checks WHERE message_ts = $1", [report.result.ts]);
    const notes = JSON.stringify(row?.report ?? {});
    tally.add("refused for want of privilege, and said so", /permission denied|must be superuser/.test(notes) ? undefined : "no permission error in the report");
    expect(tally.done()).toEqual([]);
  }, LIMIT);
});

describe("secrets", () => {
  it("no Slack call, log line or CLI output carries the bot token, the signing secret or a database password", async () => {
    const tally = new Tally("security: secrets never shown");
    const secrets = [BOT_TOKEN, SIGNING_SECRET, PASSWORD, prodUrl];
    // the token travels only as the credential of each call, never inside a message
    const slack = JSON.stringify(bot.fake.calls.map(({ args: { token: _credential, ...args } }) => args)) + JSON.stringify(bot.fake.uploads);
    // the CLI, with the same login: a good URL, an unreachable one, a wrong password, a config listing
    const cwd = bot.dir;
    const env = { PROD_URL: prodUrl, DATABASE_URL: prodUrl, SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_SIGNING_SECRET: SIGNING_SECRET, LOCKSTEP_LOG_LEVEL: "debug" };
    const unreachable = Object.assign(new URL(prodUrl), { port: "1" }).toString();
    const wrong = Object.assign(new URL(prodUrl), { password: `${PASSWORD}-wrong` }).toString();
    const cli = await Promise.all([
      runLockstep(["check", "--target", "prod", "migrations/001_add.sql"], { cwd, env }),
      runLockstep(["check", "--db", prodUrl, "migrations/001_add.sql", "--format", "json"], { cwd, env }),
      runLockstep(["check", "--db", unreachable, "migrations/001_add.sql"], { cwd, env }),
      runLockstep(["check", "--db", wrong, "migrations/001_add.sql"], { cwd, env }),
      runLockstep(["config"], { cwd, env }),
      runLockstep(["--debug", "check", "--db", "postgres://u:" + PASSWORD + "@[::1", "migrations/001_add.sql"], { cwd, env }),
    ]);
    const cliText = cli.map((r) => r.stdout + r.stderr).join("\n");
    tally.add("the CLI ran", cli[1]!.code === 0 || cli[1]!.code === 1 ? undefined : `check --db exit ${cli[1]!.code}: ${cli[1]!.stderr}`);
    tally.add("the bot logged (debug level)", logged.length > 0 ? undefined : "nothing logged");
    for (const s of secrets) {
      const what = s === prodUrl ? "the target URL" : s === PASSWORD ? "the database password" : s === BOT_TOKEN ? "the bot token" : "the signing secret";
      tally.add(`Slack calls free of ${what}`, slack.includes(s) ? "found" : undefined);
      tally.add(`bot log free of ${what}`, logged.includes(s) ? `found in: ${logged.slice(Math.max(0, logged.indexOf(s) - 200), logged.indexOf(s) + 50)}` : undefined);
      tally.add(`CLI output free of ${what}`, cliText.includes(s) ? `found in: ${cliText.slice(Math.max(0, cliText.indexOf(s) - 200), cliText.indexOf(s) + 50)}` : undefined);
    }
    expect(tally.done()).toEqual([]);
  }, LIMIT);
});
