import { scanSync } from "../parse.js";
import { defineRule } from "./define.js";

const MAX_BYTES = 63;
/** a run of identifier characters long enough to matter: cheap pre-check before scanning */
const MIN_RUN = MAX_BYTES + 1;

export default defineRule({
  id: "identifier-too-long",
  severity: "warning",
  summary: "Postgres silently truncates identifiers longer than 63 bytes, so names in code and in the catalog differ",
  docs: {
    bad: "CREATE INDEX CONCURRENTLY IF NOT EXISTS index_on_users_for_the_lookup_by_email_address_and_organisation_id ON users (email, org_id);",
    good: "CREATE INDEX CONCURRENTLY IF NOT EXISTS users_email_org_id_idx ON users (email, org_id);",
    why: "The parser truncates before anything else sees the name (the parse tree only has the short one), so this rule reads the statement's tokens.",
  },
  check({ statement, report }) {
    if (!/^(create|alter|drop|comment)/.test(statement.kind) || !hasLongRun(report.sql)) return [];
    return [...new Set(longIdentifiers(report.sql))].map((name) => ({
      message: `identifier ${name} is ${Buffer.byteLength(unquote(name), "utf8")} bytes: Postgres truncates it to ${truncate(unquote(name))}`,
      fix: `-- use a name of at most ${MAX_BYTES} bytes`,
    }));
  },
});

/**
 * Is there a run of identifier characters, or a double-quoted identifier, of more than 63 bytes?
 * One pass (a regex restarts at every character of a shorter run: quadratic on long statements),
 * counting UTF-8 bytes: a 25-character emoji name can be 75 bytes.
 */
function hasLongRun(sql: string): boolean {
  let run = 0;
  for (let i = 0; i < sql.length; i++) {
    const c = sql.charCodeAt(i);
    if (c === 34) {
      // a quoted identifier may hold spaces and punctuation: count up to the closing quote
      let bytes = 0;
      for (i++; i < sql.length && !(sql.charCodeAt(i) === 34 && sql.charCodeAt(i + 1) !== 34); i++) {
        if (sql.charCodeAt(i) === 34) i++;
        if ((bytes += utf8Bytes(sql.charCodeAt(i))) >= MIN_RUN) return true;
      }
      run = 0;
      continue;
    }
    const identChar = (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 36 || c >= 0x80;
    if (!identChar) run = 0;
    else if ((run += utf8Bytes(c)) >= MIN_RUN) return true;
  }
  return false;
}

/** UTF-8 bytes of one UTF-16 unit (each half of a surrogate pair counts 2: the pair is 4 bytes). */
function utf8Bytes(c: number): number {
  return c < 0x80 ? 1 : c < 0x800 || (c >= 0xd800 && c <= 0xdfff) ? 2 : 3;
}

function longIdentifiers(sql: string): string[] {
  try {
    return scanSync(sql)
      .tokens.filter((t) => t.tokenName === "IDENT" && Buffer.byteLength(unquote(t.text), "utf8") > MAX_BYTES)
      .map((t) => t.text);
  } catch {
    return [];
  }
}

function unquote(name: string): string {
  return name.startsWith('"') ? name.slice(1, -1).replace(/""/g, '"') : name.toLowerCase();
}

function truncate(name: string): string {
  let out = "";
  for (const ch of name) {
    if (Buffer.byteLength(out + ch, "utf8") > MAX_BYTES) break;
    out += ch;
  }
  return out;
}
