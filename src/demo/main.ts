import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { analyzePathsDetailed } from "../analyze/analyze.js";
import { introspect } from "../db/introspect.js";
import { renderCheckText } from "../render/check-text.js";
import { loadConfig } from "../config.js";
import { defaultDataDir, startEmbedded } from "../db/embedded.js";
import { quoteIdent } from "../db/connection.js";
import { redact } from "../redact.js";
import { DEMO_DATABASE, DEMO_SCHEMA_SQL } from "./schema.js";

/**
 * `npm run demo`: start the embedded Postgres (state.data_dir), (re)create a demo database
 * with a small schema and data, and show what it holds.
 */
async function main() {
  const { config } = loadConfig();
  const out = (line = "") => process.stdout.write(`${line}\n`);
  out("Starting embedded PostgreSQL 18 ...");
  const server = await startEmbedded({ dataDir: defaultDataDir(config.state.data_dir) });
  try {
    const admin = new pg.Client({ connectionString: server.url() });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(DEMO_DATABASE)} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${quoteIdent(DEMO_DATABASE)}`);
    await admin.end();
    const url = server.url(DEMO_DATABASE);
    out(`Demo database: ${redact(url)}`);
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    await db.query(DEMO_SCHEMA_SQL);
    const tables = await db.query<{ name: string; rows: string; size: string; indexes: string }>(`
      SELECT c.relname AS name, c.reltuples::bigint AS rows, pg_size_pretty(pg_total_relation_size(c.oid)) AS size,
             (SELECT string_agg(i.relname, ', ' ORDER BY i.relname) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = c.oid) AS indexes
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'public' AND c.relkind IN ('r','p') ORDER BY c.relname`);
    const version = await db.query<{ v: string }>("SELECT current_setting('server_version') AS v");
    out(`PostgreSQL ${version.rows[0]!.v}, demo schema:`);
    for (const t of tables.rows) out(`  table ${t.name}: ~${t.rows} rows, ${t.size}; indexes: ${t.indexes ?? "none"}`);
    const schema = await introspect(db);
    await db.end();
    out("");
    out("lockstep check examples/migrations --db <demo database>:");
    out("");
    const files = await analyzePathsDetailed([EXAMPLES], { cwd: REPO_ROOT, schema, pgVersion: Math.floor((schema.serverVersion ?? 180000) / 10000) });
    const report = { version: 1 as const, files: files.map((f) => f.report) };
    const sources = Object.fromEntries(files.map((f) => [f.report.path, f.source.text ?? ""]));
    out(renderCheckText(report, { sources }));
  } finally {
    await server.stop();
  }
}

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const EXAMPLES = "examples/migrations";

main().catch((e: unknown) => {
  process.stderr.write(`demo failed: ${redact(e instanceof Error ? e.message : String(e))}\n`);
  process.exitCode = 3;
});
