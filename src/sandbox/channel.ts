import { renderMessage, renderModal } from "./blockkit.js";
import { escapeHtml } from "./mrkdwn-html.js";
import { BOT_USER, names, userById } from "./users.js";

/** One message in the channel or in a thread, as the Web API calls left it. */
export interface StoredMessage {
  ts: string;
  threadTs?: string;
  user: string;
  text: string;
  blocks?: unknown[];
  /** shown to this user only (chat.postEphemeral, or an ack's reply to a slash command) */
  ephemeralFor?: string;
  /** times chat.update changed it */
  updates: number;
  /** a file shared into the conversation (a long report, uploaded in full) */
  file?: { name: string; title: string; content: string };
}

/** What the page draws: escaped HTML made here, never on the page from the bot's text. */
export interface PageMessage {
  ts: string;
  threadTs?: string;
  user: string;
  userName: string;
  bot: boolean;
  ephemeralFor?: string;
  updates: number;
  html: string;
}

export interface PageModal {
  viewId: string;
  for: string;
  title: string;
  body: string;
  submit?: string;
  close: string;
}

export type ChannelEvent = { type: "message"; message: PageMessage } | { type: "modal"; modal: PageModal };

interface OpenView {
  id: string;
  hash: string;
  user: string;
  callbackId: string;
  privateMetadata: string;
}

/**
 * The one channel of the sandbox: messages (updated in place), threads, ephemeral messages and
 * modals, each drawn to HTML once when it changes and pushed to every open page.
 */
export class Channel {
  private readonly messages = new Map<string, StoredMessage>();
  private readonly views = new Map<string, OpenView>();
  private readonly listeners = new Set<(e: ChannelEvent) => void>();
  private seq = 0;

  constructor(readonly id: string, readonly name: string) {}

  /** A Slack-shaped ts, unique and increasing. */
  private nextTs(): string {
    return `${Math.floor(Date.now() / 1000)}.${String(++this.seq).padStart(6, "0")}`;
  }

  post(m: Omit<StoredMessage, "ts" | "updates">): StoredMessage {
    const stored: StoredMessage = { ...m, ts: this.nextTs(), updates: 0 };
    this.messages.set(stored.ts, stored);
    this.emit({ type: "message", message: this.toPage(stored) });
    return stored;
  }

  update(ts: string, change: { text?: string; blocks?: unknown[] }): StoredMessage | undefined {
    const m = this.messages.get(ts);
    if (!m) return undefined;
    if (change.text !== undefined) m.text = change.text;
    if (change.blocks !== undefined) m.blocks = change.blocks;
    m.updates++;
    this.emit({ type: "message", message: this.toPage(m) });
    return m;
  }

  message(ts: string): StoredMessage | undefined {
    return this.messages.get(ts);
  }

  openView(user: string, view: Record<string, any>): OpenView {
    const open: OpenView = { id: `V${++this.seq}`, hash: `h${this.seq}`, user, callbackId: String(view.callback_id ?? ""), privateMetadata: String(view.private_metadata ?? "") };
    this.views.set(open.id, open);
    this.emit({ type: "modal", modal: { viewId: open.id, for: user, ...renderModal(view, names) } });
    return open;
  }

  view(id: string): OpenView | undefined {
    return this.views.get(id);
  }

  closeView(id: string): void {
    this.views.delete(id);
  }

  /** Every message so far, for a page that just opened. */
  snapshot(): PageMessage[] {
    return [...this.messages.values()].map((m) => this.toPage(m));
  }

  subscribe(listener: (e: ChannelEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(e: ChannelEvent): void {
    for (const l of this.listeners) l(e);
  }

  private toPage(m: StoredMessage): PageMessage {
    return {
      ts: m.ts,
      ...(m.threadTs ? { threadTs: m.threadTs } : {}),
      user: m.user,
      userName: escapeHtml(userById(m.user)?.name ?? m.user),
      bot: m.user === BOT_USER.id,
      ...(m.ephemeralFor ? { ephemeralFor: m.ephemeralFor } : {}),
      updates: m.updates,
      html: m.file ? fileHtml(m.file) : renderMessage(m, names),
    };
  }
}

function fileHtml(f: { name: string; title: string; content: string }): string {
  return `<details class="file"><summary>📄 ${escapeHtml(f.title || f.name)} <span class="file-name">${escapeHtml(f.name)}</span></summary><pre class="bk-code">${escapeHtml(f.content)}</pre></details>`;
}
