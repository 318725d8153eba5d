import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { analyzePathsDetailed, type AnalyzedFile } from "../analyze/analyze.js";
import type { TransactionWrap } from "../analyze/sources.js";
import { UserError } from "../errors.js";
import type { TargetConfig } from "../config.js";
import type { ApplyLayout, Migration, MigrationStatement, TxMode } from "./types.js";

const APPLY_LAYOUTS: ApplyLayout[] = ["golang-migrate", "flyway", "diesel", "prisma", "drizzle", "dbmate", "plain"];

/** Layouts Lockstep checks but does not apply: the tool that applies them, for the error. */
const APPLIED_BY: Record<string, string> = {
  synapse: "Synapse applies its schema deltas itself when it starts",
  popx: "apply them with the service's own migrate command (Ory's `<service> migrate sql`)",
};

/**
 * The migrations of a target's directory in the order the layout applies them, parsed and
 * analysed (statements, transactional flags, predicted locks) by the analyzer.
 */
export async function loadMigrations(target: Pick<TargetConfig, "migrations" | "layout">, baseDir: string): Promise<Migration[]> {
  if (!target.migrations) throw new UserError("no-migrations-dir", "the target has no `migrations` directory configured");
  const dir = path.resolve(baseDir, target.migrations);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UserError("not-found", `migrations directory not found: ${target.migrations}`);
  refuseDjango(dir, target.migrations);
  const files = await analyzePathsDetailed(["."], { cwd: dir, layout: target.layout === "auto" ? undefined : target.layout });
  const problems = files.flatMap((f) => f.report.errors.filter((e) => e.code !== "no-migrations").map((e) => `${f.source.path}${e.line ? `:${e.line}:${e.column}` : ""}: ${e.message}`));
  if (problems.length) throw new UserError("bad-migration", `cannot apply: ${problems.join("; ")}`);
  const ok = files.filter((f) => f.report.errors.length === 0);
  const journal = ok.some((f) => f.source.layout === "drizzle") ? drizzleJournal(dir) : undefined;
  return refuseSharedVersions(ok.map((f) => toMigration(f, dir, journal)));
}

/** Two files with one version would be recorded as one in the history: the tool itself refuses them too. */
function refuseSharedVersions(migrations: Migration[]): Migration[] {
  const seen = new Map<string, string>();
  for (const m of migrations) {
    const other = seen.get(m.version);
    if (other) throw new UserError("bad-migration", `cannot apply: ${other} and ${m.path} have the same version (${m.version})`, { hint: "give one of them the next free version number" });
    seen.set(m.version, m.path);
  }
  return migrations;
}

function toMigration(f: AnalyzedFile, dir: string, journal: Map<string, number> | undefined): Migration {
  const layout = f.source.layout as ApplyLayout;
  if (!APPLY_LAYOUTS.includes(layout)) {
    throw new UserError("unsupported-layout", `${f.source.layout} migrations cannot be applied by Lockstep (${f.source.path}): ${APPLIED_BY[layout] ?? "apply them with their own tool"}`, { hint: APPROVAL_HINT });
  }
  const rel = f.source.path;
  const absPath = path.join(dir, rel);
  const statements: MigrationStatement[] = f.statements
    .filter((s) => !s.summary.transaction) // explicit BEGIN/COMMIT: the executor owns transactions
    .map((s, index) => ({ index, sql: s.parsed.sql, transactional: s.report.transactional, line: s.parsed.line, locks: s.report.locks, summary: s.summary }));
  const extra = layout === "drizzle" ? { journalWhen: journalWhen(journal, rel) } : {};
  return { ...identity(layout, rel, dir), layout, path: rel, absPath, bytes: readFileSync(absPath), txMode: txMode(f.source.wrap), statements, ...extra };
}

const APPROVAL_HINT = "the check, approval and audit trail still work: get the SQL approved in Slack (/migrate check, or paste it in the modal), then apply it with that tool; `lockstep audit` shows the record";

/** Django migrations are Python: Lockstep checks their SQL (sqlmigrate), Django's migrate applies them. */
function refuseDjango(dir: string, shown: string): void {
  const names = readdirSync(dir);
  if (!names.some((n) => /^\d{4}_\w+\.py$/.test(n)) || names.some((n) => n.endsWith(".sql"))) return;
  throw new UserError("unsupported-layout", `${shown} holds Django migrations (Python): apply them with \`python manage.py migrate\`, not Lockstep`, {
    hint: "check each one with `python manage.py sqlmigrate APP NNNN | lockstep check - --db env:DATABASE_URL`, and get it approved in Slack by pasting that SQL in /migrate check: the approval and audit trail are kept by Lockstep (`lockstep audit`)",
  });
}

/** Drizzle: tag -> `when` of meta/_journal.json (drizzle-kit runs only the files its journal lists). */
function drizzleJournal(dir: string): Map<string, number> {
  const file = path.join(dir, "meta", "_journal.json");
  if (!existsSync(file)) throw new UserError("bad-migration", `cannot apply: ${path.join("meta", "_journal.json")} is missing: drizzle-kit migrate runs only the migrations its journal lists`);
  try {
    const j = JSON.parse(readFileSync(file, "utf8")) as { entries?: Array<{ tag: string; when: number }> };
    return new Map((j.entries ?? []).map((e) => [e.tag, Number(e.when)]));
  } catch (e) {
    throw new UserError("bad-migration", `cannot apply: ${path.join("meta", "_journal.json")}: ${(e as Error).message}`);
  }
}

function journalWhen(journal: Map<string, number> | undefined, rel: string): number {
  const when = journal?.get(path.basename(rel, ".sql"));
  if (when === undefined || !Number.isFinite(when)) {
    throw new UserError("bad-migration", `cannot apply: ${rel} is not in meta/_journal.json, so drizzle-kit migrate would never run it`, {
      hint: "add it with drizzle-kit generate (or lockstep plan --out into the directory, which appends the journal entry), or remove it",
    });
  }
  return when;
}

function txMode(wrap: TransactionWrap): TxMode {
  return wrap === "none" ? "none" : "file";
}

/** The version key the tool's own history uses, a readable name, and the down file when there is one. */
function identity(layout: ApplyLayout, rel: string, dir: string): { version: string; name: string; downPath?: string; repeatable?: boolean } {
  const base = path.basename(rel);
  const folder = path.basename(path.dirname(rel));
  switch (layout) {
    case "golang-migrate": {
      const m = /^(\d+)_(.+)\.up\.sql$/.exec(base)!;
      const down = path.join(path.dirname(rel), `${m[1]}_${m[2]}.down.sql`);
      return { version: String(BigInt(m[1]!)), name: m[2]!, downPath: existsSync(path.join(dir, down)) ? down : undefined };
    }
    case "flyway": {
      const repeatable = /^R__(.+)\.sql$/.exec(base);
      if (repeatable) return { version: flywayRepeatableKey(repeatable[1]!.replace(/_/g, " ")), name: repeatable[1]!.replace(/_/g, " "), repeatable: true };
      const m = /^V(\d+(?:[._]\d+)*)__(.+)\.sql$/.exec(base);
      if (!m) throw new UserError("unsupported-migration", `${rel}: only versioned (V<version>__<name>.sql) and repeatable (R__<name>.sql) Flyway migrations can be applied`);
      return { version: m[1]!.replace(/_/g, "."), name: m[2]!.replace(/_/g, " ") };
    }
    case "diesel": {
      const m = /^(\d[\d-]*)_(.+)$/.exec(folder);
      const down = path.join(path.dirname(rel), "down.sql");
      return { version: (m ? m[1]! : folder).replace(/-/g, ""), name: m ? m[2]! : folder, downPath: existsSync(path.join(dir, down)) ? down : undefined };
    }
    case "prisma":
      return { version: folder, name: folder.replace(/^\d+_/, "") };
    case "drizzle":
      return { version: base.replace(/\.sql$/, ""), name: base.replace(/^\d+_/, "").replace(/\.sql$/, "") };
    case "dbmate": {
      // dbmate's version is the leading digits of the file name; the down section is in the same file
      const m = /^(\d+)_?(.*)\.sql$/.exec(base);
      if (!m) throw new UserError("unsupported-migration", `${rel}: dbmate migration names start with a version number (e.g. 20240101120000_create_users.sql)`);
      return { version: m[1]!, name: m[2] || base };
    }
    default: {
      const m = /^(\d+)[_-]?(.*)\.sql$/.exec(base);
      return { version: m ? String(BigInt(m[1]!)) : rel, name: m?.[2] || base };
    }
  }
}

/** The key a Flyway repeatable migration has in Lockstep's history: Flyway tells them apart by description. */
export function flywayRepeatableKey(description: string): string {
  return `R__${description}`;
}
