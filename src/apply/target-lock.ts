import type pg from "pg";

/** Advisory lock key pair on the TARGET database: one apply at a time, whichever process or replica runs it. */
const APPLY_LOCK = [0x6c6b7370, 1] as const; // "lksp"

/** Session-level: held until unlockTarget or the session ends (so a killed runner releases it). */
export async function tryLockTarget(monitor: pg.ClientBase): Promise<boolean> {
  const r = await monitor.query<{ ok: boolean }>("SELECT pg_try_advisory_lock($1, $2) AS ok", [...APPLY_LOCK]);
  return r.rows[0]!.ok;
}

export async function unlockTarget(monitor: pg.ClientBase): Promise<void> {
  await monitor.query("SELECT pg_advisory_unlock($1, $2)", [...APPLY_LOCK]);
}
