import { LOCK_MODES, type LockMode } from "../analyze/types.js";

/** Postgres' lock conflict table (docs: "Conflicting Lock Modes"). */
const CONFLICTS: Record<LockMode, LockMode[]> = {
  AccessShareLock: ["AccessExclusiveLock"],
  RowShareLock: ["ExclusiveLock", "AccessExclusiveLock"],
  RowExclusiveLock: ["ShareLock", "ShareRowExclusiveLock", "ExclusiveLock", "AccessExclusiveLock"],
  ShareUpdateExclusiveLock: ["ShareUpdateExclusiveLock", "ShareLock", "ShareRowExclusiveLock", "ExclusiveLock", "AccessExclusiveLock"],
  ShareLock: ["RowExclusiveLock", "ShareUpdateExclusiveLock", "ShareRowExclusiveLock", "ExclusiveLock", "AccessExclusiveLock"],
  ShareRowExclusiveLock: ["RowExclusiveLock", "ShareUpdateExclusiveLock", "ShareLock", "ShareRowExclusiveLock", "ExclusiveLock", "AccessExclusiveLock"],
  ExclusiveLock: ["RowShareLock", "RowExclusiveLock", "ShareUpdateExclusiveLock", "ShareLock", "ShareRowExclusiveLock", "ExclusiveLock", "AccessExclusiveLock"],
  AccessExclusiveLock: [...LOCK_MODES],
};

export function conflicts(a: LockMode, b: LockMode): boolean {
  return CONFLICTS[a].includes(b);
}

/**
 * The mode to hold on a relation while a statement runs: the strongest that conflicts with none of
 * the modes the statement holds or waits for now (`current`: holding it never blocks those), and
 * that conflicts with some mode stronger than the strongest it has requested so far (`seen`), so a
 * later, stronger request waits and is seen. Undefined when nothing is left to find.
 */
export function holdMode(seen: Iterable<LockMode>, current: Iterable<LockMode>, available: readonly LockMode[] = LOCK_MODES): LockMode | undefined {
  const now = [...current];
  const strongest = Math.max(-1, ...[...seen].map((r) => LOCK_MODES.indexOf(r)));
  const stronger = LOCK_MODES.slice(strongest + 1);
  for (const m of [...available].sort((a, b) => LOCK_MODES.indexOf(b) - LOCK_MODES.indexOf(a))) {
    if (now.some((r) => conflicts(r, m))) continue;
    // a hold that nothing stronger than what was seen conflicts with teaches nothing
    if (stronger.some((s) => conflicts(s, m))) return m;
  }
  return undefined;
}

/**
 * The strongest mode that conflicts with none of the requests seen so far: holding it lets those
 * through and stops any request stronger than them. For a statement started afresh, which will
 * request what it requested before.
 */
export function probeMode(seen: Iterable<LockMode>, available: readonly LockMode[] = LOCK_MODES): LockMode | undefined {
  const modes = [...seen];
  return holdMode(modes, modes, available);
}

/** "ShareUpdateExclusiveLock" -> "SHARE UPDATE EXCLUSIVE" for LOCK TABLE. */
export function lockTableMode(mode: LockMode): string {
  return mode.replace(/Lock$/, "").replace(/([a-z])([A-Z])/g, "$1 $2").toUpperCase();
}

export function isLockMode(mode: string): mode is LockMode {
  return (LOCK_MODES as readonly string[]).includes(mode);
}
