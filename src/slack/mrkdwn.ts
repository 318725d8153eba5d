/**
 * Slack mrkdwn helpers. Everything a user or a migration file supplies goes through escapeMrkdwn,
 * so `<!channel>`, `<@U123>` or `<http://x|y>` arrive as inert text.
 */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Cut to at most `max` characters, marking the cut. */
export function shorten(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, Math.max(0, max - 1))}…`;
}

/** SQL (or any text) as an escaped code block no longer than `max` characters in total. */
export function codeBlock(text: string, max: number): string {
  const fence = "```";
  const body = escapeMrkdwn(text.replace(/```/g, "`\u200b``").trim());
  return `${fence}${shorten(body, Math.max(0, max - 2 * fence.length))}${fence}`;
}

export function userMention(userId: string): string {
  // user ids are [A-Z0-9]; anything else is shown as text
  return /^[A-Z0-9]+$/.test(userId) ? `<@${userId}>` : escapeMrkdwn(userId);
}
