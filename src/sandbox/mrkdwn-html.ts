/**
 * Slack mrkdwn -> HTML for the sandbox page. Everything from the bot ends up as escaped text;
 * the only markup is what this module writes itself (b, i, s, code, pre, br, a to http(s) URLs,
 * mention spans).
 */

export interface Names {
  /** a user id's display name (mentions) */
  userName(id: string): string;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&${{ "&": "amp", "<": "lt", ">": "gt", '"': "quot", "'": "#39" }[c]};`);
}

/** Slack's three escapes (&amp; &lt; &gt;), undone to get the text back. */
function unescapeSlack(text: string): string {
  return text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

/** The emoji the bot uses (and a few more); any other :name: stays as it is. */
const EMOJI: Record<string, string> = {
  white_check_mark: "✅", x: "❌", no_entry: "⛔", no_entry_sign: "🚫", warning: "⚠️", rocket: "🚀",
  rewind: "⏪", page_facing_up: "📄", information_source: "ℹ️", hourglass: "⌛", hourglass_flowing_sand: "⏳",
  see_no_evil: "🙈", red_circle: "🔴", large_yellow_circle: "🟡", large_orange_circle: "🟠", large_green_circle: "🟢",
  octagonal_sign: "🛑", double_vertical_bar: "⏸️", boom: "💥", arrows_counterclockwise: "🔄", alarm_clock: "⏰",
  lock: "🔒", tada: "🎉", eyes: "👀", heavy_check_mark: "✔️", arrow_forward: "▶️",
};

/** Mark-up around a run of text, only at word edges (snake_case_names stay as they are). */
const FORMATS: Array<[RegExp, string]> = [
  [/(^|[^\p{L}\p{N}*])\*(?=\S)([^*\n]*?\S)\*(?![\p{L}\p{N}*])/gu, "b"],
  [/(^|[^\p{L}\p{N}_])_(?=\S)([^_\n]*?\S)_(?![\p{L}\p{N}_])/gu, "i"],
  [/(^|[^\p{L}\p{N}~])~(?=\S)([^~\n]*?\S)~(?![\p{L}\p{N}~])/gu, "s"],
];

/** Placeholders for the parts rendered first (code, links, mentions): private-use characters the text cannot hold. */
const HOLE = "\uE000";
const HOLE_RE = /\uE000(\d+)\uE001/g;

export function mrkdwnToHtml(mrkdwn: string, names: Names): string {
  const held: string[] = [];
  const hold = (html: string) => `${HOLE}${held.push(html) - 1}\uE001`;
  let text = mrkdwn.replace(/[\uE000\uE001]/g, "");
  // ```code blocks```, then `inline code`: verbatim, escaped
  text = text.replace(/```([\s\S]*?)```\n?/g, (_m, code: string) => hold(`<pre class="bk-code">${escapeHtml(unescapeSlack(code.replace(/^\n/, "")))}</pre>`));
  text = text.replace(/`([^`\n]+)`/g, (_m, code: string) => hold(`<code>${escapeHtml(unescapeSlack(code))}</code>`));
  // <@U123>, <#C123|name>, <!here>, <https://x|label>: the only raw angle brackets in escaped mrkdwn
  text = text.replace(/<([^<>\n]*)>/g, (_m, inner: string) => hold(special(inner, names)));
  let html = escapeHtml(unescapeSlack(text));
  for (const [re, tag] of FORMATS) html = html.replace(re, (_m, before: string, body: string) => `${before}<${tag}>${body}</${tag}>`);
  html = html.replace(/:([a-z0-9_+-]+):/g, (m, name: string) => EMOJI[name] ?? m);
  html = html.replace(/\n/g, "<br>");
  // a hole may hold others (a link label with code): fill until none is left
  for (let depth = 0; depth <= held.length && html.includes(HOLE); depth++) html = html.replace(HOLE_RE, (_m, i: string) => held[Number(i)]!);
  return html;
}

function special(inner: string, names: Names): string {
  const [target = "", label] = inner.split("|", 2) as [string, string | undefined];
  if (target.startsWith("@")) return `<span class="bk-mention">@${escapeHtml(label ?? names.userName(target.slice(1)))}</span>`;
  if (target.startsWith("#")) return `<span class="bk-mention">#${escapeHtml(label ?? target.slice(1))}</span>`;
  if (target.startsWith("!")) return `<span class="bk-mention">@${escapeHtml(label ?? target.slice(1).split("^")[0]!)}</span>`;
  if (/^https?:\/\//i.test(target)) {
    return `<a href="${escapeHtml(unescapeSlack(target))}" target="_blank" rel="noopener noreferrer">${escapeHtml(unescapeSlack(label ?? target))}</a>`;
  }
  // anything else is not a link: shown as the text it is
  return escapeHtml(`<${unescapeSlack(inner)}>`);
}

/** A plain_text object: escaped, emoji names shown when the block asks for them. */
export function plainToHtml(text: string, emoji = true): string {
  const html = escapeHtml(text).replace(/\n/g, "<br>");
  return emoji ? html.replace(/:([a-z0-9_+-]+):/g, (m, name: string) => EMOJI[name] ?? m) : html;
}
