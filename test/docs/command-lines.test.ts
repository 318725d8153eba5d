import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { runCli } from "../../src/cli.js";
import { REPO_ROOT } from "../helpers/cli.js";

/**
 * Every `lockstep` command line in the fenced blocks of README.md and docs/*.md runs as written:
 * its command exists (its --help answers) and every flag it uses is one that command's help lists.
 * `npm run demo -- ...` lines are checked against the demo's own help.
 */
const DOCS = ["README.md", ...readdirSync(path.join(REPO_ROOT, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)];

interface DocLine {
  where: string;
  text: string;
}

/** Lines of fenced code blocks, backslash continuations joined. */
function fencedLines(file: string, text: string): DocLine[] {
  const out: DocLine[] = [];
  let inFence = false;
  let pending: DocLine | undefined;
  text.split("\n").forEach((line, i) => {
    if (/^\s*```/.test(line)) {
      inFence = !inFence;
      return;
    }
    if (!inFence) return;
    const joined: DocLine = pending ? { where: pending.where, text: `${pending.text} ${line.trim()}` } : { where: `${file}:${i + 1}`, text: line };
    if (/\\\s*$/.test(line)) pending = { ...joined, text: joined.text.replace(/\\\s*$/, "") };
    else {
      pending = undefined;
      out.push(joined);
    }
  });
  return out;
}

/** Shell words, quotes removed; a `#` word starts a comment. */
function words(line: string): string[] {
  const out: string[] = [];
  for (const m of line.matchAll(/"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g)) {
    if (m[3]?.startsWith("#")) break;
    out.push(m[1] ?? m[2] ?? m[3]!);
  }
  return out;
}

/** The argv after `lockstep` (or `npx lockstep`), up to a pipe, redirection or `&&` outside [...]. */
function lockstepArgs(line: string): string[] | undefined {
  const w = words(line.replace(/^\s*(?:-\s+)?(?:run:\s*)?\$?\s*/, ""));
  const at = w.findIndex((x, i) => x === "lockstep" && w.slice(0, i).every((p) => p === "npx" || p === "|" || /^[A-Z_][A-Z0-9_]*=/.test(p) || p === "cat" || p.endsWith(".sql")));
  if (at < 0) return undefined;
  const args: string[] = [];
  let depth = 0;
  for (const x of w.slice(at + 1)) {
    if (depth === 0 && ["|", ">", ">>", "&&", ";", "||"].includes(x)) break;
    depth += (x.match(/[[(]/g) ?? []).length - (x.match(/[\])]/g) ?? []).length;
    args.push(x);
  }
  return args;
}

/** Flags a help text lists (`-f, --format <format>` gives -f and --format). */
function helpFlags(help: string): Set<string> {
  return new Set([...help.matchAll(/(?:^|[\s,])(--?[a-zA-Z][\w-]*)/gm)].map((m) => m[1]!));
}

async function help(argv: string[]): Promise<{ code: number; text: string }> {
  const out = new PassThrough();
  let text = "";
  out.on("data", (d: Buffer) => (text += d.toString()));
  const code = await runCli([...argv, "--help"], { stdout: out, stderr: out, stdin: new PassThrough(), env: {}, cwd: REPO_ROOT });
  return { code, text };
}

const GLOBAL_WITH_VALUE = new Set(["-c", "--config"]);

describe("command lines in the docs", () => {
  const lines = DOCS.flatMap((f) => fencedLines(f, readFileSync(path.join(REPO_ROOT, f), "utf8")));

  it("finds the lines: every page with lockstep commands has some, the README's included", () => {
    const found = lines.filter((l) => lockstepArgs(l.text));
    expect(found.length).toBeGreaterThan(40);
    expect(new Set(found.map((l) => l.where.split(":")[0]))).toEqual(new Set(["README.md", "docs/cli.md", "docs/check.md", "docs/plan.md", "docs/apply.md", "docs/backfill.md", "docs/trace.md", "docs/slack.md"]));
    expect(lockstepArgs("cat change.sql | npx lockstep check - --format json")).toEqual(["check", "-", "--format", "json"]);
    expect(lockstepArgs("SLACK_BOT_TOKEN=xoxb-... npx lockstep serve   # HTTP")).toEqual(["serve"]);
    expect(lockstepArgs("  run: npx lockstep check db --changed-since origin/main --format sarif > lockstep.sarif")).toEqual(["check", "db", "--changed-since", "origin/main", "--format", "sarif"]);
    expect(lockstepArgs("lockstep backfill resume --run ID [--db URL | --target NAME]   # here")).toEqual(["backfill", "resume", "--run", "ID", "[--db", "URL", "|", "--target", "NAME]"]);
  });

  it("every lockstep command exists and every flag it uses is in its --help", async () => {
    const root = await help([]);
    const [options, commandList = ""] = root.text.split(/\nCommands:/);
    const globals = helpFlags(options!);
    const known = new Set([...commandList.matchAll(/^ {2}([a-z][\w-]*)/gm)].map((m) => m[1]!));
    expect(known).toContain("sandbox");
    const helps = new Map<string, { code: number; flags: Set<string>; formats: string[] }>();
    const problems: string[] = [];
    for (const l of lines) {
      const args = lockstepArgs(l.text);
      if (!args) continue;
      let i = 0;
      while (args[i]?.startsWith("-") && i < args.length) i += GLOBAL_WITH_VALUE.has(args[i]!) ? 2 : 1;
      const command = args[i];
      if (!command) continue; // `lockstep --help`, `lockstep --version`
      if (!helps.has(command)) {
        const h = await help([command]);
        const choices = /--format <format>[^(]*\(choices:([^)]*)\)/.exec(h.text)?.[1] ?? "";
        helps.set(command, { code: h.code, flags: helpFlags(h.text), formats: [...choices.matchAll(/"([a-z]+)"/g)].map((m) => m[1]!) });
      }
      const h = helps.get(command)!;
      if (h.code !== 0 || !known.has(command)) {
        problems.push(`${l.where}: lockstep ${command}: no such command`);
        continue;
      }
      for (const raw of args) {
        const flag = raw.replace(/^[[(]+/, "").replace(/[\])]+$/, "").split("=")[0]!;
        if (!/^--?[a-zA-Z]/.test(flag)) continue;
        if (!h.flags.has(flag) && !globals.has(flag)) problems.push(`${l.where}: lockstep ${command}: no option ${flag}`);
      }
      const format = args[args.findIndex((a) => a === "--format" || a === "-f") + 1];
      if (args.some((a) => a === "--format" || a === "-f") && !h.formats.includes(format ?? "")) problems.push(`${l.where}: lockstep ${command}: no format ${format}`);
    }
    expect(problems).toEqual([]);
    expect(helps.size).toBeGreaterThanOrEqual(9);
  });

  it("npm run demo lines use the demo's options", () => {
    const demoHelp = execFileSync(process.execPath, [path.join(REPO_ROOT, "dist/src/demo/main.js"), "--help"], { encoding: "utf8" });
    const flags = helpFlags(demoHelp);
    const problems: string[] = [];
    let seen = 0;
    for (const l of lines) {
      const m = /npm run demo -- (.*)$/.exec(l.text);
      if (!m) continue;
      seen++;
      for (const w of words(m[1]!)) if (w.startsWith("-") && !flags.has(w)) problems.push(`${l.where}: npm run demo: no option ${w}`);
    }
    expect(seen).toBeGreaterThan(0);
    expect(problems).toEqual([]);
  });
});
