import { execFile } from "node:child_process";
import { realpathSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { UserError } from "../errors.js";

const run = promisify(execFile);

/**
 * The files `--changed-since REF` keeps, as absolute paths: what `git diff --name-only REF`
 * reports (commits since REF plus staged and unstaged edits; deleted files left out), plus
 * untracked files that are not git-ignored — a new migration is usually untracked until its
 * first commit, and in CI's clean checkout there are none, so both cases check the right files.
 */
export async function changedSince(ref: string, cwd: string): Promise<Set<string>> {
  if (ref.startsWith("-")) throw new UserError("usage", `--changed-since: "${ref}" is not a git revision`);
  const root = (await git(["rev-parse", "--show-toplevel"], cwd, ref)).trim();
  await git(["rev-parse", "--verify", "--quiet", `${ref}^{commit}`], cwd, ref);
  const diff = await git(["diff", "--name-only", "-z", "--diff-filter=d", ref, "--"], root, ref);
  const untracked = await git(["ls-files", "--others", "--exclude-standard", "-z"], root, ref);
  return new Set([...diff.split("\0"), ...untracked.split("\0")].filter(Boolean).map((f) => path.join(root, f)));
}

async function git(args: string[], cwd: string, ref: string): Promise<string> {
  try {
    const { stdout } = await run("git", args, { cwd, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (e) {
    const err = e as { code?: string | number; stderr?: string };
    if (err.code === "ENOENT") throw new UserError("git-missing", "--changed-since needs git, and git is not installed");
    const detail = (err.stderr ?? "").trim().split("\n")[0] ?? "";
    if (args[0] === "rev-parse" && args[1] === "--show-toplevel") {
      throw new UserError("not-a-repository", `--changed-since: ${cwd} is not inside a git repository`, { hint: detail || undefined });
    }
    throw new UserError("bad-revision", `--changed-since: git does not know the revision "${ref}"`, {
      hint: "in CI, fetch enough history (e.g. actions/checkout with fetch-depth: 0) for the base branch to exist",
    });
  }
}

/** Keep the migration files (absolute or relative to cwd) that changed. Order is kept. */
export function keepChanged<T extends string>(files: T[], changed: Set<string>, cwd: string): T[] {
  return files.filter((f) => changed.has(realpath(path.resolve(cwd, f))));
}

/** git prints real paths; the user's cwd may go through a symlink (e.g. /tmp on macOS). */
function realpath(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}
