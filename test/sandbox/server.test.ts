import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandboxServer, type SandboxServer } from "../../src/sandbox/server.js";

const TOKEN = "xoxb-sandbox-test";
let server: SandboxServer;

beforeAll(async () => {
  server = await startSandboxServer({ port: 0, signingSecret: "s", botToken: TOKEN, target: "demo", suggestions: [{ command: "/migrate help", what: "help" }] });
});
afterAll(async () => {
  await server.close();
});

function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${server.url}${path}`, { headers }, (res) => {
      let body = "";
      res.on("data", (d: Buffer) => (body += d.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

const api = (method: string, form: Record<string, string>, token?: string) =>
  fetch(`${server.apiUrl}${method}`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: new URLSearchParams(form).toString(),
  }).then((r) => r.json() as Promise<Record<string, any>>);

describe("the sandbox's server", () => {
  it("listens on 127.0.0.1 and serves the page with a CSP that lets only its own script and styles run", async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const page = await get("/");
    expect(page.status).toBe(200);
    expect(page.headers["content-security-policy"]).toContain("script-src 'self'");
    expect(page.body).toContain('<label for="user">You are</label>');
    expect((await get("/sandbox.js")).body).toContain("new EventSource");
  });

  it("refuses another Host (DNS rebinding) and cross-site actions", async () => {
    expect((await get("/", { host: "attacker.example" })).status).toBe(421);
    const res = await fetch(`${server.url}/act`, { method: "POST", headers: { "content-type": "application/json", origin: "http://attacker.example" }, body: JSON.stringify({ type: "say", user: "UREQUESTER", text: "hi" }) });
    expect(res.status).toBe(403);
    expect(server.channel.snapshot()).toEqual([]);
  });

  it("answers the Web API for the bot's token only, drawing what it posts into the channel", async () => {
    expect(await api("chat.postMessage", { channel: server.channel.id, text: "forged" })).toEqual({ ok: false, error: "invalid_auth" });
    const posted = await api("chat.postMessage", { channel: server.channel.id, text: "hello", blocks: JSON.stringify([{ type: "section", text: { type: "mrkdwn", text: "*hello* <@UAPPROVER1>" } }]) }, TOKEN);
    expect(posted).toMatchObject({ ok: true, channel: server.channel.id });
    await api("chat.update", { channel: server.channel.id, ts: posted.ts, text: "hello again", blocks: JSON.stringify([{ type: "section", text: { type: "mrkdwn", text: "*updated*" } }]) }, TOKEN);
    const [m] = server.channel.snapshot();
    expect(m).toMatchObject({ ts: posted.ts, updates: 1, bot: true, html: '<div class="bk-section"><div class="bk-text"><b>updated</b></div></div>' });
    expect(await api("chat.postMessage", { channel: "CELSEWHERE", text: "x" }, TOKEN)).toEqual({ ok: false, error: "channel_not_found" });
    expect(await api("admin.users.remove", {}, TOKEN)).toEqual({ ok: false, error: "unknown_method" });
    expect(await api("views.open", { trigger_id: "made-up", view: "{}" }, TOKEN)).toEqual({ ok: false, error: "invalid_trigger_id" });
  });

  it("a port in use is a clear error, not a stack trace", async () => {
    const port = Number(new URL(server.url).port);
    await expect(startSandboxServer({ port, signingSecret: "s", botToken: TOKEN, target: "demo", suggestions: [] })).rejects.toMatchObject({
      code: "port-in-use",
      message: `port ${port} on 127.0.0.1 is in use`,
    });
  });
});
