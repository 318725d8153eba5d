import path from "node:path";
import type pg from "pg";
import { analyzeSource } from "../analyze/analyze.js";
import { DEFAULT_PG_VERSION } from "../analyze/locks.js";
import { loadParser, parseSql } from "../analyze/parse.js";
import { SchemaContext } from "../analyze/schema.js";
import { listMigrationFiles, type Layout, type SourceFile } from "../analyze/sources.js";
import type { SchemaSnapshot } from "../analyze/types.js";
import { redact } from "../redact.js";
import { migrationsDirOf } from "./numbering.js";

/**
 * The migrations that run before `sourceAbs` in its directory, in the order the tool runs them
 * (what `check DIR` reads before it). None when the source is not among the directory's migrations.
 */
export function earlierMigrations(sourceAbs: string, layout: Layout): string[] {
  const all = listMigrationFiles(migrationsDirOf(sourceAbs, layout));
  const at = all.indexOf(sourceAbs);
  return at > 0 ? all.slice(0, at) : [];
}

/**
 * The schema the earlier migrations leave, as `check DIR` derives it from their statements
 * (tables they create, columns, constraints); relations they do not create stay assumed.
 */
export async function schemaAfter(sources: SourceFile[]): Promise<SchemaSnapshot> {
  await loadParser();
  const schema = new SchemaContext();
  for (const source of sources) {
    schema.startMigration();
    analyzeSource(source, schema, DEFAULT_PG_VERSION, { keepStatements: false });
  }
  schema.startMigration();
  return structuredClone(schema.snapshot);
}

const MAX_NOTES = 5;

/**
 * Run the earlier migrations on a shadow database, statement by statement (transaction control
 * skipped, each statement committing on its own, so CONCURRENTLY runs too). A statement that fails
 * (an extension or a role the shadow lacks) is noted and skipped: the rest still builds the schema.
 */
export async function replayMigrations(client: pg.ClientBase, sources: SourceFile[], cwd: string): Promise<string[]> {
  await loadParser();
  const failures: string[] = [];
  for (const source of sources) {
    const { statements } = parseSql(source.text ?? "");
    for (const st of statements) {
      if (Object.keys(st.ast)[0] === "TransactionStmt") continue;
      try {
        await client.query(st.sql);
      } catch (e) {
        failures.push(`${path.relative(cwd, source.path) || source.path}:${st.line}: ${redact((e as Error).message)}`);
      }
    }
  }
  const notes = [`rollbacks verified on a shadow database built by replaying the ${sources.length} earlier migration(s) of the directory (no --db/--schema)`];
  if (failures.length) {
    const more = failures.length > MAX_NOTES ? ` (and ${failures.length - MAX_NOTES} more)` : "";
    notes.push(`earlier migrations that failed on the shadow database and were skipped: ${failures.slice(0, MAX_NOTES).join("; ")}${more}`);
  }
  return notes;
}
