import type { StatementSummary } from "../analyze/describe.js";
import { LOCK_MODES, type StatementLock } from "../analyze/types.js";
import type { MigrationStatement } from "./types.js";

/** What the executor needs to know about one statement, from the analyzer's summary and lock prediction. */
export interface StatementFacts {
  kind: string;
  /** the analyzer's predicted locks that are strong enough to queue other sessions (ShareLock or stronger) */
  strongLocks: StatementLock[];
  /** CREATE INDEX CONCURRENTLY / REINDEX CONCURRENTLY: may leave an INVALID index behind on failure */
  buildsIndexConcurrently: boolean;
  /** CREATE INDEX: the schema-qualified index name, when given */
  indexName?: string;
  /** the table an index is built on */
  table?: string;
  /** safe to run again when a crash left its outcome unknown */
  rerunnable: boolean;
}

const RERUNNABLE = new Set(["vacuum", "analyze", "reindex", "cluster"]);
const STRONG_FROM = LOCK_MODES.indexOf("ShareLock");

export function statementFacts(stmt: MigrationStatement): StatementFacts {
  const s: Partial<StatementSummary> = stmt.summary ?? {};
  const kind = s.kind ?? "unknown";
  return {
    kind,
    strongLocks: (stmt.locks ?? []).filter((l) => LOCK_MODES.indexOf(l.mode) >= STRONG_FROM),
    buildsIndexConcurrently: (kind === "create-index" || kind === "reindex") && Boolean(s.concurrently),
    indexName: kind === "create-index" ? (s.index?.qualifiedName ?? s.index?.name) : undefined,
    table: kind === "create-index" ? s.relation : undefined,
    rerunnable: RERUNNABLE.has(kind) || (kind.startsWith("drop-") && Boolean(s.ifExists)),
  };
}
