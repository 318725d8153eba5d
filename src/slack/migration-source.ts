import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from "node:fs";
import path from "node:path";
import type pg from "pg";
import type { LoadedConfig, TargetConfig } from "../config.js";
import { UserError } from "../errors.js";
import type { ContentFile } from "./content-hash.js";

/** One migration in layout order: a file (golang-migrate, Flyway, plain) or a directory (diesel, Prisma). */
export interface MigrationUnit {
  /** the key the tool's history table records */
  version: string;
  /** relative to the migrations dir */
  path: string;
  /** the SQL files to analyse, relative to the migrations dir */
  files: string[];
}

type Layout = "golang-migrate" | "flyway" | "diesel" | "prisma" | "plain";

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

export function readContent(root: string, files: string[]): ContentFile[] {
  return files.map((f) => ({ path: f, bytes: readFileSync(insideDir(root, f)) }));
}

/** The layout's migrations in apply order. */
export function listMigrations(root: string, configured: TargetConfig["layout"]): MigrationUnit[] {
  const entries = readdirSync(root, { withFileTypes: true });
  const files = entries.filter((e) => e.isFile() || e.isSymbolicLink()).map((e) => e.name);
  const dirs = entries.filter((e) => e.isDirectory()).map((e) => e.name);
  const layout = detectLayout(configured, files, dirs, root);
  switch (layout) {
    case "golang-migrate":
      return sortByVersion(
        files.filter((f) => /^\d+_.*\.up\.sql$/.test(f)).map((f) => ({ version: numeric(/^(\d+)/.exec(f)![1]!), path: f, files: [f] })),
      );
    case "flyway":
      return sortByVersion(
        files
          .map((f) => ({ f, m: /^V(\d+(?:[._]\d+)*)__.*\.sql$/.exec(f) }))
          .filter((x) => x.m)
          .map(({ f, m }) => ({ version: m![1]!.replace(/_/g, "."), path: f, files: [f] })),
      );
    case "diesel":
      return dirs
        .filter((d) => existsSync(path.join(root, d, "up.sql")))
        .sort()
        .map((d) => ({ version: d.split("_")[0]!.replace(/-/g, ""), path: d, files: [path.join(d, "up.sql")] }));
    case "prisma":
      return dirs
        .filter((d) => existsSync(path.join(root, d, "migration.sql")))
        .sort()
        .map((d) => ({ version: d, path: d, files: [path.join(d, "migration.sql")] }));
    default:
      return files
        .filter((f) => f.endsWith(".sql") && !f.endsWith(".down.sql"))
        .sort()
        .map((f) => ({ version: /^(\d+)[_-]/.exec(f)?.[1] ?? f, path: f, files: [f] }));
  }
}

function detectLayout(configured: TargetConfig["layout"], files: string[], dirs: string[], root: string): Layout {
  if (configured === "golang-migrate" || configured === "flyway" || configured === "diesel" || configured === "prisma") return configured;
  if (configured !== "auto") return "plain";
  if (files.some((f) => /^V\d+(?:[._]\d+)*__.*\.sql$/.test(f))) return "flyway";
  if (files.some((f) => /\.up\.sql$/.test(f))) return "golang-migrate";
  if (dirs.some((d) => existsSync(path.join(root, d, "up.sql")))) return "diesel";
  if (dirs.some((d) => existsSync(path.join(root, d, "migration.sql")))) return "prisma";
  return "plain";
}

function numeric(v: string): string {
  return v.replace(/^0+(?=\d)/, "");
}

function sortByVersion(units: MigrationUnit[]): MigrationUnit[] {
  const key = (v: string) => v.split(".").map((p) => BigInt(p));
  return units.sort((a, b) => {
    const ka = key(a.version);
    const kb = key(b.version);
    for (let i = 0; i < Math.max(ka.length, kb.length); i++) {
      const d = (ka[i] ?? 0n) - (kb[i] ?? 0n);
      if (d !== 0n) return d < 0n ? -1 : 1;
    }
    return 0;
  });
}

/** Native history tables we can read before the apply feature writes its own. */
const HISTORY_QUERIES: Array<{ table: string; sql: string }> = [
  { table: "schema_migrations", sql: "SELECT version::text AS v FROM schema_migrations" },
  { table: "flyway_schema_history", sql: "SELECT version::text AS v FROM flyway_schema_history WHERE success AND version IS NOT NULL" },
  { table: "__diesel_schema_migrations", sql: "SELECT version::text AS v FROM __diesel_schema_migrations" },
  { table: "_prisma_migrations", sql: "SELECT migration_name AS v FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL" },
  { table: "lockstep.migrations", sql: "SELECT version::text AS v FROM lockstep.migrations" },
];

/** Versions recorded as applied in the target, or null when no history table exists. */
export async function appliedVersions(client: pg.ClientBase): Promise<{ tables: string[]; versions: Set<string> } | null> {
  const tables: string[] = [];
  const versions = new Set<string>();
  for (const q of HISTORY_QUERIES) {
    const exists = await client.query<{ r: string | null }>("SELECT to_regclass($1)::text AS r", [q.table]);
    if (!exists.rows[0]?.r) continue;
    tables.push(q.table);
    for (const row of (await client.query<{ v: string }>(q.sql)).rows) versions.add(/^\d+$/.test(row.v) ? numeric(row.v) : row.v);
  }
  return tables.length ? { tables, versions } : null;
}

export const HISTORY_TABLES = HISTORY_QUERIES.map((q) => q.table);
