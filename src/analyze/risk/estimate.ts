/**
 * How long the heavy part of a statement takes, from the table's size (pg_total_relation_size).
 * Throughputs were measured on embedded Postgres 18 by bench/calibrate-risk.ts (default settings,
 * maintenance_work_mem 64MB, warm cache, one index); docs/check.md "Risk and estimates" gives the
 * measured error. Production disks, cold caches and extra indexes make real runs slower, so the
 * estimate is a lower bound of the right order of magnitude, not a promise.
 */
export type WorkKind =
  /** new storage for the table and every index (ALTER TYPE with conversion, VACUUM FULL, ...) */
  | "rewrite"
  /** one index built while the statement holds its lock */
  | "index-build"
  /** a constraint checked against every row (VALIDATE, ADD CONSTRAINT without NOT VALID, FK) */
  | "validate"
  /** every row read to prove something (SET NOT NULL without a proof, ATTACH PARTITION) */
  | "scan"
  /** every row updated or deleted by one statement (row locks held until commit) */
  | "update-all";

/**
 * Bytes of pg_total_relation_size processed per second, by kind: bench/calibrate-risk.ts, 3 runs
 * per size at 28 MB .. 840 MB, on a shared 2-core machine under load (the slower of two sessions;
 * a quiet run was 1.2-3x faster). Measured error of these constants per size: up to ±80%.
 */
export const THROUGHPUT_BYTES_PER_SECOND: Record<WorkKind, number> = {
  rewrite: 80e6,
  "index-build": 135e6,
  validate: 600e6,
  scan: 600e6,
  "update-all": 5e6,
};

export function estimateSeconds(kind: WorkKind, bytes: number): number {
  return bytes / THROUGHPUT_BYTES_PER_SECOND[kind];
}
