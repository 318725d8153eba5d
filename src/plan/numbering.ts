import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { compareDotted, type Layout } from "../analyze/sources.js";

/** The directory a layout keeps its migrations in, from one migration's path. */
export function migrationsDirOf(sourceAbs: string, layout: Layout): string {
  const dir = path.dirname(sourceAbs);
  return layout === "diesel" || layout === "prisma" ? path.dirname(dir) : dir;
}

/** The version part of a migration's name (file, or directory for diesel and Prisma), as written. */
const VERSION_OF: Partial<Record<Layout, RegExp>> = {
  "golang-migrate": /^(\d+)_.+\.(?:up|down)\.sql$/i,
  flyway: /^[VU](\d+(?:[._]\d+)*)__.+\.sql$/,
  diesel: /^(\d[\d-]*)_/,
  prisma: /^(\d+)_/,
};
const DEFAULT_VERSION = /^(\d+)[_-]?.*\.sql$/i;

/** Versions of the migrations in `dir` (a missing directory has none). */
export function existingVersions(dir: string, layout: Layout): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return [];
  const re = VERSION_OF[layout] ?? DEFAULT_VERSION;
  const inDirectories = layout === "diesel" || layout === "prisma";
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => (inDirectories ? e.isDirectory() : e.isFile()))
    .map((e) => re.exec(e.name)?.[1])
    .filter((v): v is string => v !== undefined);
}

/** Compare two versions of one layout: Flyway's dotted order, otherwise the digits as a number. */
export function compareVersions(a: string, b: string, layout: Layout): number {
  if (layout === "flyway") return compareDotted(a.replace(/_/g, "."), b.replace(/_/g, "."));
  const x = BigInt(a.replace(/\D/g, "") || "0");
  const y = BigInt(b.replace(/\D/g, "") || "0");
  return x === y ? 0 : x < y ? -1 : 1;
}

export function highestVersion(versions: string[], layout: Layout): string | undefined {
  return [...versions].sort((a, b) => compareVersions(a, b, layout)).at(-1);
}

type Scheme = "timestamp" | "diesel-timestamp" | "unix" | "sequence";

/**
 * `count` versions after `highest`, in the scheme the directory uses: a timestamp stays a
 * timestamp of the same shape (the clock's time, or one second after the highest when that is
 * later), a sequence stays a sequence of the same width, a Flyway version gets its last part bumped.
 * Without any existing version, the tool's own default.
 */
export function nextVersions(highest: string | undefined, count: number, layout: Layout, now: Date): string[] {
  const scheme = highest === undefined ? defaultScheme(layout) : schemeOf(highest);
  if (scheme === "sequence" && layout === "flyway" && highest !== undefined) return bumpLast(highest, count);
  if (scheme === "sequence") {
    const start = highest === undefined ? 0n : BigInt(highest);
    const width = highest?.length ?? (layout === "golang-migrate" ? 6 : layout === "drizzle" ? 4 : 3);
    return Array.from({ length: count }, (_, k) => (start + BigInt(k + 1)).toString().padStart(width, "0"));
  }
  const after = highest === undefined ? 0 : parseTime(highest, scheme) + 1000;
  const first = Math.max(Math.floor(now.getTime() / 1000) * 1000, after);
  return Array.from({ length: count }, (_, k) => formatTime(first + k * 1000, scheme));
}

function defaultScheme(layout: Layout): Scheme {
  if (layout === "diesel") return "diesel-timestamp";
  return layout === "prisma" || layout === "dbmate" ? "timestamp" : "sequence";
}

function schemeOf(version: string): Scheme {
  if (/^\d{4}-\d{2}-\d{2}-\d{6}$/.test(version) && !Number.isNaN(parseTime(version, "diesel-timestamp"))) return "diesel-timestamp";
  if (/^\d{14}$/.test(version) && !Number.isNaN(parseTime(version, "timestamp"))) return "timestamp";
  if (/^1\d{9}$/.test(version)) return "unix";
  return "sequence";
}

/** Flyway: 3 -> 4, 1_2 -> 1_3, 2.09 -> 2.10 (separators and zero padding kept). */
function bumpLast(version: string, count: number): string[] {
  const m = /^(.*?)(\d+)$/.exec(version)!;
  return Array.from({ length: count }, (_, k) => `${m[1]}${(BigInt(m[2]!) + BigInt(k + 1)).toString().padStart(m[2]!.length, "0")}`);
}

function parseTime(v: string, scheme: Scheme): number {
  if (scheme === "unix") return Number(v) * 1000;
  const d = v.replace(/-/g, "");
  const [y, mo, day, h, mi, s] = [d.slice(0, 4), d.slice(4, 6), d.slice(6, 8), d.slice(8, 10), d.slice(10, 12), d.slice(12, 14)].map(Number) as number[];
  const t = Date.UTC(y!, mo! - 1, day!, h!, mi!, s!);
  const back = new Date(t);
  return back.getUTCMonth() === mo! - 1 && back.getUTCDate() === day! && h! < 24 && mi! < 60 && s! < 60 ? t : NaN;
}

function formatTime(ms: number, scheme: Scheme): string {
  if (scheme === "unix") return String(Math.floor(ms / 1000));
  const iso = new Date(ms).toISOString(); // 2024-01-02T03:04:05.000Z
  const date = iso.slice(0, 10);
  const time = iso.slice(11, 19).replace(/:/g, "");
  return scheme === "diesel-timestamp" ? `${date}-${time}` : `${date.replace(/-/g, "")}${time}`;
}

export interface Numbering {
  /** one per migration file of the plan, in order */
  versions: string[];
  /** what was numbered how, for the output */
  notes: string[];
}

/**
 * Versions for the plan's `count` migrations: after the highest version already in the source's
 * migrations directory (and in the output directory), so they never collide with the migrations
 * that follow the source.
 */
export function numberPlan(sourceAbs: string, layout: Layout, outDir: string, count: number, now: Date): Numbering {
  const dir = migrationsDirOf(sourceAbs, layout);
  const versions = [...existingVersions(dir, layout), ...(path.resolve(outDir) === dir ? [] : existingVersions(outDir, layout))];
  const highest = highestVersion(versions, layout);
  const next = nextVersions(highest, count, layout, now);
  if (!count || highest === undefined) return { versions: next, notes: [] };
  const own = (VERSION_OF[layout] ?? DEFAULT_VERSION).exec(path.basename(layout === "diesel" || layout === "prisma" ? path.dirname(sourceAbs) : sourceAbs))?.[1];
  const range = count > 1 ? `${next[0]}..${next.at(-1)}` : next[0];
  const later = own === undefined ? [] : [...new Set(versions.filter((v) => compareVersions(v, own, layout) > 0))];
  const notes = [`the plan's migrations are numbered ${range}, after the highest version in ${dir} (${highest})`];
  if (own !== undefined && later.length) {
    const shown = later.sort((a, b) => compareVersions(a, b, layout)).slice(0, 3).join(", ");
    notes.push(`renumbered: not next to ${own}, because ${later.length} later migration(s) already exist (${shown}${later.length > 3 ? ", ..." : ""}); the plan's files run after them, so check that none of them needs what ${path.basename(sourceAbs)} does`);
  }
  if (own !== undefined) notes.push(`the files replace ${path.relative(dir, sourceAbs)}: remove it (and its down file) when you commit them, unless it was already applied`);
  return { versions: next, notes };
}
