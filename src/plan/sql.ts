/** Naming helpers for the SQL that plans and rollbacks write. */

export { ident, sqlName } from "../analyze/rule-helpers.js";

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
