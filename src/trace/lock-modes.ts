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
 * The strongest mode that conflicts with none of the requests seen so far: holding it lets those
 * through and stops any request stronger than them. Undefined when nothing is left to find.
 */
export function probeMode(seen: Iterable<LockMode>, available: readonly LockMode[] = LOCK_MODES): LockMode | undefined {
  const requests = [...seen];
  for (const m of [...available].sort((a, b) => LOCK_MODES.indexOf(b) - LOCK_MODES.indexOf(a))) {
    if (requests.some((r) => conflicts(r, m))) continue;
    // A probe that nothing stronger than what was seen conflicts with teaches nothing.
    const strongest = Math.max(...requests.map((r) => LOCK_MODES.indexOf(r)));
    if (LOCK_MODES.slice(strongest + 1).some((stronger) => conflicts(stronger, m))) return m;
  }
  return undefined;
}

/** "ShareUpdateExclusiveLock" -> "SHARE UPDATE EXCLUSIVE" for LOCK TABLE. */
export function lockTableMode(mode: LockMode): string {
  return mode.replace(/Lock$/, "").replace(/([a-z])([A-Z])/g, "$1 $2").toUpperCase();
}

export function isLockMode(mode: string): mode is LockMode {
  return (LOCK_MODES as readonly string[]).includes(mode);
}
