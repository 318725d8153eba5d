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
