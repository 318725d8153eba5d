import type { StatementSummary } from "../describe.js";
import type { LockPrediction } from "../locks.js";
import { indexBuildingConstraints } from "../rule-helpers.js";
import type { Work } from "./risk.js";

/**
 * What the heavy part of a statement is, per relation: locks.ts says which relations are
 * rewritten or scanned; the statement's kind says whether a scan builds an index or validates.
 */
export function workOf(s: StatementSummary, p: LockPrediction, isNew: (relation: string) => boolean): Work[] {
  const work: Work[] = p.rewrites.map((relation) => ({ relation, kind: "rewrite" as const }));
  // ADD COLUMN ... NOT NULL without a default fails at the first row (or finds none): no long scan
  if (p.scans.length > 0 && !onlyRequiredColumns(s)) {
    const scanKind = buildsIndex(s) ? "index-build" : validates(s) ? "validate" : "scan";
    for (const relation of p.scans) work.push({ relation, kind: scanKind });
  }
  for (const d of wholeTableDml(s)) if (!isNew(d)) work.push({ relation: d, kind: "update-all" });
  return work;
}

function onlyRequiredColumns(s: StatementSummary): boolean {
  return s.actions.length > 0 && s.actions.every((a) => a.action === "add-column" && a.columnDef?.notNull && !a.columnDef.default && !a.columnDef.identity && !a.columnDef.generated && !a.columnDef.type.serial);
}

function buildsIndex(s: StatementSummary): boolean {
  if (s.kind === "create-index" || s.kind === "reindex") return true;
  if (indexBuildingConstraints(s, "unique").length || indexBuildingConstraints(s, "primary-key").length) return true;
  return s.actions.some((a) => a.action === "add-constraint" && a.constraint?.type === "exclusion");
}

function validates(s: StatementSummary): boolean {
  return s.actions.some((a) => a.action === "validate-constraint" || (a.action === "add-constraint" && (a.constraint?.type === "check" || a.constraint?.type === "foreign-key")));
}

/** Relations whose every row one statement updates or deletes (a DO block's unbatched DML too). */
function wholeTableDml(s: StatementSummary): string[] {
  const inner = s.kind === "do" && s.doBlock && !s.doBlock.batched ? s.doBlock.statements : [s];
  return inner.filter((x) => (x.kind === "update" || x.kind === "delete") && x.dml && !x.dml.where && x.relation).map((x) => x.relation!);
}

/** SET lock_timeout to something other than 0 (statement order matters: call per statement). */
export function setsLockTimeout(s: StatementSummary): boolean | undefined {
  if (s.setting?.name !== "lock_timeout") return undefined;
  if (s.kind === "reset") return false;
  return s.setting.value !== undefined && s.setting.value !== "0";
}
