import pg from "pg";
import { UserError, pgErrorWords } from "../errors.js";
import { redact } from "../redact.js";
import { getTarget, type Config } from "../config.js";

/**
 * Where a command's database comes from: `--db URL`, `--db env:VAR` (keeps the URL out of `ps`),
 * or `--target NAME` (the target's url_env; readonly_url_env when only reading).
 */
export function resolveDatabaseUrl(
  opts: { db?: string; target?: string; readonly?: boolean },
  config: Config,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  if (opts.db && opts.target) throw new UserError("usage", "give either --db or --target, not both");
  if (opts.db) {
    if (opts.db.startsWith("env:")) return readEnvUrl(opts.db.slice(4), "--db", env);
    return opts.db;
  }
  if (opts.target) {
    const target = getTarget(config, opts.target);
    const varName = opts.readonly && target.readonly_url_env ? target.readonly_url_env : target.url_env;
    return readEnvUrl(varName, `target ${opts.target}`, env);
  }
  return undefined;
}

function readEnvUrl(name: string, what: string, env: NodeJS.ProcessEnv): string {
  const value = env[name];
  if (!value) throw new UserError("env-missing", `${what}: environment variable ${name} is not set`);
  return value;
}

/**
 * How long a read-only session waits for a lock. Reading the catalog (pg_get_expr and friends)
 * takes ACCESS SHARE on tables: behind a migration holding ACCESS EXCLUSIVE it would wait for as
 * long as that migration runs.
 */
export const READONLY_LOCK_TIMEOUT_MS = 10_000;

/** Open one client, turning connection failures into a plain, redacted message. */
export async function connect(url: string, opts: { applicationName?: string; readonly?: boolean } = {}): Promise<pg.Client> {
  let client: pg.Client;
  try {
    client = new pg.Client({
      connectionString: url,
      application_name: opts.applicationName ?? "lockstep",
      connectionTimeoutMillis: 10_000,
    });
  } catch (e) {
    // pg parses the URL as the client is made: a malformed one is the user's to fix, not a crash
    throw new UserError("db-url-invalid", `not a valid connection URL: ${redact(url)} (${redact((e as Error).message)})`, {
      hint: "use a postgres:// URL, or env:VAR to read it from a variable",
      cause: e,
    });
  }
  client.on("error", () => undefined);
  try {
    await client.connect();
    if (opts.readonly) await client.query(`SET default_transaction_read_only = on; SET lock_timeout = ${READONLY_LOCK_TIMEOUT_MS}`);
  } catch (e) {
    await client.end().catch(() => undefined);
    throw connectionError(url, e);
  }
  return client;
}

/**
 * Read the catalog of `url` over a read-only session: a lock wait longer than
 * READONLY_LOCK_TIMEOUT_MS becomes a plain error instead of a hang.
 */
export async function readCatalog<T>(url: string, applicationName: string, read: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = await connect(url, { applicationName, readonly: true });
  try {
    // one snapshot for every query of the read: a schema a migration creates meanwhile is seen whole
    // or not at all (not its tables without the schema); the transaction ends with the connection
    await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    return await read(client);
  } catch (e) {
    throw catalogReadError(url, e);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A lock wait longer than READONLY_LOCK_TIMEOUT_MS in a catalog read, in plain words (db-busy); other errors as they are. */
export function catalogReadError(url: string, e: unknown): unknown {
  if ((e as { code?: string }).code !== "55P03") return e;
  return new UserError("db-busy", `reading the catalog of ${redact(url)} waited ${READONLY_LOCK_TIMEOUT_MS / 1000} s for a lock: a session holds an ACCESS EXCLUSIVE lock on a table (a migration running?)`, {
    hint: "try again once it is done",
    cause: e,
  });
}

export function connectionError(url: string, e: unknown): UserError {
  const err = e as { code?: string; message?: string };
  const words = pgErrorWords(err.code) ?? redact(err.message ?? String(e));
  return new UserError("db-unreachable", `cannot connect to ${redact(url)}: ${words}`, { cause: e });
}

/** Quote an identifier the way Postgres does (only when needed is not worth the risk). */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** Replace the database name in a connection URL. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}
