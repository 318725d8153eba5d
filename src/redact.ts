/**
 * Hide secrets in anything we print: passwords in connection strings (URL and key=value forms)
 * and Slack tokens.
 */
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*):([^@\s/]*)@/gi;
const KV_PASSWORD = /\b(password\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s]+)/gi;
const QUERY_PASSWORD = /([?&]password=)([^&\s]+)/gi;
const SLACK_TOKEN = /\bx(?:ox[abposr]|app)-[A-Za-z0-9-]+/g;

export function redact(text: string): string {
  return text
    .replace(URL_PASSWORD, "$1:***@")
    .replace(QUERY_PASSWORD, "$1***")
    .replace(KV_PASSWORD, "$1***")
    .replace(SLACK_TOKEN, (t) => `${t.slice(0, 5)}***`);
}

/** True when the text looks like a connection string rather than a name. */
export function looksLikeConnectionString(text: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(text.trim()) || /\b(host|dbname|user|password)\s*=/.test(text);
}
