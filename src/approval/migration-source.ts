import { existsSync, readFileSync, realpathSync, statSync } from "node:fs";
import path from "node:path";
import type { LoadedConfig, TargetConfig } from "../config.js";
import { UserError } from "../errors.js";
import { detectLayout, flywayVersion, listMigrationFiles, type Layout } from "../analyze/sources.js";
import type { ContentFile } from "./content-hash.js";

/** A file as checked and approved: the bytes the content hash covers, and how its tool runs it. */
export interface CheckFile extends ContentFile {
  /** the tool's layout (decides transaction semantics); plain for ad-hoc SQL */
  layout?: Layout;
  /** on the bot's disk, for the tool's side files (Flyway .conf, diesel metadata.toml) */
  abs?: string;
}

/** One migration in layout order: a file (golang-migrate, Flyway, plain) or a directory (diesel, Prisma). */
export interface MigrationUnit {
  /** the key the tool's history table records */
  version: string;
  /** relative to the migrations dir */
  path: string;
  /** the SQL files to analyse, relative to the migrations dir */
  files: string[];
}

/** The target's migrations dir, resolved against the config file's directory. */
export function migrationsDir(loaded: LoadedConfig, targetName: string, target: TargetConfig, cwd: string): string {
  if (!target.migrations) {
    throw new UserError("no-migrations-dir", `target ${targetName} has no migrations dir configured`, {
      hint: `set targets.${targetName}.migrations in the config`,
    });
  }
  const base = loaded.path ? path.dirname(loaded.path) : cwd;
  const dir = path.resolve(base, target.migrations);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new UserError("no-migrations-dir", `the migrations dir of target ${targetName} does not exist on the bot's disk`);
  }
  return realpathSync(dir);
}

/** Resolve a user-given path inside the migrations dir; anything resolving outside it (.., absolute, symlinks) is refused. */
export function insideDir(root: string, relative: string): string {
  const refuse = () => new UserError("path-outside", `${relative} is outside the target's migrations dir`);
  if (relative.includes("\0") || path.isAbsolute(relative)) throw refuse();
  const candidate = path.resolve(root, relative);
  if (!isWithin(root, candidate)) throw refuse();
  if (!existsSync(candidate)) throw new UserError("not-found", `${relative} not found in the target's migrations dir`);
  const real = realpathSync(candidate);
  if (!isWithin(root, real)) throw refuse();
  return real;
}

function isWithin(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel === "" ? false : !rel.startsWith("..") && !path.isAbsolute(rel);
}

/** A path argument (file or diesel/Prisma directory) -> the SQL files to analyse. */
export function filesForPath(root: string, relative: string): string[] {
  const real = insideDir(root, relative);
  if (statSync(real).isFile()) return [path.relative(root, real)];
  for (const name of ["up.sql", "migration.sql"]) {
    const f = path.join(real, name);
    if (existsSync(f)) {
      insideDir(root, path.relative(root, f)); // the file itself may be a symlink
      return [path.relative(root, realpathSync(f))];
    }
  }
  throw new UserError("not-a-migration", `${relative} is a directory without up.sql or migration.sql`);
}

/** The files' bytes, with the layout that decides how their tool runs them. */
export function readContent(root: string, files: string[], configured: TargetConfig["layout"] = "auto"): CheckFile[] {
  return files.map((f) => {
    const abs = insideDir(root, f);
    const bytes = readFileSync(abs);
    return { path: f, bytes, abs, layout: configured === "auto" ? detectLayout(abs, bytes) : (configured as Layout) };
  });
}

/** The migrations in the order their tool applies them (the analyzer's listing), grouped per migration. */
export function listMigrations(root: string, configured: TargetConfig["layout"]): MigrationUnit[] {
  const units = new Map<string, MigrationUnit>();
  for (const abs of listMigrationFiles(root)) {
    const rel = path.relative(root, abs);
    const layout = configured === "auto" ? detectLayout(abs) : (configured as Layout);
    const perDirectory = layout === "diesel" || layout === "prisma";
    const unitPath = perDirectory ? path.dirname(rel) : rel;
    const unit = units.get(unitPath) ?? { version: versionKey(layout, path.basename(unitPath)), path: unitPath, files: [] };
    unit.files.push(rel);
    units.set(unitPath, unit);
  }
  return [...units.values()];
}

/** What the tool's history table records for a migration. */
function versionKey(layout: Layout, name: string): string {
  switch (layout) {
    case "flyway":
      return flywayVersion(name) ?? name;
    case "diesel":
      return name.split("_")[0]!.replace(/-/g, "");
    case "prisma":
      return name;
    default:
      return /^(\d+)[_-]/.test(name) ? numeric(/^(\d+)/.exec(name)![1]!) : name;
  }
}

function numeric(v: string): string {
  return v.replace(/^0+(?=\d)/, "");
}
