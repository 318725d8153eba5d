import { realpathSync } from "node:fs";
import { open } from "node:fs/promises";
import path from "node:path";
import type { CodeReference } from "../../analyze/types.js";
import { redact } from "../../redact.js";
import type { NameForms } from "../names.js";
import { frameworkOf, type Framework } from "./frameworks.js";
import { syntaxOf } from "./languages.js";
import { Matcher } from "./matcher.js";
import { findRipgrep, ripgrepCandidates, ripgrepFileCount } from "./ripgrep.js";
import { MAX_FILE_BYTES, walkSources, type Selection } from "./selection.js";

export interface CodeSearchOptions {
  /** code directories (absolute or relative to `base`) */
  dirs: string[];
  /** files and directories never searched (the migrations being checked) */
  exclude: string[];
  names: NameForms[];
  /** paths in results are relative to it when inside it */
  base: string;
  env: NodeJS.ProcessEnv;
  /** default auto: ripgrep when installed */
  searcher?: "auto" | "builtin";
}

export interface CodeSearchResult {
  files: number;
  searcher: "ripgrep" | "builtin";
  /** per name (in the order given): its references, sorted by path and line */
  hits: CodeReference[][];
  /** the ORM each file with a reference uses, when it shows (by displayed path) */
  frameworks: Map<string, Framework>;
}

const IN_FLIGHT = 32;
const LINE_CHARS = 200;

/** Search the code directories for every name at once: one pass over the files. */
export async function searchCode(opts: CodeSearchOptions): Promise<CodeSearchResult> {
  const roots = outermost(opts.dirs.map((d) => real(path.resolve(opts.base, d))));
  const exclude = opts.exclude.map((p) => real(path.resolve(opts.base, p)));
  const matcher = new Matcher(opts.names);
  const rg = opts.searcher === "builtin" ? undefined : findRipgrep(opts.env);
  if (rg) {
    try {
      return await collect(opts, "ripgrep", async (scan) => {
        let files = 0;
        for (const root of roots) {
          const sel = { root, exclude };
          const [count] = await Promise.all([ripgrepFileCount(rg, sel), pool(ripgrepCandidates(rg, sel, matcher.ripgrepPattern), (f) => scan(f, matcher))]);
          files += count;
        }
        return files;
      });
    } catch {
      // ripgrep could not run here: the built-in scanner gives the same results
    }
  }
  return collect(opts, "builtin", async (scan) => {
    let files = 0;
    for (const root of roots) {
      await pool(walkSources({ root, exclude }), async (f) => {
        if (await scan(f, matcher)) files++;
      });
    }
    return files;
  });
}

type Scan = (abs: string, matcher: Matcher) => Promise<boolean>;

/** Run a search with a fresh result; `run` returns the number of files searched. */
async function collect(opts: CodeSearchOptions, searcher: CodeSearchResult["searcher"], run: (scan: Scan) => Promise<number>): Promise<CodeSearchResult> {
  const base = real(opts.base);
  const hits: CodeReference[][] = opts.names.map(() => []);
  const frameworks = new Map<string, Framework>();
  const scan: Scan = async (abs, matcher) => {
    const text = await readSource(abs);
    if (text === undefined) return false;
    const syntax = syntaxOf(abs);
    if (!text || !syntax) return true;
    const lines = matcher.lines(text, syntax);
    if (lines.length === 0) return true;
    const shown = displayPath(base, abs);
    const framework = frameworkOf(abs, text);
    if (framework) frameworks.set(shown, framework);
    for (const l of lines) for (const i of l.names) hits[i]!.push({ path: shown, line: l.line, text: shorten(redact(l.text.trim().replace(/\s+/g, " "))) });
    return true;
  };
  const files = await run(scan);
  for (const h of hits) h.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.line - b.line));
  return { files, searcher, hits, frameworks };
}

/**
 * A selected file's text; undefined when it is over the size limit (not searched, not counted);
 * "" when it cannot be read or is binary (counted as searched, as ripgrep does).
 */
async function readSource(abs: string): Promise<string | undefined> {
  let handle;
  try {
    handle = await open(abs, "r");
    if ((await handle.stat()).size > MAX_FILE_BYTES) return undefined;
    const bytes = await handle.readFile();
    return bytes.includes(0) ? "" : bytes.toString("utf8");
  } catch {
    return "";
  } finally {
    await handle?.close();
  }
}

/** At most IN_FLIGHT files read at once, while the producer keeps walking. */
async function pool(items: AsyncIterable<string>, work: (item: string) => Promise<unknown>): Promise<void> {
  const running = new Set<Promise<unknown>>();
  for await (const item of items) {
    const p: Promise<unknown> = work(item).finally(() => running.delete(p));
    running.add(p);
    if (running.size >= IN_FLIGHT) await Promise.race(running);
  }
  await Promise.all(running);
}

/** Directories inside another given directory are searched once. */
function outermost(dirs: string[]): string[] {
  const unique = [...new Set(dirs)];
  return unique.filter((d) => !unique.some((o) => o !== d && (d + path.sep).startsWith(o.endsWith(path.sep) ? o : o + path.sep)));
}

function real(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}

/** `abs` relative to `base` when inside it (with / separators), else absolute. */
export function displayPath(base: string, abs: string): string {
  const rel = path.relative(base, abs);
  if (rel === "") return ".";
  return !rel.startsWith("..") && !path.isAbsolute(rel) ? rel.split(path.sep).join("/") : abs;
}

function shorten(s: string): string {
  return s.length > LINE_CHARS ? `${s.slice(0, LINE_CHARS - 1)}…` : s;
}
