import { opendir } from "node:fs/promises";
import path from "node:path";
import { EXTENSIONS } from "./languages.js";

/**
 * Which files of a code directory are searched. The built-in walker and ripgrep (through the
 * globs below) select exactly the same files: source files by extension, not symlinks, at most
 * MAX_FILE_BYTES, outside hidden directories, dependencies, build output and migrations.
 */
export const SKIP_DIRS = [
  // dependencies
  "node_modules", "bower_components", "vendor", "site-packages", "venv", "deps",
  // build output and caches
  "dist", "build", "out", "target", "bin", "obj", "_build", "coverage", "__pycache__",
  // migrations (Django, Alembic's are under migrations/versions; Rails db/migrate; Flyway db/migration):
  // they add the very column being dropped
  "migrations", "migrate", "migration",
];

/** Schema snapshots written by tools from the database, not code that uses it. */
export const SKIP_FILES = ["schema.rb", "structure.sql", "schema.sql"];
const SKIP_SUFFIXES = [".min.js"];

/** 4 MiB: larger files are generated bundles or data, not code to read. */
export const MAX_FILE_BYTES = 4 * 1024 * 1024;

const EXT = new Set(EXTENSIONS);

export interface Selection {
  /** absolute code directory */
  root: string;
  /** absolute paths (files or directories) never searched: the migrations being checked */
  exclude: string[];
}

export function isSourceFile(name: string): boolean {
  const dot = name.lastIndexOf(".");
  return dot >= 0 && EXT.has(name.slice(dot + 1)) && !SKIP_FILES.includes(name) && !SKIP_SUFFIXES.some((s) => name.endsWith(s));
}

export function isSkippedDir(name: string): boolean {
  return name.startsWith(".") || SKIP_DIRS.includes(name);
}

/** The selection's files, as absolute paths, streamed as directories are read (size is checked by the reader). */
export async function* walkSources(sel: Selection): AsyncGenerator<string> {
  const excluded = new Set(sel.exclude.map((p) => path.resolve(p)));
  const pending = [path.resolve(sel.root)];
  while (pending.length) {
    const dir = pending.pop()!;
    let handle;
    try {
      handle = await opendir(dir);
    } catch {
      continue; // unreadable: ripgrep skips it too
    }
    for await (const entry of handle) {
      const abs = path.join(dir, entry.name);
      if (excluded.has(abs)) continue;
      if (entry.isDirectory()) {
        if (!isSkippedDir(entry.name)) pending.push(abs);
      } else if (entry.isFile() && isSourceFile(entry.name)) yield abs;
    }
  }
}

/** The same selection as ripgrep arguments (run with the code directory as the working directory). */
export function ripgrepGlobs(sel: Selection): string[] {
  const root = path.resolve(sel.root);
  const globs = [
    `*.{${EXTENSIONS.join(",")}}`,
    ...SKIP_FILES.map((f) => `!${f}`),
    ...SKIP_SUFFIXES.map((s) => `!*${s}`),
    "!.*/",
    ...SKIP_DIRS.map((d) => `!${d}/`),
  ];
  for (const p of sel.exclude) {
    const rel = path.relative(root, path.resolve(p));
    if (!rel || rel.startsWith("..") || path.isAbsolute(rel)) continue;
    globs.push(`!/${rel.split(path.sep).map(escapeGlob).join("/")}`);
  }
  return ["--no-config", "--no-ignore", "--hidden", "--max-filesize", String(MAX_FILE_BYTES), ...globs.flatMap((g) => ["-g", g])];
}

function escapeGlob(s: string): string {
  return s.replace(/[*?[\]{}\\!]/g, "\\$&");
}
