/** Naming helpers for the SQL that plans and rollbacks write. */

const PLAIN = /^[a-z_][a-z0-9_$]*$/;
const RESERVED = new Set([
  "all", "analyse", "analyze", "and", "any", "array", "as", "asc", "both", "case", "cast", "check", "collate", "column", "constraint",
  "create", "current_user", "default", "desc", "distinct", "do", "else", "end", "fetch", "for", "foreign", "from", "grant", "group",
  "having", "in", "initially", "into", "lateral", "leading", "limit", "not", "null", "offset", "on", "only", "or", "order", "placing",
  "primary", "references", "returning", "select", "some", "symmetric", "table", "then", "to", "trailing", "union", "unique", "user",
  "using", "variadic", "when", "where", "window", "with",
]);

/** An identifier, quoted only when Postgres needs it. */
export function ident(name: string): string {
  return PLAIN.test(name) && !RESERVED.has(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

/** A schema-qualified relation as SQL: `users` for public.users, `app."Users"` otherwise. */
export function sqlName(qualified: string): string {
  const [schema, name] = splitName(qualified);
  return schema === "public" ? ident(name) : `${ident(schema)}.${ident(name)}`;
}

export function splitName(qualified: string): [string, string] {
  const dot = qualified.indexOf(".");
  return dot >= 0 ? [qualified.slice(0, dot), qualified.slice(dot + 1)] : ["public", qualified];
}

/** The bare relation name of a qualified name. */
export function bareName(qualified: string): string {
  return splitName(qualified)[1];
}

/** A generated object name within Postgres' 63-byte limit. */
export function objectName(...parts: string[]): string {
  const name = parts.filter(Boolean).join("_").replace(/[^a-zA-Z0-9_]/g, "_").toLowerCase();
  return name.length <= 63 ? name : name.slice(0, 63);
}

/** A short file-name slug. */
export function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_+|_+$/g, "").slice(0, 60) || "step";
}
