import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "./helpers/cli.js";

/** Domain code: it never imports a surface, directly or through another module. */
const DOMAIN = ["src/analyze", "src/approval", "src/plan", "src/apply", "src/backfill", "src/store", "src/db"];
/** The surfaces: the Slack bot, the commands, the CLI. */
const SURFACE = ["src/slack/", "commands/", "src/cli.ts"];

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(REPO_ROOT, dir)).flatMap((name) => {
    const rel = path.posix.join(dir, name);
    if (statSync(path.join(REPO_ROOT, rel)).isDirectory()) return sourceFiles(rel);
    return rel.endsWith(".ts") ? [rel] : [];
  });
}

/** The repo files a module imports (static, re-exports, dynamic import() with a literal). */
export function importsOf(file: string): string[] {
  const text = readFileSync(path.join(REPO_ROOT, file), "utf8");
  const specifiers = [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)["']([^"']+)["']/gm)].map((m) => m[1]!);
  return specifiers.filter((s) => s.startsWith(".")).map((s) => path.posix.normalize(path.posix.join(path.posix.dirname(file), s)).replace(/\.js$/, ".ts"));
}

const isSurface = (file: string) => SURFACE.some((s) => (s.endsWith("/") ? file.startsWith(s) : file === s));

/** The first import chain from `start` to a surface module, if any. */
function chainToSurface(start: string, edges: (f: string) => string[]): string[] | undefined {
  const seen = new Set<string>([start]);
  const queue: string[][] = [[start]];
  while (queue.length > 0) {
    const chain = queue.shift()!;
    for (const next of edges(chain.at(-1)!)) {
      if (isSurface(next)) return [...chain, next];
      if (seen.has(next)) continue;
      seen.add(next);
      queue.push([...chain, next]);
    }
  }
  return undefined;
}

describe("layering", () => {
  const cache = new Map<string, string[]>();
  const edges = (f: string) => cache.get(f) ?? cache.set(f, importsOf(f)).get(f)!;

  it("reads imports of every kind", () => {
    expect(importsOf("src/main.ts")).toEqual(expect.arrayContaining(["src/cli.ts", "src/analyze/parse.ts"]));
    expect(importsOf("commands/manifest.ts")).toEqual(expect.arrayContaining(["commands/check.ts", "commands/serve.ts"]));
    expect(importsOf("src/apply/job.ts")).toContain("src/apply/run.ts");
  });

  it("no domain module imports the Slack bot, a command or the CLI, directly or indirectly", () => {
    const leaks = DOMAIN.flatMap(sourceFiles).flatMap((f) => {
      const chain = chainToSurface(f, edges);
      return chain ? [chain.join(" -> ")] : [];
    });
    expect(leaks).toEqual([]);
  });

  it("sees a leak when there is one", () => {
    const fake = (f: string) => (f === "src/apply/x.ts" ? ["src/apply/y.ts"] : f === "src/apply/y.ts" ? ["src/slack/approval.ts"] : []);
    expect(chainToSurface("src/apply/x.ts", fake)).toEqual(["src/apply/x.ts", "src/apply/y.ts", "src/slack/approval.ts"]);
  });
});
