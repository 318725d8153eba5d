import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createHash } from "node:crypto";
import type { AddressInfo, Socket } from "node:net";
import { decodeWebApiBody } from "../../src/sandbox/slack-requests.js";

/** One Web API call the bot made. Form fields holding JSON (blocks, view, files) are decoded. */
export interface SlackCall {
  method: string;
  args: Record<string, any>;
  /** the Authorization header's token */
  token?: string;
  /** what the fake answered */
  result: Record<string, any>;
  /** when the call arrived (Date.now()) */
  at: number;
}

export interface FakeSlackOptions {
  /** usergroups.list: handle -> id; usergroups.users.list: id -> members */
  userGroups?: Array<{ id: string; handle: string; users: string[] }>;
  /** files.info / url_private downloads */
  files?: Record<string, { name: string; content: string; channels?: string[] }>;
}

/**
 * A local stand-in for Slack's Web API (the only thing the tests fake). It records chat.*,
 * views.open and file uploads, and answers auth.test, users.info, usergroups.*, files.info and
 * the upload/download URLs it hands out.
 */
/** A fault the fake answers a Web API call with, instead of serving it. */
export type SlackFault = { status: 429; retryAfter: number } | { status: 500 | 502 | 503 } | { reset: true };

export class FakeSlack {
  readonly calls: SlackCall[] = [];
  /** calls answered with an injected fault (not served) */
  readonly faulted: Array<{ method: string; fault: SlackFault; at: number }> = [];
  private readonly faults = new Map<string, SlackFault[]>();

  /** Answer the next calls of `method` with these faults, in order, then serve it again. */
  inject(method: string, ...faults: SlackFault[]): void {
    this.faults.set(method, [...(this.faults.get(method) ?? []), ...faults]);
  }
  readonly uploads: Array<{ fileId: string; body: string }> = [];
  private server?: Server;
  private seq = 0;
  private base = "";

  constructor(private readonly opts: FakeSlackOptions = {}) {}

  /** Web API base URL, for SLACK_API_URL */
  get apiUrl(): string {
    return `${this.base}/api/`;
  }

  /** Socket Mode connections the bot opened (the fake says hello and nothing more). */
  readonly sockets: Socket[] = [];

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.on("upgrade", (req: IncomingMessage, socket: Socket) => {
      const accept = createHash("sha1").update(`${req.headers["sec-websocket-key"]}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest("base64");
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
      const hello = Buffer.from(JSON.stringify({ type: "hello", num_connections: 1, connection_info: { app_id: "A1" } }));
      socket.write(Buffer.concat([Buffer.from([0x81, hello.length]), hello]));
      socket.on("error", () => undefined);
      this.sockets.push(socket);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.base = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  called(method: string): SlackCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** Poll until `pick` returns something, or fail after the deadline (no fixed sleeps). */
  async waitFor<T>(pick: () => T | undefined | false | Promise<T | undefined | false>, what: string, timeoutMs = 20_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const got = await pick();
      if (got) return got;
      if (Date.now() > deadline) {
        const last = this.calls.at(-1);
        throw new Error(`timed out waiting for ${what}; calls so far: ${this.calls.map((c) => c.method).join(", ")}; the last one said: ${String(last?.args.text ?? "").slice(0, 300)}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks);
    const url = new URL(req.url ?? "/", this.base);
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];

    if (url.pathname.startsWith("/upload/")) {
      this.uploads.push({ fileId: url.pathname.slice("/upload/".length), body: raw.toString("utf8") });
      res.writeHead(200, { "content-type": "text/plain" }).end("OK");
      return;
    }
    if (url.pathname.startsWith("/files/")) {
      const file = this.opts.files?.[url.pathname.slice("/files/".length)];
      if (!file || !token) {
        res.writeHead(file ? 403 : 404).end();
        return;
      }
      res.writeHead(200, { "content-type": "application/octet-stream" }).end(file.content);
      return;
    }
    const at = Date.now();
    const method = url.pathname.replace(/^\/api\//, "");
    const fault = this.faults.get(method)?.shift();
    if (fault) {
      this.faulted.push({ method, fault, at });
      if ("reset" in fault) req.socket.destroy();
      else if (fault.status === 429) res.writeHead(429, { "retry-after": String(fault.retryAfter), "content-type": "application/json" }).end(JSON.stringify({ ok: false, error: "ratelimited" }));
      else res.writeHead(fault.status, { "content-type": "text/plain" }).end("upstream trouble");
      return;
    }
    const args = decodeWebApiBody(raw, req.headers["content-type"] ?? "");
    const result = this.answer(method, args);
    this.calls.push({ method, args, token: token ?? args.token, result, at });
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(result));
  }

  private answer(method: string, args: Record<string, any>): Record<string, unknown> {
    const ts = () => `1700000000.${String(++this.seq).padStart(6, "0")}`;
    const groups = this.opts.userGroups ?? [];
    switch (method) {
      case "apps.connections.open":
        return { ok: true, url: `${this.base.replace(/^http/, "ws")}/socket` };
      case "auth.test":
        return { ok: true, user_id: "UBOT", bot_id: "BBOT", team_id: "T1", user: "lockstep" };
      case "chat.postMessage":
        return { ok: true, channel: args.channel, ts: ts(), message: { text: args.text } };
      case "chat.update":
        return { ok: true, channel: args.channel, ts: args.ts };
      case "chat.postEphemeral":
        return { ok: true, message_ts: ts() };
      case "views.open":
        return { ok: true, view: { id: `V${++this.seq}` } };
      case "users.info":
        return { ok: true, user: { id: args.user, name: `user-${args.user}` } };
      case "usergroups.list":
        return { ok: true, usergroups: groups.map((g) => ({ id: g.id, handle: g.handle })) };
      case "usergroups.users.list":
        return { ok: true, users: groups.find((g) => g.id === args.usergroup)?.users ?? [] };
      case "files.getUploadURLExternal": {
        const id = `F${++this.seq}`;
        return { ok: true, file_id: id, upload_url: `${this.base}/upload/${id}` };
      }
      case "files.completeUploadExternal":
        return { ok: true, files: (args.files ?? []).map((f: { id: string; title?: string }) => ({ id: f.id, title: f.title })) };
      case "files.info": {
        const f = this.opts.files?.[args.file];
        return f
          ? { ok: true, file: { id: args.file, name: f.name, size: Buffer.byteLength(f.content), channels: f.channels ?? [], url_private: `${this.base}/files/${args.file}` } }
          : { ok: false, error: "file_not_found" };
      }
      default:
        return { ok: false, error: "unknown_method" };
    }
  }
}
