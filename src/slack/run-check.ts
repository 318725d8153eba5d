import { analyzeSource, askAboutRows, type AnalyzedFile } from "../analyze/analyze.js";
import { DEFAULT_PG_VERSION } from "../analyze/locks.js";
import { loadParser } from "../analyze/parse.js";
import { SchemaContext } from "../analyze/schema.js";
import { sourceFromBuffer } from "../analyze/sources.js";
import type { CheckReport } from "../analyze/types.js";
import { catalogReadError, connect } from "../db/connection.js";
import { introspect } from "../db/introspect.js";
import { rowProber } from "../db/row-probe.js";
import { addUsageEvidence } from "../usage/evidence.js";
import type { CheckFile } from "../approval/migration-source.js";
import type { Shadow } from "../db/shadow.js";
import type { CatalogState } from "../plan/catalog-diff.js";

export interface CheckInput {
  /** exactly the bytes the content hash covers */
  files: CheckFile[];
  /** the target's database (readonly_url_env when set): schema context */
  schemaUrl?: string;
  pgVersion?: number;
  /** verify each statement's rollback (and down files) on a shadow copy of schemaUrl's schema */
  verifyRollback?: boolean;
  /** superuser URL of the server hosting the shadow copies; default: LOCKSTEP_SHADOW_ADMIN_URL or an embedded server of this thread */
  shadowAdminUrl?: string;
  /** an empty database on shadowAdminUrl created ahead (spareShadows), to hold the shadow copy; dropped after use */
  shadowDatabase?: string;
  /** the target's `code` setting: search it for the names that drops, renames and type changes remove */
  code?: CodeSearchInput;
  /** how rollback notes' `lockstep save` lines name the database, e.g. --target prod */
  dbLabel?: string;
}

/** The code search of a target (plain data: it crosses to the analysis worker). */
export interface CodeSearchInput {
  /** absolute directories that exist */
  dirs: string[];
  /** configured directories that do not exist on the bot's disk */
  missing: string[];
  /** the migrations dir */
  exclude: string[];
  /** results name files relative to it (the config file's directory) */
  base: string;
  /** PATH and LOCKSTEP_RIPGREP, to find ripgrep */
  env: Record<string, string | undefined>;
}

/** Analysis as the bot needs it; injectable so the Slack flow does not care where reports come from. */
export type Analyzer = (input: CheckInput) => Promise<CheckReport>;

/**
 * Analyse the hashed bytes themselves (not the files again: what is approved is what was
 * analysed), in order, with one schema context across the files, like analyzePaths does.
 */
export const runCheck: Analyzer = async (input) => {
  // the shadow copy of the target's schema is made while the catalog is read and the files analysed
  const shadow = input.verifyRollback && input.schemaUrl ? shadowFor(input) : undefined;
  // and its catalog as copied, the state before the first statement
  const initial = shadow?.then(async (s) => (await import("../plan/catalog-diff.js")).catalogState(s.client));
  // their failures are reported where the verification awaits them
  shadow?.catch(() => undefined);
  initial?.catch(() => undefined);
  try {
    return await analyse(input, shadow && { shadow, initial: initial! });
  } finally {
    // after the report (nothing waits for it); a shadow that failed to come up dropped what it had
    void shadow?.then((s) => s.drop()).catch(() => undefined);
  }
};

async function shadowFor(input: CheckInput): Promise<Shadow> {
  const { shadowFrom } = await import("../db/shadow.js");
  // the statements run for real there: as a role without superuser, never as the server admin
  return shadowFrom({ url: input.schemaUrl, adminUrl: input.shadowAdminUrl, restricted: true, ...(input.shadowDatabase ? { database: input.shadowDatabase } : {}) });
}

async function analyse(input: CheckInput, verification: { shadow: Promise<Shadow>; initial: Promise<CatalogState> } | undefined): Promise<CheckReport> {
  await loadParser();
  // like `lockstep check --db`: the catalog, then the rows UPDATEs and DELETEs touch, asked read-only
  const client = input.schemaUrl ? await connect(input.schemaUrl, { applicationName: "lockstep-slack", readonly: true }) : undefined;
  const analysed: AnalyzedFile[] = [];
  try {
    const snapshot = client ? await introspect(client).catch((e: unknown) => {
      throw catalogReadError(input.schemaUrl!, e);
    }) : undefined;
    const probe = client ? rowProber(client) : undefined;
    const schema = new SchemaContext(snapshot);
    // like `lockstep check`: the server's own version first, then the target's pg_version
    const serverMajor = snapshot?.serverVersion ? Math.floor(snapshot.serverVersion / 10000) : undefined;
    const pg = Math.min(18, Math.max(11, serverMajor ?? input.pgVersion ?? DEFAULT_PG_VERSION));
    for (const f of input.files) {
      schema.startMigration();
      const source = sourceFromBuffer(f.path, f.bytes, f.layout ?? "plain", f.abs);
      if (probe) await askAboutRows(source, schema, probe);
      analysed.push(analyzeSource(source, schema, pg, input.dbLabel ? { dbLabel: input.dbLabel } : {}));
    }
  } finally {
    await client?.end();
  }
  if (verification) {
    const { verifyFileRollbacks } = await import("../plan/check-verify.js");
    await verifyFileRollbacks(analysed, verification, (a) => input.files[analysed.indexOf(a)]?.abs);
  }
  const report: CheckReport = { version: 1, files: analysed.map((a) => a.report) };
  await addUsageEvidence(analysed, report, {
    ...(input.code ? { code: { ...input.code, env: input.code.env as NodeJS.ProcessEnv } } : {}),
    ...(input.schemaUrl ? { db: input.schemaUrl } : {}),
  });
  return report;
}
