import { defineRule } from "./define.js";

const MAX_BYTES = 63;

export default defineRule({
  id: "identifier-too-long",
  severity: "warning",
  summary: "Postgres silently truncates identifiers longer than 63 bytes, so later references by the full name fail",
  docs: {
    bad: "CREATE INDEX CONCURRENTLY IF NOT EXISTS index_on_users_for_the_lookup_by_email_address_and_organisation_id ON users (email, org_id);",
    good: "CREATE INDEX CONCURRENTLY IF NOT EXISTS users_email_org_id_idx ON users (email, org_id);",
  },
  check({ statement }) {
    const names = [
      statement.kind.startsWith("create-") ? statement.relation?.split(".").pop() : undefined,
      statement.index?.name,
      ...statement.columns.map((c) => c.name),
      ...statement.constraints.map((c) => c.name),
      ...statement.actions.map((a) => a.newName),
    ].filter((n): n is string => Boolean(n));
    return [...new Set(names)]
      .filter((n) => Buffer.byteLength(n, "utf8") > MAX_BYTES)
      .map((n) => ({
        message: `identifier "${n}" is ${Buffer.byteLength(n, "utf8")} bytes: Postgres truncates it to "${truncate(n)}"`,
        fix: `-- use a name of at most ${MAX_BYTES} bytes`,
      }));
  },
});

function truncate(name: string): string {
  let out = "";
  for (const ch of name) {
    if (Buffer.byteLength(out + ch, "utf8") > MAX_BYTES) break;
    out += ch;
  }
  return out;
}
