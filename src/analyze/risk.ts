import { LOCK_MODES, RISKS, type LockMode, type Risk, type StatementLock } from "./types.js";

/** Until findings rate a statement, its risk is what its strongest lock blocks. */
export function riskFromLocks(locks: StatementLock[]): Risk {
  const strongest = strongestMode(locks.map((l) => l.mode));
  if (!strongest) return "low";
  if (strongest === "AccessExclusiveLock") return "high";
  // Share and stronger block writes for as long as the statement holds them.
  return LOCK_MODES.indexOf(strongest) >= LOCK_MODES.indexOf("ShareLock") ? "medium" : "low";
}

export function strongestMode(modes: Iterable<LockMode>): LockMode | undefined {
  let best: LockMode | undefined;
  for (const m of modes) if (!best || LOCK_MODES.indexOf(m) > LOCK_MODES.indexOf(best)) best = m;
  return best;
}

export function maxRisk(risks: Iterable<Risk>): Risk {
  let best: Risk = "low";
  for (const r of risks) if (RISKS.indexOf(r) > RISKS.indexOf(best)) best = r;
  return best;
}
