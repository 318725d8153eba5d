/**
 * Real migration histories, replayed in order on PostgreSQL 18: before each file, `check` reads the
 * live catalog and asks which rows DML touches (as `check --db` does, read-only) and predicts every statement's locks and rewrites; then each
 * statement runs for real (its own transaction, or the blocking method for statements that refuse
 * one) and what Postgres took is compared with the prediction. A file is exact when every one of
 * its statements is. Prints JSON (per project and in all); HISTORY_REPORT=FILE writes every
 * disagreement as markdown.
 *
 *   node dist/bench/history-agreement.js [project ...]     (default: every replayable project)
 *
 * The corpus is ../shared/corpus (see its SOURCES.md). A project stops at the first file Postgres
 * refuses (its history needs something this server lacks); the files before it still count.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { analyzeSource, askAboutRows } from "../src/analyze/analyze.js";
import { loadParser } from "../src/analyze/parse.js";
import { SchemaContext } from "../src/analyze/schema.js";
import { listMigrationFiles, sourceFromBuffer, detectLayout } from "../src/analyze/sources.js";
import { LOCK_MODES, type LockMode, type StatementReport } from "../src/analyze/types.js";
import { connect } from "../src/db/connection.js";
import { introspect } from "../src/db/introspect.js";
import { rowProber } from "../src/db/row-probe.js";
import { closeShadowServer, createShadow } from "../src/db/shadow.js";
import { splitScript } from "../src/db/sql-script.js";
import { Observer } from "../src/trace/observe.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const CORPUS = path.resolve(ROOT, "../shared/corpus");

/** project -> the directory whose files form one history, in the tool's order */
const PROJECTS: Record<string, string> = {
  harbor: "harbor",
  documenso: "documenso",
  lemmy: "lemmy",
  concourse: "concourse",
  "ory-hydra": "ory-hydra",
  "ory-kratos": "ory-kratos/sql",
  "supabase-auth": "supabase-auth/rendered",
};

const TOOL_TABLES = `
  CREATE TABLE schema_migrations (version bigint PRIMARY KEY, dirty boolean NOT NULL);
  CREATE TABLE __diesel_schema_migrations (version varchar(50) PRIMARY KEY, run_on timestamp NOT NULL DEFAULT now());
  CREATE TABLE _prisma_migrations (id varchar(36) PRIMARY KEY, checksum varchar(64) NOT NULL, finished_at timestamptz,
    migration_name varchar(255) NOT NULL, logs text, rolled_back_at timestamptz, started_at timestamptz NOT NULL DEFAULT now(),
    applied_steps_count integer NOT NULL DEFAULT 0)`;

const OTHER_DIALECT = /\.(mysql|sqlite3?|cockroach)\./;

/** what a project's own migrator does before its first file */
const SETUP: Record<string, string> = {
  "supabase-auth": "CREATE SCHEMA auth",
};

interface Gap {
  file: string;
  line: number;
  sql: string;
  predicted: unknown;
  observed: unknown;
}

interface ProjectResult {
  project: string;
  files: number;
  exact_files: number;
  statements: number;
  exact_statements: number;
  /** statements where Postgres took ShareLock or stronger on a relation and check predicted weaker (or nothing), or rewrote one check did not predict */
  blocking_misses: number;
  stopped_at?: string;
  stop_reason?: string;
}

const rank = (mode: string | undefined) => (mode ? LOCK_MODES.indexOf(mode as LockMode) : -1);

const facts = (s: Pick<StatementReport, "locks" | "rewrites"> | undefined) =>
  s && { locks: s.locks.map((l) => `${l.relation} ${l.mode}`), rewrites: s.rewrites };

async function replay(project: string, gaps: Gap[]): Promise<ProjectResult> {
  const dir = path.join(CORPUS, PROJECTS[project]!);
  // popx histories hold one file per dialect: Postgres runs the generic and .postgres. ones
  const files = listMigrationFiles(dir).filter((f) => !OTHER_DIALECT.test(path.basename(f)));
  const result: ProjectResult = { project, files: 0, exact_files: 0, statements: 0, exact_statements: 0, blocking_misses: 0 };
  const shadow = await createShadow();
  const observer = new Observer(shadow.url, shadow.client);
  // check --db's own read-only session: the catalog, and which rows DML would touch
  const reader = await connect(shadow.url, { applicationName: "lockstep check", readonly: true });
  // the migration tools' own history tables, which some histories read or write
  await shadow.client.query(TOOL_TABLES);
  if (SETUP[project]) await shadow.client.query(SETUP[project]!);
  try {
    for (const file of files) {
      const rel = path.relative(CORPUS, file);
      const buf = readFileSync(file);
      const source = sourceFromBuffer(rel, buf, detectLayout(file, buf));
      if (source.text === undefined) continue;
      let statements;
      try {
        statements = await splitScript(source.text);
      } catch {
        continue; // not SQL Postgres parses (a template): not part of the history
      }
      if (statements.length === 0) continue;
      const schema = new SchemaContext(await introspect(reader));
      // HISTORY_DEBUG=<part of a file name>: print the row questions asked before that file, and their answers
      const probe = rowProber(reader); // each file is its own `check --db` run, with its own question budget
      const debug = process.env.HISTORY_DEBUG && rel.includes(process.env.HISTORY_DEBUG);
      await askAboutRows(source, schema, debug ? async (qs) => { const a = await probe(qs); for (const q of qs) console.error(JSON.stringify({ q: q.sql, answer: a.get(q.key) })); return a; } : probe);
      const predicted = analyzeSource(source, schema, 18, { keepStatements: false }).report;
      let exact = true;
      let failed: string | undefined;
      for (const [i, st] of statements.entries()) {
        if (st.node === "TransactionStmt") continue;
        const seen = await observer.observe(st.sql, { keep: true });
        if (seen.error) {
          failed = seen.error.message;
          break;
        }
        result.statements++;
        const p = facts(predicted.statements[i]);
        const o = facts(seen);
        if (seen.locks.some((l) => rank(l.mode) >= rank("ShareLock") && rank(predicted.statements[i]?.locks.find((x) => x.relation === l.relation)?.mode) < rank(l.mode)) || seen.rewrites.some((r) => !predicted.statements[i]?.rewrites.includes(r))) result.blocking_misses++;
        if (JSON.stringify(p) === JSON.stringify(o)) result.exact_statements++;
        else {
          exact = false;
          gaps.push({ file: rel, line: st.line, sql: st.sql, predicted: p, observed: o });
        }
      }
      if (failed) {
        result.stopped_at = rel;
        result.stop_reason = failed;
        break;
      }
      result.files++;
      if (exact) result.exact_files++;
    }
  } finally {
    await observer.close();
    await reader.end();
    await shadow.drop();
  }
  return result;
}

function gapReport(gaps: Gap[]): string {
  const lines = ["# History replay: `check --db` before each file vs PostgreSQL 18", ""];
  for (const g of gaps) {
    lines.push(`## ${g.file}:${g.line}`, "", "```sql", g.sql.slice(0, 2000), "```", "", `- predicted: \`${JSON.stringify(g.predicted)}\``, `- observed:  \`${JSON.stringify(g.observed)}\``, "");
  }
  return lines.join("\n");
}

async function main(): Promise<void> {
  if (!existsSync(CORPUS)) throw new Error(`no corpus at ${CORPUS}`);
  await loadParser();
  const wanted = process.argv.slice(2);
  const projects = wanted.length ? wanted : Object.keys(PROJECTS);
  const gaps: Gap[] = [];
  const results: ProjectResult[] = [];
  try {
    for (const p of projects) {
      if (!PROJECTS[p]) throw new Error(`unknown project ${p}: one of ${Object.keys(PROJECTS).join(", ")}`);
      results.push(await replay(p, gaps));
    }
  } finally {
    await closeShadowServer();
  }
  const files = results.reduce((n, r) => n + r.files, 0);
  const exact = results.reduce((n, r) => n + r.exact_files, 0);
  const statements = results.reduce((n, r) => n + r.statements, 0);
  const exactStatements = results.reduce((n, r) => n + r.exact_statements, 0);
  if (process.env.HISTORY_REPORT) writeFileSync(process.env.HISTORY_REPORT, gapReport(gaps));
  console.log(
    JSON.stringify(
      {
        projects: results,
        files,
        exact_files: exact,
        exact_files_pct: files ? Math.round((exact / files) * 1000) / 10 : null,
        statements,
        exact_statements: exactStatements,
        exact_statements_pct: statements ? Math.round((exactStatements / statements) * 1000) / 10 : null,
        blocking_misses: results.reduce((n, r) => n + r.blocking_misses, 0),
      },
      null,
      2,
    ),
  );
}

await main();
