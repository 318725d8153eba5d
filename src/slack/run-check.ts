import type pg from "pg";
import type { CheckReport, SchemaSnapshot } from "../analyze/types.js";
import { connect } from "../db/connection.js";
import { UserError } from "../errors.js";
import type { ContentFile } from "./content-hash.js";

export interface CheckInput {
  /** exactly the bytes the content hash covers */
  files: ContentFile[];
  /** the target's database (readonly_url_env when set): schema context */
  schemaUrl?: string;
  pgVersion?: number;
}

/** Analysis as the bot needs it; injectable so the Slack flow does not care where reports come from. */
export type Analyzer = (input: CheckInput) => Promise<CheckReport>;

interface AnalyzeModule {
  analyzeSql(path: string, sql: string | Buffer, opts: { schema?: SchemaSnapshot; pgVersion?: number }): Promise<CheckReport>;
}
interface IntrospectModule {
  introspect(client: pg.ClientBase): Promise<SchemaSnapshot>;
}

// The analyzer and the catalog reader are built on other branches; loaded by name so this module
// builds before they land. TODO(slack): static imports once both are on main.
const ANALYZE_MODULE = "../analyze/analyze.js";
const INTROSPECT_MODULE = "../db/introspect.js";

async function load<T>(specifier: string, what: string): Promise<T> {
  try {
    return (await import(specifier)) as T;
  } catch (e) {
    if ((e as { code?: string }).code === "ERR_MODULE_NOT_FOUND") {
      throw new UserError("analyzer-missing", `${what} is not part of this build yet`);
    }
    throw e;
  }
}

/** Analyse each file with the target's schema as context; one CheckReport for all of them. */
export const runCheck: Analyzer = async (input) => {
  const { analyzeSql } = await load<AnalyzeModule>(ANALYZE_MODULE, "the analyzer");
  const schema = input.schemaUrl ? await readSchema(input.schemaUrl) : undefined;
  const report: CheckReport = { version: 1, files: [] };
  for (const f of input.files) {
    const one = await analyzeSql(f.path, f.bytes, { schema, pgVersion: input.pgVersion });
    report.files.push(...one.files);
  }
  return report;
};

async function readSchema(url: string): Promise<SchemaSnapshot> {
  const { introspect } = await load<IntrospectModule>(INTROSPECT_MODULE, "schema introspection");
  const client = await connect(url, { applicationName: "lockstep-slack", readonly: true });
  try {
    return await introspect(client);
  } finally {
    await client.end();
  }
}
