/**
 * Ack latency of `/migrate check` under load: 200 signed slash commands, 50 at a time, against the
 * real bot (`lockstep serve` in its own process, as deployed) over HTTP, with the fake Slack Web API
 * and embedded Postgres for state and target. The analysis runs after the ack, so ack latency must
 * not grow with it. Goal: p95 <= 50 ms.
 *
 *   npx tsc -p . && node dist/bench/ack.js [--requests 200] [--concurrency 50] [--bot-cpu-prof DIR]
 *
 * Prints JSON: {requests, concurrency, p50_ms, p95_ms, max_ms, baseline_help: {p50, p95, max},
 * reports_posted, all_reports_s, load_avg_1m, cpus}. baseline_help is the same load of `/migrate help`
 * (an ack and nothing after it): the check's numbers should match it, whatever the machine.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { startEmbedded, tempDataDir } from "../src/db/embedded.js";
import { ensureDatabase } from "../src/store/state-db.js";
import { FakeSlack } from "../test/helpers/fake-slack.js";
import { slashCommandBody } from "../test/helpers/slack-request.js";
import { BOT_CONFIG, botEnv, closeConnections, postSigned, spawnBot, stopBot, type BenchBot } from "./bot.js";

const { values } = parseArgs({
  options: {
    requests: { type: "string", default: "200" },
    concurrency: { type: "string", default: "50" },
    // write a V8 CPU profile of the bot process into this directory (where its ack time goes)
    "bot-cpu-prof": { type: "string" },
  },
});
const REQUESTS = Number(values.requests);
const CONCURRENCY = Number(values.concurrency);

const round = (n: number) => Math.round(n * 10) / 10;

/** REQUESTS signed slash commands, CONCURRENCY at a time; ack latency percentiles in ms. */
async function measure(url: string, text: string): Promise<{ p50: number; p95: number; max: number }> {
  const latencies: number[] = [];
  let next = 0;
  async function worker(): Promise<void> {
    while (next < REQUESTS) {
      next++;
      const body = slashCommandBody({ text, user: "UREQ", channel: "C1" });
      const t0 = performance.now();
      const status = await postSigned(url, body);
      latencies.push(performance.now() - t0);
      if (status !== 200) throw new Error(`HTTP ${status}`);
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)]!;
  return { p50: round(pct(50)), p95: round(pct(95)), max: round(latencies.at(-1)!) };
}


const server = await startEmbedded({ dataDir: tempDataDir("lockstep-bench-ack-"), ephemeral: true, settings: { max_connections: "200" } });
const fake = await new FakeSlack().start();
let bot: BenchBot | undefined;
try {
  await ensureDatabase(server.url(), "state");
  await ensureDatabase(server.url(), "target");
  const dir = mkdtempSync(path.join(os.tmpdir(), "lockstep-bench-ack-"));
  mkdirSync(path.join(dir, "migrations"));
  writeFileSync(
    path.join(dir, "migrations", "001_users.up.sql"),
    "ALTER TABLE users ADD COLUMN name text NOT NULL;\nCREATE INDEX users_email ON users (email);\n",
  );
  writeFileSync(path.join(dir, "lockstep.yml"), BOT_CONFIG);
  const env = botEnv(dir, { state: server.url("state"), target: server.url("target"), slackApi: fake.apiUrl });
  bot = spawnBot(dir, env, { cpuProfDir: values["bot-cpu-prof"], timeoutMs: 60_000 });
  const url = await bot.listening;

  // warm up: open the keep-alive connections (as Slack's own are), load the parser
  await Promise.all(Array.from({ length: CONCURRENCY }, () => postSigned(url, slashCommandBody({ text: "help", user: "UREQ", channel: "C1" }))));
  await postSigned(url, slashCommandBody({ text: "check prod 001_users.up.sql", user: "UREQ", channel: "C1" }));
  await fake.waitFor(() => fake.called("chat.postMessage").length >= 1, "the warm-up report", 60_000);

  const baseline = await measure(url, "help"); // acks with a message, no work after it
  const reportsBefore = fake.called("chat.postMessage").length;
  const started = performance.now();
  const check = await measure(url, "check prod 001_users.up.sql");
  await fake.waitFor(() => fake.called("chat.postMessage").length >= reportsBefore + REQUESTS, "every report", 300_000);
  const allReports = (performance.now() - started) / 1000;
  process.stdout.write(
    `${JSON.stringify({
      requests: REQUESTS,
      concurrency: CONCURRENCY,
      p50_ms: check.p50,
      p95_ms: check.p95,
      max_ms: check.max,
      baseline_help: baseline,
      reports_posted: fake.called("chat.postMessage").length - reportsBefore,
      all_reports_s: round(allReports),
      load_avg_1m: round(os.loadavg()[0]!),
      cpus: os.cpus().length,
    })}\n`,
  );
} finally {
  closeConnections();
  await stopBot(bot);
  await fake.stop();
  await server.stop();
}
