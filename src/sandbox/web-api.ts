import type { Channel } from "./channel.js";
import { BOT_USER, userById } from "./users.js";

/**
 * The Slack Web API methods the bot calls, answered from the sandbox's channel: chat.postMessage,
 * chat.update, chat.postEphemeral, views.open, the file upload trio, and the look-ups (auth.test,
 * users.info, usergroups.*). Anything else answers `unknown_method`, as Slack does, so a new call
 * in the bot shows up instead of silently working.
 */
export class WebApi {
  /** trigger id -> the user whose click or command made it (a modal opens for them) */
  private readonly triggers = new Map<string, string>();
  private readonly uploads = new Map<string, { name: string; title: string; content?: string }>();
  private seq = 0;

  constructor(private readonly channel: Channel, private readonly baseUrl: () => string) {}

  rememberTrigger(triggerId: string, user: string): void {
    this.triggers.set(triggerId, user);
    if (this.triggers.size > 1000) this.triggers.delete(this.triggers.keys().next().value!);
  }

  /** The bytes PUT/POSTed to an upload URL this API handed out. */
  receiveUpload(fileId: string, content: string): boolean {
    const u = this.uploads.get(fileId);
    if (!u) return false;
    u.content = content;
    return true;
  }

  call(method: string, args: Record<string, any>): Record<string, unknown> {
    const c = this.channel;
    const inChannel = () => args.channel === c.id || args.channel_id === c.id;
    switch (method) {
      case "auth.test":
        return { ok: true, url: this.baseUrl(), team: "sandbox", user: BOT_USER.name, team_id: "TSANDBOX", user_id: BOT_USER.id, bot_id: "BBOT" };
      case "chat.postMessage": {
        if (!inChannel()) return { ok: false, error: "channel_not_found" };
        const m = c.post({ user: BOT_USER.id, text: String(args.text ?? ""), ...blocksOf(args), ...(args.thread_ts ? { threadTs: String(args.thread_ts) } : {}) });
        return { ok: true, channel: c.id, ts: m.ts, message: { ts: m.ts, text: m.text, user: BOT_USER.id, bot_id: "BBOT" } };
      }
      case "chat.update": {
        if (!inChannel()) return { ok: false, error: "channel_not_found" };
        const m = c.update(String(args.ts ?? ""), { text: args.text === undefined ? undefined : String(args.text), ...blocksOf(args) });
        return m ? { ok: true, channel: c.id, ts: m.ts, text: m.text } : { ok: false, error: "message_not_found" };
      }
      case "chat.postEphemeral": {
        if (!inChannel()) return { ok: false, error: "channel_not_found" };
        if (!userById(String(args.user ?? ""))) return { ok: false, error: "user_not_in_channel" };
        const m = c.post({ user: BOT_USER.id, text: String(args.text ?? ""), ...blocksOf(args), ephemeralFor: String(args.user), ...(args.thread_ts ? { threadTs: String(args.thread_ts) } : {}) });
        return { ok: true, message_ts: m.ts };
      }
      case "views.open": {
        const user = this.triggers.get(String(args.trigger_id ?? ""));
        if (!user) return { ok: false, error: "invalid_trigger_id" };
        this.triggers.delete(String(args.trigger_id));
        const view = typeof args.view === "object" && args.view ? (args.view as Record<string, any>) : {};
        const open = c.openView(user, view);
        return { ok: true, view: { id: open.id, hash: open.hash, callback_id: open.callbackId, private_metadata: open.privateMetadata } };
      }
      case "users.info": {
        const u = userById(String(args.user ?? ""));
        return u ? { ok: true, user: { id: u.id, name: u.name, real_name: u.name, profile: { display_name: u.name } } } : { ok: false, error: "user_not_found" };
      }
      case "usergroups.list":
        return { ok: true, usergroups: [] };
      case "usergroups.users.list":
        return { ok: false, error: "no_such_subteam" };
      case "files.getUploadURLExternal": {
        const id = `F${++this.seq}`;
        this.uploads.set(id, { name: String(args.filename ?? "file"), title: String(args.filename ?? "file") });
        return { ok: true, file_id: id, upload_url: `${this.baseUrl()}/upload/${id}` };
      }
      case "files.completeUploadExternal": {
        const files = (Array.isArray(args.files) ? args.files : []) as Array<{ id: string; title?: string }>;
        for (const f of files) {
          const u = this.uploads.get(f.id);
          if (!u || u.content === undefined) return { ok: false, error: "file_not_found" };
          c.post({ user: BOT_USER.id, text: f.title ?? u.name, file: { name: u.name, title: f.title ?? u.name, content: u.content }, ...(args.thread_ts ? { threadTs: String(args.thread_ts) } : {}) });
        }
        return { ok: true, files: files.map((f) => ({ id: f.id, title: f.title })) };
      }
      case "files.info":
        return { ok: false, error: "file_not_found" };
      default:
        return { ok: false, error: "unknown_method" };
    }
  }
}

function blocksOf(args: Record<string, any>): { blocks?: unknown[] } {
  return Array.isArray(args.blocks) ? { blocks: args.blocks } : {};
}
