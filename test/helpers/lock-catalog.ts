import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import type { StatementReport } from "../../src/analyze/types.js";
import { createShadow, type Shadow } from "../../src/db/shadow.js";
import { splitScript } from "../../src/db/sql-script.js";
import { traceSql } from "../../src/trace/trace.js";
import { LOCK_CATALOG_DIR, loadFixtureSchema } from "./fixture.js";

export interface CatalogEntry {
  /** e.g. "05-indexes.sql:2" (file and line) */
  id: string;
  family: string;
  sql: string;
}

/** Every statement of test/fixtures/lock-catalog/NN-*.sql is one entry, traced on its own. */
export async function loadCatalog(): Promise<CatalogEntry[]> {
  const files = readdirSync(LOCK_CATALOG_DIR).filter((f) => /^\d+-.*\.sql$/.test(f)).sort();
  const entries: CatalogEntry[] = [];
  for (const f of files) {
    for (const s of await splitScript(readFileSync(path.join(LOCK_CATALOG_DIR, f), "utf8"))) {
      entries.push({ id: `${f}:${s.line}`, family: f.replace(/\.sql$/, ""), sql: `${s.sql};` });
    }
  }
  return entries;
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
 * fresh clone of the template.
 */
export class CatalogTracer {
  private shadow?: Shadow;
  constructor(private readonly templateName: string) {}

  async trace(entry: CatalogEntry): Promise<Observed> {
    this.shadow ??= await createShadow({ template: this.templateName });
    const report = await traceSql(entry.id, entry.sql, this.shadow, { keep: false });
    const s = report.statements[0]!;
    if (!s.transactional) await this.close();
    return {
      locks: s.locks,
      rewrites: s.rewrites,
      transactional: s.transactional,
      ...(report.errors.length ? { error: report.errors.map((e) => e.message).join("; ") } : {}),
    };
  }

  async close(): Promise<void> {
    await this.shadow?.drop();
    this.shadow = undefined;
  }
}
