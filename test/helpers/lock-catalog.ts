import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { strongestMode } from "../../src/analyze/risk.js";
import { LOCK_MODES, type LockMode, type StatementLock, type StatementReport } from "../../src/analyze/types.js";
import { connect } from "../../src/db/connection.js";
import { createShadow, type Shadow } from "../../src/db/shadow.js";
import { splitScript } from "../../src/db/sql-script.js";
import { traceSql } from "../../src/trace/trace.js";
import { LOCK_CATALOG_DIR, loadFixtureSchema } from "./fixture.js";

export interface CatalogEntry {
  /** e.g. "05-indexes.sql:2" (file and line) */
  id: string;
  family: string;
  sql: string;
  /**
   * What Postgres does that `trace` does not see (a lock taken in a later internal transaction),
   * from a `-- postgres: rel Mode, rewrite rel (why)` line right above the statement; checked
   * against Postgres on its own in multi-transaction-locks.test.ts.
   */
  postgres?: { locks: StatementLock[]; rewrites: string[] };
  /**
   * Where check is cautious on purpose, beyond what Postgres does on the fixture's data (a blocking
   * lock rows matching by the time the migration runs would take), from a `-- cautious: rel Mode,
   * rewrite rel (why)` line right above the statement: the prediction must show these too.
   */
  cautious?: { locks: StatementLock[]; rewrites: string[] };
}

/** What check must predict for an entry: what Postgres does, with the entry's cautious additions. */
export function expectedPrediction<T extends Pick<StatementReport, "locks" | "rewrites">>(observed: T, entry: CatalogEntry): T {
  return entry.cautious ? { ...observed, ...withPostgresNote(observed, entry.cautious) } : observed;
}

/** Every statement of test/fixtures/lock-catalog/NN-*.sql is one entry, traced on its own. */
export async function loadCatalog(): Promise<CatalogEntry[]> {
  const files = readdirSync(LOCK_CATALOG_DIR).filter((f) => /^\d+-.*\.sql$/.test(f)).sort();
  const entries: CatalogEntry[] = [];
  for (const f of files) {
    const text = readFileSync(path.join(LOCK_CATALOG_DIR, f), "utf8");
    const lines = text.split("\n");
    for (const s of await splitScript(text)) {
      const postgres = parsePostgresNote(lines[s.line - 2] ?? "");
      const cautious = parsePostgresNote(lines[s.line - 2] ?? "", "cautious");
      entries.push({ id: `${f}:${s.line}`, family: f.replace(/\.sql$/, ""), sql: `${s.sql};`, ...(postgres ? { postgres } : {}), ...(cautious ? { cautious } : {}) });
    }
  }
  return entries;
}

/** `-- postgres: part.x AccessExclusiveLock, rewrite part.y (why)` */
function parsePostgresNote(line: string, label = "postgres"): CatalogEntry["postgres"] {
  const m = new RegExp(`^--\\s*${label}:\\s*(.*?)\\s*(\\(.*\\))?\\s*$`).exec(line);
  if (!m) return undefined;
  const locks: StatementLock[] = [];
  const rewrites: string[] = [];
  for (const item of m[1]!.split(",").map((x) => x.trim())) {
    const [a, b] = item.split(/\s+/);
    if (a === "rewrite" && b) rewrites.push(b);
    else if (a && (LOCK_MODES as readonly string[]).includes(b ?? "")) locks.push({ relation: a, mode: b as LockMode });
    else throw new Error(`unreadable postgres note: ${item}`);
  }
  return { locks, rewrites };
}

/** What trace observed, with what Postgres does beyond its sight added. */
function withPostgresNote(observed: Pick<StatementReport, "locks" | "rewrites">, note: CatalogEntry["postgres"]): Pick<StatementReport, "locks" | "rewrites"> {
  if (!note) return observed;
  const modes = new Map(observed.locks.map((l) => [l.relation, l.mode]));
  for (const l of note.locks) modes.set(l.relation, strongestMode([l.mode, ...(modes.has(l.relation) ? [modes.get(l.relation)!] : [])])!);
  return {
    locks: [...modes].sort(([a], [b]) => a.localeCompare(b)).map(([relation, mode]) => ({ relation, mode })),
    rewrites: [...new Set([...observed.rewrites, ...note.rewrites])].sort(),
  };
}

/** A database holding the fixture schema, to clone a fresh copy from for every entry. */
export async function createFixtureTemplate(): Promise<{ name: string; drop(): Promise<void> }> {
  const template = await createShadow();
  await loadFixtureSchema(template.client);
  await template.client.end(); // CREATE DATABASE ... TEMPLATE needs it unused
  return { name: template.name, drop: () => template.drop() };
}

export type Observed = Pick<StatementReport, "locks" | "rewrites" | "transactional"> & { error?: string };

/**
 * Traces entries one by one, each against the pristine fixture schema: transactional entries are
 * rolled back; after an entry that took effect (CONCURRENTLY, VACUUM, ...) the next one gets a
 * fresh clone of the template. Each entry runs on a new connection, as a migration of its own
 * would: what a backend caches (a partition's constraint, read from the tables above it under
 * AccessShareLock on first use) must not carry over from the entries before it.
 */
export class CatalogTracer {
  private shadow?: Shadow;
  constructor(private readonly templateName: string) {}

  async trace(entry: CatalogEntry): Promise<Observed> {
    this.shadow ??= await createShadow({ template: this.templateName });
    const runner = await connect(this.shadow.url, { applicationName: "lockstep-catalog-runner" });
    const report = await traceSql(entry.id, entry.sql, { url: this.shadow.url, client: runner }, { keep: false }).finally(() => runner.end());
    const s = report.statements[0]!;
    if (!s.transactional) await this.close();
    return {
      ...withPostgresNote(s, entry.postgres),
      transactional: s.transactional,
      ...(report.errors.length ? { error: report.errors.map((e) => e.message).join("; ") } : {}),
    };
  }

  async close(): Promise<void> {
    await this.shadow?.drop();
    this.shadow = undefined;
  }
}
