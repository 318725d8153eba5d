import type { AlterAction, ConstraintSummary, StatementSummary } from "../analyze/describe.js";
import type { SchemaContext } from "../analyze/schema.js";
import type { Recoverability, RelationInfo, RollbackEntry } from "../analyze/types.js";
import { bareName, ident, sqlName } from "./sql.js";

/** How to undo one statement with a new forward migration, and what that loses. */
export interface Rollback {
  /** forward statements that undo it (empty: nothing to undo, or nothing automatic) */
  sql: string[];
  recoverability: Recoverability;
  note?: string;
}

const RANK: Recoverability[] = ["clean", "inverse", "data-loss", "unrecoverable"];
const worst = (a: Recoverability, b: Recoverability): Recoverability => (RANK.indexOf(b) > RANK.indexOf(a) ? b : a);

/**
 * The rollback of one statement, read from its summary and the schema just before it runs
 * (`schema` must not have applied the statement yet). Pure: nothing is executed.
 */
export function rollbackOf(s: StatementSummary, schema: SchemaContext, sql: string, opts: { db?: string } = {}): Rollback {
  const rel = s.relation;
  const t = rel ? sqlName(rel) : "";
  const db = opts.db ?? "--db env:DATABASE_URL";
  switch (s.kind) {
    case "create-table":
    case "create-table-as":
      return clean([`DROP TABLE ${ifExists(s)}${t}`], "drops the new table (and whatever was written to it since)");
    case "create-view":
      if (s.ifNotExists || /^CREATE\s+OR\s+REPLACE/i.test(sql)) return replacedView(s, schema);
      return clean([`DROP VIEW ${t}`]);
    case "create-materialized-view":
      return clean([`DROP MATERIALIZED VIEW ${t}`]);
    case "create-index": {
      const q = s.index?.qualifiedName;
      if (!q) return { sql: [], recoverability: "clean", note: "an unnamed index: find its generated name in the catalog and DROP INDEX CONCURRENTLY it" };
      return clean([`DROP INDEX CONCURRENTLY IF EXISTS ${sqlName(q)}`]);
    }
    case "drop-index":
      return dropIndexes(s, schema);
    case "alter-table":
      return alterRollback(s, schema, db);
    case "drop-table":
      return dropTables(s, schema, db);
    case "truncate":
      return {
        sql: [],
        recoverability: "unrecoverable",
        note: `TRUNCATE deletes every row: restore from a backup. BEFORE applying, save the data: ${s.objects.map((o) => `${saveCommand(db, o)} ; ${pgDumpCommand(o, true)}`).join(" ; ")}`,
      };
    case "delete": {
      const where = s.dml?.whereText ? ` --where ${shellQuote(s.dml.whereText)}` : "";
      return { sql: [], recoverability: "unrecoverable", note: `deleted rows are gone: BEFORE applying, save them: ${saveCommand(db, rel!)}${where}` };
    }
    case "update":
      return {
        sql: [],
        recoverability: "inverse",
        note: `run it as a backfill with save_old (lockstep plan writes the spec) and undo it with \`lockstep backfill restore --run ID\`; ${s.dml?.sets?.length ? `the columns ${s.dml.sets.map((x) => x.column).join(", ")} are` : "the updated columns are"} otherwise overwritten for good`,
      };
    case "insert":
      return { sql: [], recoverability: "data-loss", note: `delete the inserted rows from ${rel} by key; changes made to them since are lost` };
    case "create-function":
    case "create-procedure":
      return /^CREATE\s+OR\s+REPLACE/i.test(sql) ? { sql: [], recoverability: "data-loss", note: "CREATE OR REPLACE: the previous definition is not in the schema context; recreate it from version control" } : clean([`DROP ${s.kind === "create-procedure" ? "PROCEDURE" : "FUNCTION"} ${s.relation ? sqlName(s.relation) : "<name>(<args>)"}`]);
    case "create-trigger":
      return clean(s.trigger ? [`DROP TRIGGER ${ident(s.trigger.name)} ON ${t}`] : []);
    case "create-sequence":
      return clean([`DROP SEQUENCE ${t}`]);
    case "create-type":
    case "create-enum":
    case "create-domain":
      return clean(s.relation ? [`DROP ${s.kind === "create-domain" ? "DOMAIN" : "TYPE"} ${sqlName(s.relation)}`] : []);
    case "alter-enum":
    case "alter-type":
      if (s.enumValue) return { sql: [], recoverability: "unrecoverable", note: `Postgres cannot remove the enum value '${s.enumValue.value}': recreate the type without it (and rewrite the columns using it)` };
      return unknown(s);
    case "create-extension":
      return clean([`DROP EXTENSION ${s.relation ? ident(bareName(s.relation)) : "<name>"}`]);
    case "create-schema":
      return clean([`DROP SCHEMA ${s.relation ? ident(bareName(s.relation)) : "<name>"}`]);
    case "comment":
    case "grant":
    case "revoke":
    case "set":
    case "reset":
    case "select":
    case "analyze":
    case "vacuum":
    case "begin":
    case "commit":
    case "rollback":
    case "validate-constraint":
      return { sql: [], recoverability: "clean", note: "no schema change to undo" };
    case "do":
      return { sql: [], recoverability: "data-loss", note: "a DO block: its effects are not analysed for rollback; write the inverse by hand" };
    default:
      if (s.transaction) return { sql: [], recoverability: "clean", note: "transaction control" };
      return unknown(s);
  }
}

function unknown(s: StatementSummary): Rollback {
  return { sql: [], recoverability: "data-loss", note: `no automatic rollback for ${s.kind}: write one by hand (verification shows what it must restore)` };
}

function clean(sql: string[], note?: string): Rollback {
  return { sql, recoverability: "clean", ...(note ? { note } : {}) };
}

function ifExists(s: StatementSummary): string {
  return s.ifNotExists ? "IF EXISTS " : "";
}

function replacedView(s: StatementSummary, schema: SchemaContext): Rollback {
  const old = schema.relation(s.relation);
  if (!old) return clean([`DROP VIEW ${sqlName(s.relation!)}`]);
  if (!old.viewDefinition) return { sql: [], recoverability: "data-loss", note: "the previous view definition is unknown without --db/--schema" };
  return clean([`CREATE OR REPLACE VIEW ${sqlName(s.relation!)} AS ${old.viewDefinition.trim().replace(/;$/, "")}`]);
}

function indexOwner(schema: SchemaContext, q: string): { table?: RelationInfo; def?: string } {
  const table = schema.relation(schema.tableOfIndex(q));
  return { table, def: table?.indexes.find((i) => i.qualifiedName === q)?.definition };
}

function dropIndexes(s: StatementSummary, schema: SchemaContext): Rollback {
  const sql: string[] = [];
  const unknownDefs: string[] = [];
  for (const o of s.objects) {
    const { def } = indexOwner(schema, o);
    if (def) sql.push(concurrently(def));
    else unknownDefs.push(o);
  }
  if (unknownDefs.length) return { sql, recoverability: "clean", note: `the definition of ${unknownDefs.join(", ")} is unknown without --db/--schema: recreate it (CONCURRENTLY) from version control` };
  return clean(sql, "rebuilds the index (CONCURRENTLY)");
}

function concurrently(indexDef: string): string {
  return indexDef.replace(/^CREATE (UNIQUE )?INDEX /, (_m, u: string | undefined) => `CREATE ${u ?? ""}INDEX CONCURRENTLY `);
}

function dropTables(s: StatementSummary, schema: SchemaContext, db: string): Rollback {
  const sql: string[] = [];
  for (const o of s.objects) {
    const r = schema.relation(o);
    if (r && r.columns.length) sql.push(...recreateTable(o, r));
  }
  const saves = s.objects.map((o) => `${saveCommand(db, o)} ; ${pgDumpCommand(o, false)}`).join(" ; ");
  return { sql, recoverability: "unrecoverable", note: `the table's rows are gone: restore them from a backup. BEFORE applying, save them: ${saves}${sql.length ? "" : " (its definition is unknown without --db/--schema)"}` };
}

/** CREATE TABLE from the schema context: columns, defaults, constraints and indexes. */
function recreateTable(q: string, r: RelationInfo): string[] {
  const cols = r.columns.map((c) => {
    const parts = [ident(c.name), c.type];
    if (c.collation) parts.push(`COLLATE ${c.collation}`);
    if (c.identity) parts.push(`GENERATED ${c.identity === "always" ? "ALWAYS" : "BY DEFAULT"} AS IDENTITY`);
    else if (c.generated && c.generationExpression) parts.push(`GENERATED ALWAYS AS (${c.generationExpression}) ${c.generated === "stored" ? "STORED" : "VIRTUAL"}`);
    else if (c.default) parts.push(`DEFAULT ${c.default}`);
    if (c.notNull) parts.push("NOT NULL");
    return parts.join(" ");
  });
  const constraints = r.constraints.filter((c) => c.type !== "n" && c.definition).map((c) => `CONSTRAINT ${ident(c.name)} ${c.definition}`);
  const create = `CREATE TABLE ${sqlName(q)} (\n  ${[...cols, ...constraints].join(",\n  ")}\n)`;
  const backing = new Set(r.constraints.map((c) => c.index ?? c.name));
  const indexes = r.indexes.filter((i) => i.definition && !backing.has(i.name)).map((i) => i.definition);
  return [create, ...indexes];
}

function alterRollback(s: StatementSummary, schema: SchemaContext, db: string): Rollback {
  const rel = s.relation!;
  const t = sqlName(rel);
  let recoverability: Recoverability = "clean";
  const notes: string[] = [];
  const sql: string[] = [];
  // undo in reverse order of the subcommands
  for (const a of [...s.actions].reverse()) {
    const r = actionRollback(a, rel, t, schema, db);
    sql.push(...r.sql);
    recoverability = worst(recoverability, r.recoverability);
    if (r.note) notes.push(r.note);
  }
  return { sql, recoverability, ...(notes.length ? { note: notes.join("; ") } : {}) };
}

function actionRollback(a: AlterAction, rel: string, t: string, schema: SchemaContext, db: string): Rollback {
  const col = a.column ? ident(a.column) : "";
  const old = a.column ? schema.column(rel, a.column) : undefined;
  const alterCol = `ALTER TABLE ${t} ALTER COLUMN ${col}`;
  switch (a.action) {
    case "add-column":
      return clean([`ALTER TABLE ${t} DROP COLUMN ${a.columnDef ? ident(a.columnDef.name) : col}`], "drops the new column (and what was written to it since)");
    case "drop-column": {
      const indexes = (schema.relation(rel)?.indexes ?? []).filter((i) => i.columns.includes(a.column!) && i.definition && !i.primary);
      const restore = old ? [`ALTER TABLE ${t} ADD COLUMN ${col} ${old.type}${old.default ? ` DEFAULT ${old.default}` : ""}`, ...indexes.map((i) => concurrently(i.definition))] : [];
      const pk = schema.relation(rel)?.constraints.find((c) => c.type === "p")?.columns ?? [];
      return {
        sql: restore,
        recoverability: "unrecoverable",
        note: `the column's data is gone: restore it from a backup. BEFORE applying, save it: ${saveCommand(db, rel, [...(pk.length ? pk : ["<primary key>"]), a.column!])}${old ? "" : " (its type is unknown without --db/--schema)"}${old?.notNull ? "; NOT NULL can be set again once the values are back" : ""}`,
      };
    }
    case "alter-column-type": {
      if (!old) return { sql: [], recoverability: "data-loss", note: `the previous type of ${a.column} is unknown without --db/--schema` };
      return { sql: [`${alterCol} TYPE ${old.type} USING ${col}::${old.type}`], recoverability: "data-loss", note: `casting back to ${old.type} fails or truncates values written since that do not fit (and rewrites the table again)` };
    }
    case "set-default":
    case "drop-default":
      if (old === undefined && schema.known) return unknownAction(a);
      return clean([old?.default ? `${alterCol} SET DEFAULT ${old.default}` : `${alterCol} DROP DEFAULT`]);
    case "set-not-null":
      return clean(old?.notNull ? [] : [`${alterCol} DROP NOT NULL`]);
    case "drop-not-null":
      return { sql: old && !old.notNull ? [] : [`${alterCol} SET NOT NULL`], recoverability: "clean", note: "SET NOT NULL fails if NULLs were written since" };
    case "add-constraint": {
      const c = a.constraint;
      const name = c?.name ?? (c ? postgresConstraintName(c, bareName(rel)) : undefined);
      if (!name) return { sql: [], recoverability: "clean", note: "an unnamed constraint: find its generated name in the catalog and DROP CONSTRAINT it" };
      // ADD PRIMARY KEY also made its columns NOT NULL
      const wereNullable = c?.type === "primary-key" ? c.columns.filter((x) => schema.column(rel, x)?.notNull === false) : [];
      return clean([`ALTER TABLE ${t} DROP CONSTRAINT ${ident(name)}`, ...wereNullable.map((x) => `ALTER TABLE ${t} ALTER COLUMN ${ident(x)} DROP NOT NULL`)], c?.usingIndex ? `dropping the constraint also drops the index ${c.usingIndex}` : undefined);
    }
    case "drop-constraint": {
      const c = schema.relation(rel)?.constraints.find((x) => x.name === a.constraintName);
      if (!c || !c.definition) return { sql: [], recoverability: "clean", note: `the definition of ${a.constraintName} is unknown without --db/--schema: re-add it from version control (NOT VALID, then VALIDATE)` };
      const notValid = c.type === "f" || c.type === "c";
      return clean([`ALTER TABLE ${t} ADD CONSTRAINT ${ident(c.name)} ${c.definition}${notValid ? " NOT VALID" : ""}`, ...(notValid && c.validated ? [`ALTER TABLE ${t} VALIDATE CONSTRAINT ${ident(c.name)}`] : [])]);
    }
    case "validate-constraint":
      return clean([], "validation changes no data; nothing to undo");
    case "rename-column":
      return clean([`ALTER TABLE ${t} RENAME COLUMN ${ident(a.newName!)} TO ${col}`], "in an expand/contract rename: stop at phase 1 (expand) and revert the app");
    case "rename":
      return clean([`ALTER TABLE ${sqlName(`${rel.split(".")[0]}.${a.newName}`)} RENAME TO ${ident(bareName(rel))}`], "in an expand/contract rename: stop at phase 1 and revert the app");
    case "set-logged":
      return clean([`ALTER TABLE ${t} SET UNLOGGED`]);
    case "set-unlogged":
      return clean([`ALTER TABLE ${t} SET LOGGED`]);
    case "enable-row-security":
      return clean([`ALTER TABLE ${t} DISABLE ROW LEVEL SECURITY`]);
    case "disable-row-security":
      return clean([`ALTER TABLE ${t} ENABLE ROW LEVEL SECURITY`]);
    default:
      return unknownAction(a);
  }
}

/** The name Postgres gives an unnamed constraint, when it follows from the columns (not for CHECK). */
function postgresConstraintName(c: ConstraintSummary, table: string): string | undefined {
  if (c.type === "primary-key") return `${table}_pkey`.slice(0, 63);
  const suffix = { unique: "key", "foreign-key": "fkey", exclusion: "excl" }[c.type as string];
  if (!suffix || !c.columns.length) return undefined;
  return `${table}_${c.columns.join("_")}_${suffix}`.slice(0, 63);
}

function unknownAction(a: AlterAction): Rollback {
  return { sql: [], recoverability: "data-loss", note: `no automatic rollback for ALTER TABLE ${a.action}: write one by hand` };
}

/* ----------------------------------- save-before-applying ----------------------------------- */

/** How save commands in the output name the database: never the URL itself (it may hold a password). */
export function saveDbLabel(a: { db?: string; target?: string }): string {
  if (a.db?.startsWith("env:")) return `--db ${a.db}`;
  if (a.target) return `--target ${a.target}`;
  return "--db env:DATABASE_URL";
}

/** The `lockstep save` line that keeps just this data, to run BEFORE the migration. */
export function saveCommand(db: string /* --db env:VAR | --target NAME */, table: string, columns?: string[]): string {
  const file = `${bareName(table)}${columns ? `.${columns.filter((c) => !c.startsWith("<")).slice(-1)[0] ?? "columns"}` : ""}.csv`;
  return `lockstep save ${db} --table ${table}${columns ? ` --columns ${columns.join(",")}` : ""} --out ${file}`;
}

/** The pg_dump line for users who have pg_dump: one table, custom format. */
export function pgDumpCommand(table: string, dataOnly: boolean): string {
  return `pg_dump "$DATABASE_URL" --format=custom ${dataOnly ? "--data-only " : ""}--table=${shellQuote(table)} --file=${bareName(table)}.dump`;
}

function shellQuote(s: string): string {
  return /^[\w.,:=/-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The JSON shape (`check --format json` rollback entries): not verified yet. */
export function toRollbackEntry(statement: number, r: Rollback): RollbackEntry {
  return { statement, sql: r.sql.map((x) => `${x};`).join("\n"), recoverability: r.recoverability, verified: null, ...(r.note ? { note: r.note } : {}) };
}
