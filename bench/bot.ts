import { spawn, type ChildProcess } from "node:child_process";
import http from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { signatureHeaders } from "../test/helpers/slack-request.js";

/** What the Slack benchmarks share: `lockstep serve` in its own process, and signed requests to it. */

export const SIGNING_SECRET = "bench-secret";
export const MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../src/main.js");

/** The environment of a bench bot: its config in `dir`, state and target databases, the fake Slack API. */
export function botEnv(dir: string, urls: { state: string; target: string; slackApi: string }): NodeJS.ProcessEnv {
  return {
    ...process.env,
    LOCKSTEP_CONFIG: path.join(dir, "lockstep.yml"),
    LOCKSTEP_LOG_LEVEL: "error",
    DATABASE_URL: urls.state,
    BENCH_TARGET_URL: urls.target,
    SLACK_BOT_TOKEN: "xoxb-bench",
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: urls.slackApi,
    PORT: "0",
  };
}

/** A bench target's config (`prod`, read from BENCH_TARGET_URL, migrations in `dir`/migrations). */
export const BOT_CONFIG = "targets:\n  prod:\n    url_env: BENCH_TARGET_URL\n    migrations: migrations\n    approvals: { approvers: [UAPP] }\n";

const agent = new http.Agent({ keepAlive: true });

/** Close the kept-alive sockets (at the end of a bench). */
export function closeConnections(): void {
  agent.destroy();
}

/** POST a signed request body with node:http and keep-alive (lighter on the client than fetch); resolves with the status at the ack. */
export function postSigned(url: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: "POST", agent, headers: { ...signatureHeaders(SIGNING_SECRET, body), "content-length": Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** `lockstep serve` spawned for a bench, and its events URL once it listens. */
export interface BenchBot {
  process: ChildProcess;
  listening: Promise<string>;
}

/** Spawn the bot in `dir` (with a V8 CPU profile written to `cpuProfDir`, if given). */
export function spawnBot(dir: string, env: NodeJS.ProcessEnv, opts: { cpuProfDir?: string; timeoutMs: number }): BenchBot {
  const profile = opts.cpuProfDir ? ["--cpu-prof", "--cpu-prof-dir", path.resolve(opts.cpuProfDir)] : [];
  const child = spawn(process.execPath, [...profile, MAIN, "serve"], { cwd: dir, env, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  const listening = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the bot did not listen within ${opts.timeoutMs} ms:\n${stderr}`)), opts.timeoutMs);
    child.stderr!.on("data", (d: Buffer) => {
      stderr += d.toString();
      const port = /HTTP on port (\d+)/.exec(stderr)?.[1];
      if (!port) return;
      clearTimeout(timer);
      resolve(`http://127.0.0.1:${port}/slack/events`);
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the bot exited (${code}) before it listened:\n${stderr}`));
    });
  });
  return { process: child, listening };
}

/** Stop a bench bot (SIGTERM) and wait for it to exit. */
export async function stopBot(bot: BenchBot | undefined): Promise<void> {
  const child = bot?.process;
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once("close", resolve));
  child.kill("SIGTERM");
  await exited;
}
