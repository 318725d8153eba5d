import { scanSync } from "libpg-query";
import { defineRule } from "./define.js";

const MAX_BYTES = 63;
/** a run of identifier characters long enough to matter: cheap pre-check before scanning */
const LONG_RUN = /[\p{L}\p{N}_$"]{64,}/u;

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
    if (!/^(create|alter)-/.test(statement.kind) || !LONG_RUN.test(report.sql)) return [];
    return [...new Set(longIdentifiers(report.sql))].map((name) => ({
      message: `identifier ${name} is ${Buffer.byteLength(unquote(name), "utf8")} bytes: Postgres truncates it to ${truncate(unquote(name))}`,
      fix: `-- use a name of at most ${MAX_BYTES} bytes`,
    }));
  },
});

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
