import { escapeHtml } from "./mrkdwn-html.js";
import { SANDBOX_USERS } from "./users.js";

/** Commands the page offers to fill in (the channel's own text box takes any). */
export interface Suggestion {
  command: string;
  what: string;
}

/** The page: a sidebar (workspace, channel, who you are), the channel, a composer. Script and styles are separate files (CSP: 'self' only). */
export function pageHtml(opts: { channel: string; target: string; suggestions: Suggestion[] }): string {
  const users = SANDBOX_USERS.map((u) => `<option value="${escapeHtml(u.id)}">${escapeHtml(u.name)} (${escapeHtml(u.role)})</option>`).join("");
  const suggestions = opts.suggestions
    .map((s) => `<li><button type="button" class="suggestion" data-command="${escapeHtml(s.command)}"><code>${escapeHtml(s.command)}</code></button><span>${escapeHtml(s.what)}</span></li>`)
    .join("");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>#${escapeHtml(opts.channel)} - Lockstep sandbox</title>
<link rel="stylesheet" href="/sandbox.css">
<script type="module" src="/sandbox.js"></script>
</head>
<body>
<div class="app">
  <nav class="sidebar" aria-label="Workspace">
    <div class="workspace">Lockstep sandbox</div>
    <div class="section-title">Channels</div>
    <ul class="channels"><li class="active" aria-current="page"># ${escapeHtml(opts.channel)}</li></ul>
    <div class="section-title">Apps</div>
    <ul class="channels"><li>lockstep</li></ul>
    <div class="who">
      <label for="user">You are</label>
      <select id="user">${users}</select>
      <p class="note">Approvers of <code>${escapeHtml(opts.target)}</code>: alex and sam. Ephemeral replies show to their user only.</p>
    </div>
  </nav>
  <main class="channel" aria-label="Channel #${escapeHtml(opts.channel)}">
    <header class="channel-header">
      <h1># ${escapeHtml(opts.channel)}</h1>
      <p>The real Lockstep bot answers here: every request is signed with its signing secret, every reply is the Block Kit it sends to Slack.</p>
    </header>
    <section class="try" aria-label="Try these">
      <h2>Try</h2>
      <ul>${suggestions}</ul>
    </section>
    <div id="messages" class="messages" role="log" aria-live="polite" aria-label="Messages"></div>
    <div id="status" class="status" role="status" aria-live="polite"></div>
    <form id="composer" class="composer">
      <label for="text" id="composer-label">Message #${escapeHtml(opts.channel)}</label>
      <div class="composer-row">
        <input id="text" name="text" type="text" autocomplete="off" placeholder="/migrate help">
        <button type="submit">Send</button>
      </div>
    </form>
  </main>
</div>
<dialog id="modal" aria-labelledby="modal-title">
  <form id="modal-form" method="dialog">
    <h2 id="modal-title"></h2>
    <div id="modal-body"></div>
    <div class="modal-actions">
      <button type="button" id="modal-close" class="bk-button"></button>
      <button type="submit" id="modal-submit" class="bk-button bk-primary"></button>
    </div>
  </form>
</dialog>
</body>
</html>
`;
}

export const PAGE_CSS = `
* { box-sizing: border-box; }
[hidden] { display: none !important; }
body { margin: 0; font: 15px/1.46 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: #1d1c1d; background: #fff; }
code, pre { font-family: Menlo, Consolas, "DejaVu Sans Mono", monospace; font-size: 12px; }
.app { display: grid; grid-template-columns: 250px 1fr; height: 100vh; }
.sidebar { background: #3f0e40; color: #cfc3cf; padding: 12px 0; overflow-y: auto; }
.workspace { color: #fff; font-weight: 700; font-size: 18px; padding: 4px 16px 12px; border-bottom: 1px solid #5d2c5d; }
.section-title { padding: 12px 16px 4px; font-size: 14px; }
.channels { list-style: none; margin: 0; padding: 0; }
.channels li { padding: 3px 16px 3px 26px; }
.channels li.active { background: #1164a3; color: #fff; }
.who { margin: 16px; padding-top: 12px; border-top: 1px solid #5d2c5d; }
.who label { display: block; color: #fff; font-weight: 700; margin-bottom: 4px; }
.who select { width: 100%; font: inherit; padding: 4px; }
.who .note { font-size: 13px; }
.who code { color: #fff; }
.channel { display: flex; flex-direction: column; min-height: 0; }
.channel-header { padding: 10px 20px; border-bottom: 1px solid #ddd; }
.channel-header h1 { font-size: 18px; margin: 0; }
.channel-header p { margin: 2px 0 0; color: #616061; font-size: 13px; }
.try { padding: 6px 20px; border-bottom: 1px solid #eee; background: #f8f8f8; }
.try h2 { font-size: 13px; margin: 0 0 4px; color: #616061; }
.try ul { list-style: none; margin: 0; padding: 0; display: flex; flex-wrap: wrap; gap: 4px 16px; }
.try li span { color: #616061; font-size: 13px; margin-left: 6px; }
.suggestion { border: 1px solid #ccc; background: #fff; border-radius: 4px; padding: 1px 6px; cursor: pointer; }
.messages { flex: 1; overflow-y: auto; padding: 8px 0; }
.msg { display: grid; grid-template-columns: 36px 1fr; gap: 8px; padding: 6px 20px; }
.msg:hover { background: #f8f8f8; }
.avatar { width: 36px; height: 36px; border-radius: 4px; background: #2bac76; color: #fff; display: grid; place-items: center; font-weight: 700; }
.msg.bot .avatar { background: #1f3b57; }
.meta { font-size: 15px; }
.meta .name { font-weight: 900; }
.meta .app-badge { font-size: 10px; background: #ddd; color: #555; border-radius: 2px; padding: 0 3px; margin-left: 4px; vertical-align: 2px; }
.meta time { color: #616061; font-size: 12px; margin-left: 6px; }
.ephemeral-note { color: #616061; font-size: 13px; }
.msg.ephemeral { background: #f4ede4; }
.thread { margin: 4px 0 0 0; border-left: 3px solid #ddd; padding-left: 8px; }
.thread .msg { padding: 4px 8px; }
.thread-toggle { background: none; border: none; color: #1264a3; font: inherit; font-size: 13px; font-weight: 700; cursor: pointer; padding: 2px 0; }
.bk-header { font-size: 18px; font-weight: 900; margin: 4px 0; }
.bk-section { margin: 4px 0; display: flex; gap: 8px; align-items: flex-start; }
.bk-section .bk-text { flex: 1; }
.bk-fields { display: grid; grid-template-columns: 1fr 1fr; gap: 4px 16px; }
.bk-context { color: #616061; font-size: 13px; margin: 4px 0; }
.bk-context span + span { margin-left: 8px; }
.bk-divider { border: 0; border-top: 1px solid #ddd; margin: 8px 0; }
.bk-actions { display: flex; flex-wrap: wrap; gap: 8px; margin: 8px 0; }
.bk-button { font: inherit; font-size: 13px; font-weight: 700; padding: 4px 12px; border: 1px solid #bbb; border-radius: 4px; background: #fff; color: #1d1c1d; cursor: pointer; text-decoration: none; }
.bk-button:hover { background: #f6f6f6; }
.bk-button:focus-visible, .suggestion:focus-visible, .thread-toggle:focus-visible { outline: 3px solid #1264a3; outline-offset: 1px; }
.bk-button:disabled { opacity: .5; cursor: progress; }
.bk-primary { background: #007a5a; border-color: #007a5a; color: #fff; }
.bk-primary:hover { background: #148567; }
.bk-danger { background: #e01e5a; border-color: #e01e5a; color: #fff; }
.bk-danger:hover { background: #e8457a; }
.bk-code { background: #f8f8f8; border: 1px solid #ddd; border-radius: 4px; padding: 8px; white-space: pre-wrap; word-break: break-word; margin: 4px 0; }
.bk-text code, .bk-context code { background: #f8f8f8; border: 1px solid #ddd; border-radius: 3px; padding: 0 2px; color: #e01e5a; }
.bk-mention { background: #e8f5fa; color: #1264a3; border-radius: 3px; padding: 0 2px; }
.bk-unknown { color: #a00; font-style: italic; }
.bk-input { margin: 12px 0; }
.bk-input label { display: block; font-weight: 700; margin-bottom: 4px; }
.bk-input textarea, .bk-input input, .bk-input select { width: 100%; font: inherit; padding: 6px; border: 1px solid #bbb; border-radius: 4px; }
.bk-optional { font-weight: 400; color: #616061; }
.bk-hint { color: #616061; font-size: 13px; }
.bk-error { color: #e01e5a; font-size: 13px; }
.file summary { cursor: pointer; }
.file-name { color: #616061; font-size: 12px; }
.status { padding: 0 20px; color: #e01e5a; min-height: 1em; font-size: 13px; }
.composer { padding: 8px 20px 16px; }
.composer label { display: block; font-size: 13px; color: #616061; margin-bottom: 2px; }
.composer-row { display: flex; gap: 8px; }
.composer input { flex: 1; font: inherit; padding: 8px; border: 1px solid #bbb; border-radius: 6px; }
.composer button { font: inherit; font-weight: 700; padding: 0 16px; border: 0; border-radius: 6px; background: #007a5a; color: #fff; cursor: pointer; }
dialog { border: 0; border-radius: 8px; box-shadow: 0 10px 40px rgba(0,0,0,.3); width: min(560px, 92vw); padding: 20px; }
dialog h2 { margin: 0 0 8px; font-size: 20px; }
.modal-actions { display: flex; justify-content: flex-end; gap: 8px; margin-top: 12px; }
`;
