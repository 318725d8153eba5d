import { existsSync, readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { UserError } from "../errors.js";
import { escapeMrkdwn } from "../slack/mrkdwn.js";
import { Channel } from "./channel.js";
import { PAGE_CSS, pageHtml, type Suggestion } from "./page.js";
import { blockActionsBody, decodeWebApiBody, newTriggerId, signatureHeaders, slashCommandBody, viewSubmissionBody, type Workspace } from "./slack-requests.js";
import { userById } from "./users.js";
import { WebApi } from "./web-api.js";

export interface SandboxServerOptions {
  port: number;
  signingSecret: string;
  botToken: string;
  target: string;
  suggestions: Suggestion[];
}

export interface SandboxServer {
  /** http://127.0.0.1:PORT */
  url: string;
  /** the bot's SLACK_API_URL */
  apiUrl: string;
  channel: Channel;
  /** where the bot listens (known once it started) */
  setBotEventsUrl(url: string): void;
  close(): Promise<void>;
}

const MAX_BODY = 1024 * 1024;

/** The page script as tsc built it (beside this module in dist/; from src/, as the tests load it, in dist/ too). */
function clientScript(): string {
  const beside = fileURLToPath(new URL("./client/page.js", import.meta.url));
  const file = existsSync(beside) ? beside : fileURLToPath(new URL("../../dist/src/sandbox/client/page.js", import.meta.url));
  return readFileSync(file, "utf8").replace(/^\/\/# sourceMappingURL=.*$/m, "");
}

/**
 * The sandbox's HTTP server, on 127.0.0.1 only: the page (HTML, CSS, script), its event stream,
 * its actions (signed and sent to the bot as Slack would send them), and the Web API the bot
 * calls (only with the bot's token). Requests naming another Host are refused (DNS rebinding), and
 * so are cross-site actions.
 */
export async function startSandboxServer(opts: SandboxServerOptions): Promise<SandboxServer> {
  const channel = new Channel("CSANDBOX", "db");
  let base = "";
  let botEventsUrl = "";
  const api = new WebApi(channel, () => base);
  const workspace: Workspace = { teamId: "TSANDBOX", teamDomain: "sandbox", appId: "ASANDBOX", channel: { id: channel.id, name: channel.name }, responseUrl: "" };
  const clientJs = clientScript();

  const toBot = async (body: string): Promise<{ status: number; text: string }> => {
    if (!botEventsUrl) return { status: 503, text: "the bot is still starting" };
    const res = await fetch(botEventsUrl, { method: "POST", headers: signatureHeaders(opts.signingSecret, body), body });
    return { status: res.status, text: await res.text() };
  };

  const handlers: Record<string, (req: IncomingMessage, res: ServerResponse) => Promise<void> | void> = {
    "GET /": (_req, res) => send(res, 200, "text/html; charset=utf-8", pageHtml({ channel: channel.name, target: opts.target, suggestions: opts.suggestions })),
    "GET /sandbox.css": (_req, res) => send(res, 200, "text/css; charset=utf-8", PAGE_CSS),
    "GET /sandbox.js": (_req, res) => send(res, 200, "text/javascript; charset=utf-8", clientJs),
    "GET /events": (req, res) => events(req, res, channel),
    "POST /act": async (req, res) => {
      if (!sameOrigin(req, base) || !(req.headers["content-type"] ?? "").startsWith("application/json")) return json(res, 403, { error: "cross-site request refused" });
      const act = JSON.parse((await readBody(req)).toString("utf8") || "{}") as Act;
      json(res, 200, await perform(act));
    },
  };

  const perform = async (act: Act): Promise<Record<string, unknown>> => {
    const user = userById(String(act.user ?? ""));
    if (!user || user.id === "UBOT") return { error: "unknown user" };
    const who = { id: user.id, name: user.name };
    const triggerId = newTriggerId();
    api.rememberTrigger(triggerId, user.id);
    if (act.type === "say") {
      const text = String(act.text ?? "").trim();
      const [command = "", ...rest] = text.split(/\s+/);
      if (!command.startsWith("/")) {
        channel.post({ user: user.id, text: escapeMrkdwn(text) });
        return { ok: true };
      }
      if (command !== "/migrate") {
        channel.post({ user: "UBOT", text: `\`${escapeMrkdwn(command)}\` is not a command here: try \`/migrate help\`.`, ephemeralFor: user.id });
        return { ok: true };
      }
      const reply = await toBot(slashCommandBody(workspace, { command, text: rest.join(" "), user: who, triggerId }));
      if (reply.status !== 200) return { error: `/migrate failed: the bot answered HTTP ${reply.status}` };
      // an ack with a body is Slack's ephemeral reply to the command
      const body = parseJson(reply.text);
      if (body && (body.text || body.blocks)) channel.post({ user: "UBOT", text: String(body.text ?? ""), ...(Array.isArray(body.blocks) ? { blocks: body.blocks } : {}), ephemeralFor: user.id });
      return { ok: true };
    }
    if (act.type === "click") {
      const m = channel.message(String(act.ts ?? ""));
      if (!m) return { error: "that message is gone" };
      const reply = await toBot(blockActionsBody(workspace, {
        user: who,
        triggerId,
        message: { ts: m.ts, ...(m.threadTs ? { threadTs: m.threadTs } : {}), text: m.text, ...(m.blocks ? { blocks: m.blocks } : {}), ephemeral: Boolean(m.ephemeralFor) },
        action: { actionId: String(act.actionId ?? ""), blockId: String(act.blockId ?? ""), value: String(act.value ?? ""), text: String(act.text ?? "") },
      }));
      return reply.status === 200 ? { ok: true } : { error: `the bot answered HTTP ${reply.status}` };
    }
    if (act.type === "submit" || act.type === "close") {
      const view = channel.view(String(act.viewId ?? ""));
      if (!view || view.user !== user.id) return { error: "that dialog is closed" };
      if (act.type === "close") {
        channel.closeView(view.id);
        return { ok: true };
      }
      const values = (act.values && typeof act.values === "object" ? act.values : {}) as Record<string, Record<string, unknown>>;
      const reply = await toBot(viewSubmissionBody(workspace, { user: who, triggerId, view: { id: view.id, hash: view.hash, callbackId: view.callbackId, privateMetadata: view.privateMetadata }, values }));
      if (reply.status !== 200) return { error: `the bot answered HTTP ${reply.status}` };
      const body = parseJson(reply.text);
      if (body?.response_action === "errors") return { errors: body.errors ?? {} };
      channel.closeView(view.id);
      return { ok: true };
    }
    return { error: "unknown action" };
  };

  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", "http://sandbox");
      if (!allowedHost(req, base)) return send(res, 421, "text/plain", "this sandbox answers on 127.0.0.1 only");
      if (url.pathname.startsWith("/api/")) return webApi(req, res, url.pathname.slice("/api/".length));
      if (url.pathname.startsWith("/upload/") && req.method === "POST") {
        const ok = api.receiveUpload(url.pathname.slice("/upload/".length), (await readBody(req)).toString("utf8"));
        return send(res, ok ? 200 : 404, "text/plain", ok ? "OK" : "unknown upload");
      }
      const handler = handlers[`${req.method} ${url.pathname}`];
      if (!handler) return send(res, 404, "text/plain", "not found");
      await handler(req, res);
    })().catch((e: unknown) => {
      if (!res.headersSent) json(res, 500, { error: e instanceof Error ? e.message : String(e) });
      else res.end();
    });
  });

  const webApi = async (req: IncomingMessage, res: ServerResponse, method: string) => {
    const args = decodeWebApiBody(await readBody(req), req.headers["content-type"] ?? "");
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1] ?? args.token;
    if (token !== opts.botToken) return json(res, 200, { ok: false, error: "invalid_auth" });
    json(res, 200, api.call(method, args));
  };

  await new Promise<void>((resolve, reject) => {
    server.once("error", (e: NodeJS.ErrnoException) =>
      reject(e.code === "EADDRINUSE" ? new UserError("port-in-use", `port ${opts.port} on 127.0.0.1 is in use`, { hint: "pass --port N, or --port 0 for any free port" }) : e),
    );
    server.listen(opts.port, "127.0.0.1", resolve);
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    apiUrl: `${base}/api/`,
    channel,
    setBotEventsUrl: (u) => (botEventsUrl = u),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface Act {
  type?: "say" | "click" | "submit" | "close";
  user?: string;
  text?: string;
  ts?: string;
  actionId?: string;
  value?: string;
  blockId?: string;
  viewId?: string;
  values?: unknown;
}

/** Server-sent events: every message so far, then each change as it happens. */
function events(req: IncomingMessage, res: ServerResponse, channel: Channel): void {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-store", connection: "keep-alive" });
  const write = (event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  write("snapshot", channel.snapshot());
  const unsubscribe = channel.subscribe((e) => (e.type === "message" ? write("message", e.message) : write("modal", e.modal)));
  const keepAlive = setInterval(() => res.write(": keep-alive\n\n"), 15_000);
  req.on("close", () => {
    clearInterval(keepAlive);
    unsubscribe();
  });
}

function allowedHost(req: IncomingMessage, base: string): boolean {
  const port = new URL(base).port;
  return req.headers.host === `127.0.0.1:${port}` || req.headers.host === `localhost:${port}`;
}

function sameOrigin(req: IncomingMessage, base: string): boolean {
  const origin = req.headers.origin;
  if (!origin) return true; // not a browser's cross-site request (those always send Origin on POST)
  const port = new URL(base).port;
  return origin === `http://127.0.0.1:${port}` || origin === `http://localhost:${port}`;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY) throw new Error("request too large");
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, {
    "content-type": type,
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    // nothing but the sandbox's own script and styles may run or load, whatever a message holds
    "content-security-policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; form-action 'self'",
  });
  res.end(body);
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
  res.end(JSON.stringify(body));
}

function parseJson(text: string): Record<string, any> | undefined {
  try {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === "object" ? (v as Record<string, any>) : undefined;
  } catch {
    return undefined;
  }
}
