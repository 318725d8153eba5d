import type { DownFileCheck, RollbackEntry } from "../analyze/types.js";
import { formatChange } from "../plan/catalog-diff.js";

const VERIFIED = (v: boolean | null) => (v === true ? ", verified" : v === false ? ", NOT verified" : "");

/** A statement's rollback for text output: class, verification, the SQL, and any catalog diff. Pure. */
export function rollbackLines(e: RollbackEntry, indent = "      "): string[] {
  const out = [`${indent}rollback (${e.recoverability}${VERIFIED(e.verified)}): ${e.sql ? e.sql.split("\n")[0] : "-"}${e.sql.includes("\n") ? " …" : ""}`];
  if (e.note) out.push(`${indent}  ${e.note}`);
  for (const c of e.diff ?? []) out.push(`${indent}  ${formatChange(c)}`);
  return out;
}

/** A verified down file for text output. Pure. */
export function downFileLines(d: DownFileCheck, indent = "  "): string[] {
  const verdict = d.verified === true ? "restores the schema (verified)" : d.verified === false ? "does NOT restore the schema" : "not verified";
  const out = [`${indent}down file ${d.path}: ${verdict}${d.note ? ` — ${d.note}` : ""}`];
  for (const c of d.diff) out.push(`${indent}  ${formatChange(c)}`);
  for (const x of d.destroys) out.push(`${indent}  destroys data (statement ${x.statement + 1}): ${x.note}`);
  return out;
}
