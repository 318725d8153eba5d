import { spawn } from "node:child_process";
import { accessSync, constants } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline";
import { ripgrepGlobs, type Selection } from "./selection.js";

/**
 * ripgrep, when installed, picks the files that mention a name (native, parallel, and it skips
 * the rest without Node reading them); the built-in scanner then reads just those files and
 * decides, comments excluded, exactly as it does on its own. LOCKSTEP_RIPGREP names the binary,
 * or `off` to always use the built-in scanner.
 */
export function findRipgrep(env: NodeJS.ProcessEnv): string | undefined {
  const chosen = env.LOCKSTEP_RIPGREP;
  if (chosen === "off") return undefined;
  if (chosen) return chosen;
  for (const dir of (env.PATH ?? "").split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, process.platform === "win32" ? "rg.exe" : "rg");
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** A ripgrep run that failed as a whole (not: some files unreadable). */
export class RipgrepFailed extends Error {}

/** Absolute paths of the selected files that mention the pattern anywhere (comments included), as ripgrep finds them. */
export async function* ripgrepCandidates(rg: string, sel: Selection, pattern: string): AsyncGenerator<string> {
  const child = spawn(rg, [...ripgrepGlobs(sel), "--json", "--max-count", "1", "-e", pattern, "--", "."], { cwd: sel.root, stdio: ["ignore", "pipe", "pipe"] });
  const exited = exitOf(child);
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr = (stderr + d).slice(-2000)));
  let summary = false;
  for await (const line of createInterface({ input: child.stdout })) {
    const event = JSON.parse(line) as { type: string; data?: { path?: { text?: string; bytes?: string } } };
    if (event.type === "summary") summary = true;
    if (event.type !== "begin" || !event.data?.path) continue;
    const p = event.data.path.text ?? Buffer.from(event.data.path.bytes ?? "", "base64").toString();
    yield path.resolve(sel.root, p);
  }
  const code = await exited.wait();
  // 0: matches, 1: none, 2: an error (some files unreadable still give a summary)
  if (code !== 0 && code !== 1 && !summary) throw new RipgrepFailed(`ripgrep failed (exit code ${code}): ${stderr.trim()}`);
}

/** How many files the selection holds (ripgrep's own listing, so the count is the files it searched). */
export async function ripgrepFileCount(rg: string, sel: Selection): Promise<number> {
  const child = spawn(rg, [...ripgrepGlobs(sel), "--files", "--", "."], { cwd: sel.root, stdio: ["ignore", "pipe", "ignore"] });
  const exited = exitOf(child);
  let count = 0;
  for await (const chunk of child.stdout as AsyncIterable<Buffer>) for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) count++;
  const code = await exited.wait();
  if (code !== 0 && code !== 1 && count === 0) throw new RipgrepFailed(`ripgrep --files failed (exit code ${code})`);
  return count;
}

/** The exit code; a binary that cannot be started gives an error, thrown when awaited (not before: the output is read first). */
function exitOf(child: ReturnType<typeof spawn>): { wait(): Promise<number> } {
  let failed: Error | undefined;
  const closed = new Promise<number>((resolve) => {
    child.once("error", (e) => {
      failed = e;
      resolve(-1);
    });
    child.once("close", (code) => resolve(code ?? 2));
  });
  return {
    async wait() {
      const code = await closed;
      if (failed) throw new RipgrepFailed(`ripgrep could not run: ${failed.message}`);
      return code;
    },
  };
}
