/** Exit codes are a public interface (docs/cli.md "Exit codes"). */
export const ExitCode = {
  ok: 0,
  findings: 1,
  usage: 2,
  internal: 3,
  stopped: 4,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * A problem the user can fix (bad flag, bad config, unreadable file, unreachable database).
 * Everything else that is thrown is a bug.
 */
export class UserError extends Error {
  readonly code: string;
  readonly hint?: string;
  readonly exitCode: ExitCodeValue;
  constructor(code: string, message: string, opts: { hint?: string; exitCode?: ExitCodeValue; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = "UserError";
    this.code = code;
    this.hint = opts.hint;
    this.exitCode = opts.exitCode ?? ExitCode.usage;
  }
}

export function isUserError(e: unknown): e is UserError {
  return e instanceof UserError;
}

/** Postgres SQLSTATE codes users meet most, in plain words. */
const PG_ERROR_WORDS: Record<string, string> = {
  "55P03": "could not get the lock in time (lock_timeout)",
  "57014": "the statement was cancelled (statement_timeout or a cancel request)",
  "40P01": "deadlock detected",
  "40001": "serialization failure",
  "23505": "a unique constraint was violated",
  "23503": "a foreign key constraint was violated",
  "23502": "a NOT NULL constraint was violated",
  "23514": "a check constraint was violated",
  "42P01": "the table does not exist",
  "42703": "the column does not exist",
  "42501": "permission denied",
  "25006": "the connection is read-only",
  "25001": "this statement cannot run inside a transaction block",
  "28P01": "authentication failed (wrong password)",
  "28000": "the login was rejected",
  "3D000": "the database does not exist",
  "53300": "too many connections",
  "57P01": "the session was terminated (server shutting down or pg_terminate_backend)",
  "42P07": "the table or index already exists",
  "42701": "the column already exists",
  "42710": "the object already exists",
  "42704": "the object does not exist",
  "42883": "the function or operator does not exist",
  "42804": "the value has the wrong data type",
  "42P16": "the table definition is invalid",
  "2BP01": "other objects depend on it (use a separate migration, or CASCADE deliberately)",
  "23P01": "an exclusion constraint was violated",
  "22P02": "a value could not be converted to the column's type",
  "22001": "a value is too long for the column",
  "0A000": "this is not supported by this Postgres version or in this context",
  "55006": "the object is in use by another session",
  "55000": "the object is not in the required state",
  "42601": "syntax error",
  "22012": "division by zero",
  "57P02": "the server crashed (crash shutdown)",
  "08006": "the connection to the database was lost",
  "08003": "the connection to the database does not exist",
  "53100": "the disk is full",
  "53200": "the server ran out of memory",
};

export function pgErrorWords(code: string | undefined): string | undefined {
  return code ? PG_ERROR_WORDS[code] : undefined;
}

/** Network and server states that mean "try again later", not "fix your input". */
const UNAVAILABLE_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "57P01", "57P02", "57P03", "53300", "55000", "08000", "08001", "08003", "08006"]);

/** Is `e` a database (or network) being out of reach for a while? */
export function isUnavailable(e: unknown): boolean {
  for (let cur: unknown = e, depth = 0; cur && depth < 5; cur = (cur as { cause?: unknown }).cause, depth++) {
    const err = cur as { code?: string; message?: string; errors?: unknown[] };
    if (err.code && UNAVAILABLE_CODES.has(err.code)) return true;
    if (/Connection terminated|timeout exceeded when trying to connect|not currently accepting connections|the database system is (starting up|shutting down)/i.test(err.message ?? "")) return true;
    if (Array.isArray(err.errors) && err.errors.some(isUnavailable)) return true;
  }
  return false;
}
