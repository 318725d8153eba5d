import { execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { changedSince, keepChanged } from "../../src/vcs/changed-since.js";

const repo = mkdtempSync(path.join(os.tmpdir(), "lockstep-git-"));
afterAll(() => rmSync(repo, { recursive: true, force: true }));
const git = (...args: string[]) => execFileSync("git", ["-c", "user.email=t@example.com", "-c", "user.name=t", ...args], { cwd: repo });

describe("--changed-since", () => {
  mkdirSync(path.join(repo, "migrations"));
  const file = (name: string, sql = "SELECT 1;") => writeFileSync(path.join(repo, "migrations", name), sql);
  git("init", "-q", "-b", "main");
  file("001_old.sql");
  file("002_edited.sql");
  file("003_deleted.sql");
  git("add", ".");
  git("commit", "-qm", "base");
  git("tag", "base");
  file("004_committed.sql");
  git("add", ".");
  git("commit", "-qm", "next");
  file("002_edited.sql", "SELECT 2;");
  rmSync(path.join(repo, "migrations/003_deleted.sql"));
  file("005_untracked.sql");

  it("keeps committed, edited and untracked files; drops unchanged and deleted ones", async () => {
    const changed = await changedSince("base", path.join(repo, "migrations"));
    const all = ["001_old.sql", "002_edited.sql", "003_deleted.sql", "004_committed.sql", "005_untracked.sql"].map((f) => `migrations/${f}`);
    expect(keepChanged(all, changed, repo)).toEqual(["migrations/002_edited.sql", "migrations/004_committed.sql", "migrations/005_untracked.sql"]);
  });

  it("names an unknown revision clearly", async () => {
    await expect(changedSince("no-such-branch", repo)).rejects.toMatchObject({ code: "bad-revision", exitCode: 2 });
  });

  it("refuses option-looking revisions and directories outside git", async () => {
    await expect(changedSince("--output=/tmp/x", repo)).rejects.toMatchObject({ code: "usage" });
    await expect(changedSince("HEAD", os.tmpdir())).rejects.toMatchObject({ code: "not-a-repository" });
  });
});
