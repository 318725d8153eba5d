import { existsSync, readdirSync } from "node:fs";
import path from "node:path";

/** The ORMs whose two-step drop the fixes spell out. */
export type Framework = "django" | "rails" | "prisma" | "drizzle";

/** The ORM a source file with a reference uses, from what it imports or extends. */
export function frameworkOf(file: string, text: string): Framework | undefined {
  const ext = path.extname(file);
  if (ext === ".prisma") return "prisma";
  if (ext === ".py" && /\b(from|import) django\b|\bmodels\.Model\b/.test(text)) return "django";
  if ((ext === ".rb" || ext === ".rake") && /\bApplicationRecord\b|\bActiveRecord::/.test(text)) return "rails";
  if (/^\.[cm]?[jt]sx?$/.test(ext) && /["']drizzle-orm(\/[\w-]+)?["']/.test(text)) return "drizzle";
  return undefined;
}

/** The files in which an ORM's models and queries are written. */
const LANGUAGE_OF: Record<Framework, RegExp> = {
  django: /\.py$/,
  rails: /\.(rb|rake)$/,
  prisma: /\.(prisma|[cm]?[jt]sx?)$/,
  drizzle: /\.[cm]?[jt]sx?$/,
};

/**
 * The ORMs a fix should speak of for references in `files`: those the files themselves show, else
 * those of the project whose language the files are written in (a Rails controller using
 * user.nickname is Rails even without ActiveRecord in sight; a Go file in a Prisma project is not Prisma).
 */
export function frameworksFor(files: string[], shown: Map<string, Framework>, project: Set<Framework>): Framework[] {
  const own = [...new Set(files.map((f) => shown.get(f)).filter((f): f is Framework => f !== undefined))];
  if (own.length) return own;
  return [...project].filter((fw) => files.some((f) => LANGUAGE_OF[fw].test(f)));
}

const MARKERS: Array<[Framework, (dir: string) => boolean]> = [
  ["django", (d) => existsSync(path.join(d, "manage.py"))],
  ["rails", (d) => existsSync(path.join(d, "config", "application.rb")) && existsSync(path.join(d, "Gemfile"))],
  ["prisma", (d) => existsSync(path.join(d, "prisma", "schema.prisma")) || existsSync(path.join(d, "schema.prisma"))],
  ["drizzle", (d) => ["ts", "js", "mjs", "cjs", "mts"].some((x) => existsSync(path.join(d, `drizzle.config.${x}`)))],
];

/** The ORMs a code directory's layout shows (its top level and the directories just under it, e.g. backend/manage.py). */
export function projectFrameworks(dirs: string[]): Set<Framework> {
  const found = new Set<Framework>();
  for (const dir of dirs) {
    let children: string[] = [];
    try {
      children = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory() && !e.name.startsWith(".") && e.name !== "node_modules").map((e) => path.join(dir, e.name));
    } catch {
      continue;
    }
    for (const d of [dir, ...children]) for (const [fw, test] of MARKERS) if (test(d)) found.add(fw);
  }
  return found;
}
