import type pg from "pg";
import { analyzeSource } from "../analyze/analyze.js";
import { DEFAULT_PG_VERSION } from "../analyze/locks.js";
import { loadParser } from "../analyze/parse.js";
import { SchemaContext } from "../analyze/schema.js";
import { sourceFromBuffer, type Layout } from "../analyze/sources.js";
import type { CheckReport, SchemaSnapshot } from "../analyze/types.js";
import { connect } from "../db/connection.js";
import type { ContentFile } from "./content-hash.js";

export interface CheckFile extends ContentFile {
  /** the tool's layout (decides transaction semantics); plain for ad-hoc SQL */
  layout?: Layout;
  /** on the bot's disk, for the tool's side files (Flyway .conf, diesel metadata.toml) */
  abs?: string;
}

export interface CheckInput {
  /** exactly the bytes the content hash covers */
  files: CheckFile[];
  /** the target's database (readonly_url_env when set): schema context */
  schemaUrl?: string;
  pgVersion?: number;
}

/** Analysis as the bot needs it; injectable so the Slack flow does not care where reports come from. */
export type Analyzer = (input: CheckInput) => Promise<CheckReport>;

interface IntrospectModule {
  introspect(client: pg.ClientBase): Promise<SchemaSnapshot>;
}

// Catalog introspection is built on another branch; loaded by name so this module builds before
// it lands. TODO(slack): a static import once src/db/introspect.ts is on main.
const INTROSPECT_MODULE = "../db/introspect.js";

/**
 * Analyse the hashed bytes themselves (not the files again: what is approved is what was
 * analysed), in order, with one schema context across the files, like analyzePaths does.
 */
export const runCheck: Analyzer = async (input) => {
  await loadParser();
  const schema = new SchemaContext(input.schemaUrl ? await readSchema(input.schemaUrl) : undefined);
  const report: CheckReport = { version: 1, files: [] };
  for (const f of input.files) {
    schema.startMigration();
    const source = sourceFromBuffer(f.path, f.bytes, f.layout ?? "plain", f.abs);
    report.files.push(analyzeSource(source, schema, input.pgVersion ?? DEFAULT_PG_VERSION).report);
  }
  return report;
};

async function readSchema(url: string): Promise<SchemaSnapshot | undefined> {
  let mod: IntrospectModule;
  try {
    mod = (await import(INTROSPECT_MODULE)) as IntrospectModule;
  } catch (e) {
    if ((e as { code?: string }).code === "ERR_MODULE_NOT_FOUND") return undefined;
    throw e;
  }
  const client = await connect(url, { applicationName: "lockstep-slack", readonly: true });
  try {
    return await mod.introspect(client);
  } finally {
    await client.end();
  }
}
