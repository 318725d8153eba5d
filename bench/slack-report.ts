/**
 * How long a Slack user waits for a report: `/migrate check prod 001_add_nickname.up.sql` (one
 * statement), from the ack of the slash command to the report posted in the channel, with the
 * target's catalog read and every rollback verified on a shadow copy of the target's schema. The
 * bot is `lockstep serve` in its own process (as deployed), over HTTP, with the fake Slack Web API
 * and one embedded Postgres server for state and target.
 *
 *   npx tsc -p . && node dist/bench/slack-report.js [--requests 20] [--bot-cpu-prof DIR]
 *
 * Three measurements:
 * - `first`: the first request to a freshly started bot, sent as soon as it listens (`start_s`:
 *   from spawning the process to listening);
 * - `sequential`: `requests` more, one after the other (each waits for its report);
 * - `concurrent`: `requests` at once, each in its own channel.
 * Baseline in the same run: `cli_s`, the same check of the same file by the CLI
 * (`lockstep check --target prod --verify-rollback`, a fresh process each time, as many runs as
 * `sequential`, alternating with its requests): the analysis a report needs, start-up included.
 *
 * Prints one JSON line: {machine, first_ms, start_s, sequential: {p50_ms, p95_ms, min_ms, max_ms},
 * concurrent: {...}, cli_s: {min, median, max}, requests}.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { startEmbedded, tempDataDir } from "../src/db/embedded.js";
import { ensureDatabase } from "../src/store/state-db.js";
import { FakeSlack } from "../test/helpers/fake-slack.js";
import { slashCommandBody } from "../test/helpers/slack-request.js";
import { BOT_CONFIG, MAIN, botEnv, closeConnections, postSigned, spawnBot, stopBot, type BenchBot } from "./bot.js";
import { machine, run, stats } from "./harness.js";

const { values } = parseArgs({
  options: {
    requests: { type: "string", default: "20" },
    "bot-cpu-prof": { type: "string" },
  },
});
const REQUESTS = Number(values.requests);
const FILE = "001_add_nickname.up.sql";

/** POST a signed slash command; resolves at the ack (Date.now()) */
async function slash(url: string, text: string, channel: string): Promise<number> {
  const status = await postSigned(url, slashCommandBody({ text, user: "UREQ", channel }));
  if (status !== 200) throw new Error(`HTTP ${status}`);
  return Date.now();
}

function pct(values: number[]) {
  const v = [...values].sort((a, b) => a - b);
  const at = (p: number) => v[Math.min(v.length - 1, Math.ceil((p / 100) * v.length) - 1)]!;
  return { p50_ms: at(50), p95_ms: at(95), min_ms: v[0]!, max_ms: v.at(-1)! };
}

const server = await startEmbedded({ dataDir: tempDataDir("lockstep-bench-report-"), ephemeral: true, settings: { max_connections: "200" } });
const fake = await new FakeSlack().start();
let bot: BenchBot | undefined;
try {
  await ensureDatabase(server.url(), "state");
  await ensureDatabase(server.url(), "target");
  const target = new pg.Client({ connectionString: server.url("target") });
  await target.connect();
  await target.query(`CREATE TABLE users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text NOT NULL UNIQUE, created_at timestamptz NOT NULL DEFAULT now());
    CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint NOT NULL REFERENCES users, total numeric(12,2));
    CREATE INDEX orders_user ON orders (user_id);
    INSERT INTO users (email) SELECT 'u' || g || '@example.com' FROM generate_series(1, 1000) g;
    ANALYZE;`);
  await target.end();

  const dir = mkdtempSync(path.join(os.tmpdir(), "lockstep-bench-report-"));
  mkdirSync(path.join(dir, "migrations"));
  writeFileSync(path.join(dir, "migrations", FILE), "ALTER TABLE users ADD COLUMN nickname text;\n");
  writeFileSync(path.join(dir, "lockstep.yml"), BOT_CONFIG);
  const env = botEnv(dir, { state: server.url("state"), target: server.url("target"), slackApi: fake.apiUrl });

  const reportsIn = (channel: string) => fake.called("chat.postMessage").filter((c) => c.args.channel === channel && !c.args.thread_ts);
  /** ack -> report (ms) of one request in `channel` */
  async function oneReport(url: string, channel: string): Promise<number> {
    const before = reportsIn(channel).length;
    const acked = await slash(url, `check prod ${FILE}`, channel);
    const report = await fake.waitFor(() => reportsIn(channel)[before], `the report in ${channel}`, 120_000);
    if (!JSON.stringify(report.args).includes("nickname")) throw new Error(`not the report: ${JSON.stringify(report.args).slice(0, 500)}`);
    return report.at - acked;
  }

  const spawned = Date.now();
  bot = spawnBot(dir, env, { cpuProfDir: values["bot-cpu-prof"], timeoutMs: 120_000 });
  const url = await bot.listening;
  const startS = (Date.now() - spawned) / 1000;

  const first = await oneReport(url, "CFIRST");

  const sequential: number[] = [];
  const cli: number[] = [];
  const cliArgs = [MAIN, "check", "--target", "prod", "--verify-rollback", "--format", "json", "--fail-on", "never", path.join(dir, "migrations", FILE)];
  for (let i = 0; i < REQUESTS; i++) {
    sequential.push(await oneReport(url, "CSEQ"));
    const r = await run(process.execPath, cliArgs, { env, cwd: dir });
    if (r.code !== 0 || !r.stdout.includes("nickname")) throw new Error(`cli: exit ${r.code}\n${r.stderr}`);
    cli.push(r.seconds);
  }

  const concurrent = await Promise.all(Array.from({ length: REQUESTS }, (_, i) => oneReport(url, `CCON${i}`)));

  process.stdout.write(
    `${JSON.stringify({
      machine: machine(),
      requests: REQUESTS,
      start_s: Number(startS.toFixed(2)),
      first_ms: first,
      sequential: pct(sequential),
      concurrent: pct(concurrent),
      cli_s: stats(cli),
      load_1m_after: machine().load_1m,
    })}\n`,
  );
} finally {
  closeConnections();
  await stopBot(bot);
  await fake.stop();
  await server.stop();
}
