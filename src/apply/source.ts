import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { analyzePathsDetailed, type AnalyzedFile } from "../analyze/analyze.js";
import type { TransactionWrap } from "../analyze/sources.js";
import { UserError } from "../errors.js";
import type { TargetConfig } from "../config.js";
import type { ApplyLayout, Migration, MigrationStatement, TxMode } from "./types.js";

const APPLY_LAYOUTS: ApplyLayout[] = ["golang-migrate", "flyway", "diesel", "prisma", "plain"];

/**
 * The migrations of a target's directory in the order the layout applies them, parsed and
 * analysed (statements, transactional flags, predicted locks) by the analyzer.
 */
export async function loadMigrations(target: Pick<TargetConfig, "migrations" | "layout">, baseDir: string): Promise<Migration[]> {
  if (!target.migrations) throw new UserError("no-migrations-dir", "the target has no `migrations` directory configured");
  const dir = path.resolve(baseDir, target.migrations);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UserError("not-found", `migrations directory not found: ${target.migrations}`);
  const files = await analyzePathsDetailed(["."], { cwd: dir, layout: target.layout === "auto" ? undefined : target.layout });
  const problems = files.flatMap((f) => f.report.errors.filter((e) => e.code !== "no-migrations").map((e) => `${f.source.path}${e.line ? `:${e.line}:${e.column}` : ""}: ${e.message}`));
  if (problems.length) throw new UserError("bad-migration", `cannot apply: ${problems.join("; ")}`);
  return files.filter((f) => f.report.errors.length === 0).map((f) => toMigration(f, dir));
}

function toMigration(f: AnalyzedFile, dir: string): Migration {
  const layout = f.source.layout as ApplyLayout;
  if (!APPLY_LAYOUTS.includes(layout)) throw new UserError("unsupported-layout", `${f.source.layout} migrations cannot be applied (or their history read) by Lockstep yet (${f.source.path})`);
  const rel = f.source.path;
  const absPath = path.join(dir, rel);
  const statements: MigrationStatement[] = f.statements
    .filter((s) => !s.summary.transaction) // explicit BEGIN/COMMIT: the executor owns transactions
    .map((s, index) => ({ index, sql: s.parsed.sql, transactional: s.report.transactional, line: s.parsed.line, locks: s.report.locks, summary: s.summary }));
  return { ...identity(layout, rel, dir), layout, path: rel, absPath, bytes: readFileSync(absPath), txMode: txMode(f.source.wrap), statements };
}

function txMode(wrap: TransactionWrap): TxMode {
  return wrap === "none" ? "none" : "file";
}

/** The version key the tool's own history uses, a readable name, and the down file when there is one. */
function identity(layout: ApplyLayout, rel: string, dir: string): { version: string; name: string; downPath?: string } {
  const base = path.basename(rel);
  const folder = path.basename(path.dirname(rel));
  switch (layout) {
    case "golang-migrate": {
      const m = /^(\d+)_(.+)\.up\.sql$/.exec(base)!;
      const down = path.join(path.dirname(rel), `${m[1]}_${m[2]}.down.sql`);
      return { version: String(BigInt(m[1]!)), name: m[2]!, downPath: existsSync(path.join(dir, down)) ? down : undefined };
    }
    case "flyway": {
      const m = /^V(\d+(?:[._]\d+)*)__(.+)\.sql$/.exec(base);
      if (!m) throw new UserError("unsupported-migration", `${rel}: only versioned Flyway migrations (V<version>__<name>.sql) can be applied`);
      return { version: m[1]!.replace(/_/g, "."), name: m[2]!.replace(/_/g, " ") };
    }
    case "diesel": {
      const m = /^(\d[\d-]*)_(.+)$/.exec(folder);
      const down = path.join(path.dirname(rel), "down.sql");
      return { version: (m ? m[1]! : folder).replace(/-/g, ""), name: m ? m[2]! : folder, downPath: existsSync(path.join(dir, down)) ? down : undefined };
    }
    case "prisma":
      return { version: folder, name: folder.replace(/^\d+_/, "") };
    default: {
      const m = /^(\d+)[_-]?(.*)\.sql$/.exec(base);
      return { version: m ? String(BigInt(m[1]!)) : rel, name: m?.[2] || base };
    }
  }
}

