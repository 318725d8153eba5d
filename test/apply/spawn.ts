import { spawn, type ChildProcess } from "node:child_process";
import { CLI, REPO_ROOT, type CliResult } from "../helpers/cli.js";
import { until } from "../helpers/until.js";

export interface RunningCli {
  child: ChildProcess;
  /** stderr so far */
  stderr(): string;
  done: Promise<CliResult>;
}

/** Start the built CLI and keep a handle on it (to watch its progress or kill it). */
export function startLockstep(args: string[], env: NodeJS.ProcessEnv, cwd = REPO_ROOT): RunningCli {
  const child = spawn(process.execPath, [CLI, ...args], { cwd, env, stdio: ["pipe", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  child.stdin!.end();
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code: code ?? (signal ? 128 + 9 : -1), stdout, stderr }));
  });
  return { child, stderr: () => stderr, done };
}

/** Poll until `check` returns a truthy value (no fixed sleeps); fails after the deadline. */
export function waitFor<T>(what: string, check: () => Promise<T | undefined | null | false> | T | undefined | null | false, deadlineMs = 30_000): Promise<T> {
  return until(check, what, deadlineMs);
}

export function jsonLines(text: string): Array<Record<string, unknown>> {
  return text.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as Record<string, unknown>);
}
