/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The sandbox page's script (served as /sandbox.js). It draws what the server pushes (messages
 * whose HTML the server made from the bot's Block Kit, escaping every text), and turns what the
 * person does — a command, a click, a modal submitted — into a request the server signs and
 * sends to the bot. No framework, no other script.
 */

// types only: erased by tsc, so the browser loads this one file
import type { PageMessage, PageModal } from "../channel.js";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const list = $<HTMLDivElement>("messages");
const status = $<HTMLDivElement>("status");
const userSelect = $<HTMLSelectElement>("user");
const composer = $<HTMLFormElement>("composer");
const input = $<HTMLInputElement>("text");
const dialog = $<HTMLDialogElement>("modal");
const messages = new Map<string, PageMessage>();
/** modals waiting for their user to be the one at the keyboard */
const modals: PageModal[] = [];
let openModal: PageModal | undefined;

const me = () => userSelect.value;
const domId = (ts: string) => `m-${ts.replace(/\W/g, "-")}`;

function timeOf(ts: string): string {
  const d = new Date(Number(ts.split(".")[0]) * 1000);
  return d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

/** Add or redraw one message (in place: focus and scroll stay where they are). */
function upsert(m: PageMessage): void {
  messages.set(m.ts, m);
  let el = document.getElementById(domId(m.ts));
  if (!el) {
    el = document.createElement("article");
    el.id = domId(m.ts);
    el.dataset.ts = m.ts;
    const parent = m.threadTs && m.threadTs !== m.ts ? threadOf(m.threadTs) : list;
    parent.appendChild(el);
  }
  el.className = `msg${m.bot ? " bot" : ""}${m.ephemeralFor ? " ephemeral" : ""}`;
  el.dataset.updates = String(m.updates);
  if (m.ephemeralFor) el.dataset.ephemeralFor = m.ephemeralFor;
  const body = el.querySelector(".body");
  const head = `<div class="avatar" aria-hidden="true">${m.userName.slice(0, 1).toUpperCase()}</div>`;
  const meta = `<div class="meta"><span class="name">${m.userName}</span>${m.bot ? '<span class="app-badge">APP</span>' : ""}<time>${timeOf(m.ts)}</time>${m.ephemeralFor ? ' <span class="ephemeral-note">Only visible to you</span>' : ""}</div>`;
  if (body) {
    body.innerHTML = m.html;
    el.querySelector(".meta")!.outerHTML = meta;
  } else {
    el.innerHTML = `${head}<div class="content">${meta}<div class="body">${m.html}</div></div>`;
  }
  el.hidden = Boolean(m.ephemeralFor && m.ephemeralFor !== me());
  if (m.threadTs && m.threadTs !== m.ts) countReplies(m.threadTs);
  if (!m.threadTs || m.threadTs === m.ts) list.scrollTop = list.scrollHeight;
}

/** The thread under a message: replies shown inline, with a toggle. */
function threadOf(parentTs: string): HTMLElement {
  const id = `t-${domId(parentTs)}`;
  let thread = document.getElementById(id);
  if (thread) return thread;
  const parent = document.getElementById(domId(parentTs));
  const toggle = document.createElement("button");
  toggle.type = "button";
  toggle.className = "thread-toggle";
  toggle.setAttribute("aria-expanded", "true");
  toggle.setAttribute("aria-controls", id);
  thread = document.createElement("div");
  thread.id = id;
  thread.className = "thread";
  thread.setAttribute("role", "region");
  thread.setAttribute("aria-label", "Thread");
  toggle.addEventListener("click", () => {
    const open = toggle.getAttribute("aria-expanded") !== "true";
    toggle.setAttribute("aria-expanded", String(open));
    thread!.hidden = !open;
    countReplies(parentTs);
  });
  const host = parent?.querySelector(".content") ?? list;
  host.append(toggle, thread);
  return thread;
}

function countReplies(parentTs: string): void {
  const thread = document.getElementById(`t-${domId(parentTs)}`);
  const toggle = thread?.previousElementSibling as HTMLButtonElement | null;
  if (!thread || !toggle) return;
  const n = [...thread.children].filter((c) => !(c as HTMLElement).hidden).length;
  const open = toggle.getAttribute("aria-expanded") === "true";
  toggle.textContent = `${n} ${n === 1 ? "reply" : "replies"}${open ? "" : " (show)"}`;
}

/** Who is at the keyboard changed: ephemeral messages and modals follow. */
function switchUser(): void {
  for (const m of messages.values()) {
    const el = document.getElementById(domId(m.ts));
    if (el) el.hidden = Boolean(m.ephemeralFor && m.ephemeralFor !== me());
  }
  for (const m of messages.values()) if (m.threadTs && m.threadTs !== m.ts) countReplies(m.threadTs);
  $<HTMLLabelElement>("composer-label").textContent = `Message #db as ${userSelect.selectedOptions[0]?.textContent ?? me()}`;
  if (openModal && openModal.for !== me()) {
    modals.unshift(openModal);
    openModal = undefined;
    dialog.close();
  }
  showNextModal();
}

async function act(body: Record<string, unknown>): Promise<Record<string, any>> {
  status.textContent = "";
  const res = await fetch("/act", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ user: me(), ...body }) });
  const answer = (await res.json().catch(() => ({}))) as Record<string, any>;
  if (!res.ok || answer.error) status.textContent = String(answer.error ?? `the sandbox answered ${res.status}`);
  return answer;
}

composer.addEventListener("submit", (e) => {
  e.preventDefault();
  const text = input.value.trim();
  if (!text) return;
  input.value = "";
  void act({ type: "say", text });
});

document.addEventListener("click", (e) => {
  const target = e.target as HTMLElement;
  const suggestion = target.closest<HTMLButtonElement>("button.suggestion");
  if (suggestion) {
    input.value = suggestion.dataset.command ?? "";
    input.focus();
    return;
  }
  const button = target.closest<HTMLButtonElement>("button.bk-button[data-action-id]");
  const message = button?.closest<HTMLElement>("article[data-ts]");
  if (!button || !message) return;
  button.disabled = true;
  void act({ type: "click", ts: message.dataset.ts, actionId: button.dataset.actionId, value: button.dataset.value, blockId: button.dataset.blockId, text: button.textContent }).finally(() => {
    button.disabled = false;
  });
});

userSelect.addEventListener("change", switchUser);

function showNextModal(): void {
  if (openModal) return;
  const i = modals.findIndex((m) => m.for === me());
  if (i < 0) return;
  openModal = modals.splice(i, 1)[0]!;
  $<HTMLHeadingElement>("modal-title").innerHTML = openModal.title;
  $<HTMLDivElement>("modal-body").innerHTML = openModal.body;
  const submit = $<HTMLButtonElement>("modal-submit");
  submit.hidden = !openModal.submit;
  submit.innerHTML = openModal.submit ?? "";
  $<HTMLButtonElement>("modal-close").innerHTML = openModal.close;
  dialog.showModal();
  dialog.querySelector<HTMLElement>("textarea, input, select")?.focus();
}

/** Slack's view_submission state: { block_id: { action_id: value } } */
function modalValues(): Record<string, Record<string, unknown>> {
  const values: Record<string, Record<string, unknown>> = {};
  for (const el of dialog.querySelectorAll<HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>("[data-block-id][data-action-id]")) {
    const block = el.dataset.blockId!;
    const action = el.dataset.actionId!;
    const type = el.dataset.type;
    if (type === "static_select") {
      const option = (el as HTMLSelectElement).selectedOptions[0];
      values[block] = { [action]: { type, selected_option: option ? { value: option.value, text: { type: "plain_text", text: option.textContent ?? "" } } : null } };
    } else if (type === "plain_text_input") {
      values[block] = { [action]: { type, value: (el as HTMLInputElement).value || null } };
    } else if (type === "file_input") {
      values[block] = { [action]: { type, files: [] } };
    }
  }
  return values;
}

$<HTMLFormElement>("modal-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const modal = openModal;
  if (!modal) return;
  for (const el of dialog.querySelectorAll<HTMLElement>(".bk-error")) el.textContent = "";
  void act({ type: "submit", viewId: modal.viewId, values: modalValues() }).then((answer) => {
    if (answer.errors) {
      for (const [block, text] of Object.entries(answer.errors as Record<string, string>)) {
        const slot = dialog.querySelector<HTMLElement>(`[data-error-for="${CSS.escape(block)}"]`);
        if (slot) slot.textContent = text;
      }
      return;
    }
    if (answer.ok) closeModal();
  });
});

function closeModal(): void {
  openModal = undefined;
  dialog.close();
  showNextModal();
}

$<HTMLButtonElement>("modal-close").addEventListener("click", () => {
  if (openModal) void act({ type: "close", viewId: openModal.viewId });
  closeModal();
});
dialog.addEventListener("cancel", () => {
  openModal = undefined;
  setTimeout(showNextModal, 0);
});

const events = new EventSource("/events");
events.addEventListener("snapshot", (e) => {
  for (const m of JSON.parse((e as MessageEvent).data) as PageMessage[]) upsert(m);
  document.body.dataset.ready = "true";
});
events.addEventListener("message", (e) => upsert(JSON.parse((e as MessageEvent).data) as PageMessage));
events.addEventListener("modal", (e) => {
  modals.push(JSON.parse((e as MessageEvent).data) as PageModal);
  showNextModal();
});
events.addEventListener("error", () => {
  status.textContent = "lost the connection to the sandbox (is `lockstep sandbox` still running?)";
});
events.addEventListener("open", () => {
  status.textContent = "";
});
switchUser();
