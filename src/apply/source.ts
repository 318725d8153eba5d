import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { UserError } from "../errors.js";
import type { TargetConfig } from "../config.js";
import { splitStatements } from "./statements.js";
import type { ApplyLayout, Migration, TxMode } from "./types.js";

interface FoundFile {
  version: string;
  name: string;
  path: string;
  downPath?: string;
  txMode: TxMode;
}

const GOLANG_MIGRATE = /^(\d+)_(.+)\.up\.sql$/;
const FLYWAY = /^V(\d+(?:[._]\d+)*)__(.+)\.sql$/;
const PLAIN = /^(\d+)[_-]?(.*)\.sql$/;
const DIESEL_DIR = /^(\d[\d-]*)_(.+)$/;

/**
 * The migrations of a target's directory, in the order the layout applies them.
 * Stand-in for the analyzer's layout detection (src/analyze/sources.ts) until it is merged.
 */
export async function loadMigrations(target: Pick<TargetConfig, "migrations" | "layout">, cwd: string): Promise<Migration[]> {
  if (!target.migrations) throw new UserError("no-migrations-dir", "the target has no `migrations` directory configured");
  const dir = path.resolve(cwd, target.migrations);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UserError("not-found", `migrations directory not found: ${target.migrations}`);
  const layout = target.layout === "auto" ? detectLayout(dir) : (target.layout as string);
  const found = findFiles(dir, layout);
  const out: Migration[] = [];
  for (const f of found) {
    const absPath = path.join(dir, f.path);
    const bytes = readFileSync(absPath);
    const statements = await splitStatements(bytes.toString("utf8"), f.path);
    out.push({ ...f, layout: layout as ApplyLayout, absPath, bytes, statements });
  }
  return out;
}

export function detectLayout(dir: string): ApplyLayout {
  const entries = readdirSync(dir, { withFileTypes: true });
  const files = entries.filter((e) => e.isFile()).map((e) => e.name);
  if (files.some((f) => GOLANG_MIGRATE.test(f))) return "golang-migrate";
  if (files.some((f) => FLYWAY.test(f))) return "flyway";
  const dirs = entries.filter((e) => e.isDirectory()).map((e) => e.name);
  if (dirs.some((d) => existsSync(path.join(dir, d, "migration.sql")))) return "prisma";
  if (dirs.some((d) => existsSync(path.join(dir, d, "up.sql")))) return "diesel";
  if (files.some((f) => PLAIN.test(f))) return "plain";
  throw new UserError("unknown-layout", `cannot tell the migration layout of ${dir}`, { hint: "set the target's `layout`" });
}

function findFiles(dir: string, layout: string): FoundFile[] {
  const entries = readdirSync(dir, { withFileTypes: true });
  const files = entries.filter((e) => e.isFile()).map((e) => e.name);
  const dirs = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
  switch (layout) {
    case "golang-migrate":
      return files
        .flatMap((f) => {
          const m = GOLANG_MIGRATE.exec(f);
          if (!m) return [];
          const down = `${m[1]}_${m[2]}.down.sql`;
          return [{ version: String(BigInt(m[1]!)), name: m[2]!, path: f, downPath: files.includes(down) ? down : undefined, txMode: "file" as const }];
        })
        .sort((a, b) => (BigInt(a.version) < BigInt(b.version) ? -1 : 1));
    case "flyway":
      return files
        .flatMap((f) => {
          const m = FLYWAY.exec(f);
          return m ? [{ version: m[1]!.replace(/_/g, "."), name: m[2]!.replace(/_/g, " "), path: f, txMode: "file" as const }] : [];
        })
        .sort((a, b) => compareDotted(a.version, b.version));
    case "diesel":
      return dirs.flatMap((d) => {
        if (!existsSync(path.join(dir, d, "up.sql"))) return [];
        const m = DIESEL_DIR.exec(d);
        const meta = path.join(dir, d, "metadata.toml");
        const noTx = existsSync(meta) && /run_in_transaction\s*=\s*false/.test(readFileSync(meta, "utf8"));
        const down = path.join(d, "down.sql");
        return [{
          version: (m ? m[1]! : d).replace(/-/g, ""),
          name: m ? m[2]! : d,
          path: path.join(d, "up.sql"),
          downPath: existsSync(path.join(dir, down)) ? down : undefined,
          txMode: noTx ? ("none" as const) : ("file" as const),
        }];
      });
    case "prisma":
      return dirs.flatMap((d) => (existsSync(path.join(dir, d, "migration.sql")) ? [{ version: d, name: d.replace(/^\d+_/, ""), path: path.join(d, "migration.sql"), txMode: "file" as const }] : []));
    case "plain":
      return files
        .flatMap((f) => {
          const m = PLAIN.exec(f);
          return m ? [{ version: String(BigInt(m[1]!)), name: m[2] || f, path: f, txMode: "file" as const }] : [];
        })
        .sort((a, b) => (BigInt(a.version) < BigInt(b.version) ? -1 : 1));
    default:
      throw new UserError("unsupported-layout", `lockstep apply does not support the ${layout} layout yet`);
  }
}

/** Flyway-style version order: 1.2 < 1.10, leading zeros ignored. */
export function compareDotted(a: string, b: string): number {
  const pa = a.split(".").map((p) => BigInt(p));
  const pb = b.split(".").map((p) => BigInt(p));
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? 0n;
    const y = pb[i] ?? 0n;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}
