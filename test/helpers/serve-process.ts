import { spawn, type ChildProcess } from "node:child_process";
import { CLI, REPO_ROOT } from "./cli.js";
import { until } from "./until.js";

/** A real `lockstep serve` in a child process (HTTP mode). */
export interface ServeProcess {
  child: ChildProcess;
  stderr(): string;
  /** resolves with the exit code (128 + n for a signal) */
  exited: Promise<number>;
  /** the port from its listening line, once it printed it */
  port(timeoutMs?: number): Promise<number>;
  /** the exit code, once it exited (fails after the deadline) */
  exit(timeoutMs?: number): Promise<number>;
  /** GET /healthz: status and body */
  health(): Promise<{ status: number; body: string }>;
  /** SIGTERM (or another signal), then wait for the exit */
  stop(signal?: NodeJS.Signals): Promise<number>;
}

/** Start `lockstep serve` with these settings over the test process's environment. */
export function startServe(env: NodeJS.ProcessEnv, cwd = REPO_ROOT): ServeProcess {
  const child = spawn(process.execPath, [CLI, "serve"], {
    cwd,
    env: { ...process.env, LOCKSTEP_CONFIG: "", PORT: "0", SLACK_APP_TOKEN: "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  child.stdout!.resume();
  const exited = new Promise<number>((resolve) => child.on("close", (code, signal) => resolve(code ?? (signal === "SIGKILL" ? 137 : 143))));
  let exitCode: number | undefined;
  void exited.then((c) => (exitCode = c));
  const port = (timeoutMs = 60_000) =>
    until(() => {
      const p = /HTTP on port (\d+)/.exec(stderr)?.[1];
      if (p) return Number(p);
      if (exitCode !== undefined) throw new Error(`lockstep serve exited ${exitCode} before listening:\n${stderr}`);
      return undefined;
    }, "lockstep serve to listen", timeoutMs).catch((e: Error) => {
      throw new Error(`${e.message}\nstderr so far:\n${stderr}`);
    });
  return {
    child,
    stderr: () => stderr,
    exited,
    port,
    exit: (timeoutMs = 45_000) => until(() => (exitCode === undefined ? undefined : { exitCode }), "lockstep serve to exit", timeoutMs).then((r) => r.exitCode),
    async health() {
      const res = await fetch(`http://127.0.0.1:${await port()}/healthz`);
      return { status: res.status, body: await res.text() };
    },
    async stop(signal = "SIGTERM") {
      if (exitCode === undefined) child.kill(signal);
      return exited;
    },
  };
}
