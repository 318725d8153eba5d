/** Exit codes are a public interface (README "Exit codes"). */
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
  "57P01": "the server is shutting down",
};

export function pgErrorWords(code: string | undefined): string | undefined {
  return code ? PG_ERROR_WORDS[code] : undefined;
}
