/**
 * SQL: whether a session of the current database holds the two-key advisory lock
 * (`classSql`, hashtext(`keySql`)), as taken by pg_try_advisory_lock(class, hashtext(key)).
 * One look at pg_locks, so a sweep can test every row it reads in a single query.
 */
export function advisoryLockHeld(classSql: string, keySql: string): string {
  return `EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
            AND classid = (${classSql})::oid AND objid = hashtext(${keySql})::oid AND objsubid = 2 AND granted)`;
}
