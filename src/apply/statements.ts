import { loadModule, parseSync } from "libpg-query";
import { UserError } from "../errors.js";
import { LOCK_MODES, type LockMode } from "../analyze/types.js";
import type { MigrationStatement } from "./types.js";

let loaded: Promise<void> | undefined;
export function loadParser(): Promise<void> {
  loaded ??= loadModule();
  return loaded;
}

type Node = Record<string, unknown>;
interface RawStmt {
  stmt: Node;
  stmt_location?: number;
  stmt_len?: number;
}

/** Node types that cannot run inside a transaction block (some only with CONCURRENTLY). */
function isTransactional(node: Node): boolean {
  const [type, body] = Object.entries(node)[0] as [string, Node];
  if (["VacuumStmt", "CreatedbStmt", "DropdbStmt", "AlterSystemStmt", "CreateTableSpaceStmt", "DropTableSpaceStmt"].includes(type)) return false;
  if (type === "IndexStmt" || type === "DropStmt") return !body.concurrent;
  if (type === "ReindexStmt") return !hasConcurrentlyParam(body);
  if (type === "CreateSubscriptionStmt" || type === "DropSubscriptionStmt") return false;
  return true;
}

function hasConcurrentlyParam(body: Node): boolean {
  const params = (body.params as Array<{ DefElem?: { defname?: string } }> | undefined) ?? [];
  return params.some((p) => p.DefElem?.defname === "concurrently");
}

/**
 * Split a migration file into statements (libpg-query), with the transactional flag and line.
 * Explicit BEGIN/COMMIT are dropped: the executor owns transactions.
 * Stand-in for the analyzer's parse.ts until it is merged.
 */
export async function splitStatements(text: string, file: string): Promise<MigrationStatement[]> {
  await loadParser();
  let parsed: { stmts?: RawStmt[] };
  try {
    parsed = parseSync(text) as { stmts?: RawStmt[] };
  } catch (e) {
    const err = e as { message?: string; sqlDetails?: { cursorPosition?: number } };
    const pos = err.sqlDetails?.cursorPosition;
    const where = pos === undefined ? "" : ` at line ${lineOf(Buffer.from(text), pos)}`;
    throw new UserError("syntax-error", `${file}: ${err.message ?? String(e)}${where}`);
  }
  const bytes = Buffer.from(text, "utf8");
  const out: MigrationStatement[] = [];
  for (const raw of parsed.stmts ?? []) {
    if ("TransactionStmt" in raw.stmt) continue;
    const start = raw.stmt_location ?? 0;
    const end = raw.stmt_len === undefined || raw.stmt_len === 0 ? bytes.length : start + raw.stmt_len;
    const chunk = bytes.subarray(start, end).toString("utf8");
    const lead = chunk.length - chunk.trimStart().length;
    const sql = chunk.trim();
    if (!sql) continue;
    out.push({ index: out.length, sql, transactional: isTransactional(raw.stmt), line: lineOf(bytes, start + Buffer.byteLength(chunk.slice(0, lead))) });
  }
  return out;
}

function lineOf(bytes: Buffer, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < bytes.length; i++) if (bytes[i] === 10) line++;
  return line;
}

/** What the executor needs to know about one statement, read from its parse tree. */
export interface StatementFacts {
  type: string;
  /** relations named by the statement, schema-qualified when written so ("s.t") or bare ("t") */
  relations: string[];
  /** CREATE INDEX CONCURRENTLY / REINDEX CONCURRENTLY: may leave an INVALID index behind on failure */
  buildsIndexConcurrently: boolean;
  /** CREATE INDEX: the index name, when given */
  indexName?: string;
  /** safe to run again when a crash left its outcome unknown */
  rerunnable: boolean;
  /** the strongest lock it takes, as far as known (analyzer prediction, else a conservative guess) */
  strongestLock?: LockMode;
}

const READ_WRITE_ONLY = new Set(["SelectStmt", "InsertStmt", "UpdateStmt", "DeleteStmt", "MergeStmt", "VariableSetStmt", "CopyStmt", "ExplainStmt", "DoStmt", "CallStmt", "NotifyStmt", "CommentStmt", "GrantStmt", "GrantRoleStmt", "CreateRoleStmt", "AlterRoleStmt", "CreateSchemaStmt", "CreateExtensionStmt", "CreateEnumStmt", "CreateDomainStmt", "CompositeTypeStmt", "CreateFunctionStmt", "CreateSeqStmt"]);

export async function statementFacts(stmt: MigrationStatement): Promise<StatementFacts> {
  await loadParser();
  const raw = (parseSync(stmt.sql) as { stmts: RawStmt[] }).stmts[0];
  const node = raw?.stmt ?? {};
  const [type, body] = (Object.entries(node)[0] ?? ["Unknown", {}]) as [string, Node];
  const relations = [...new Set(collectRangeVars(node))];
  const concurrentIndex = (type === "IndexStmt" && Boolean(body.concurrent)) || (type === "ReindexStmt" && hasConcurrentlyParam(body));
  const rerunnable = ["VacuumStmt", "ReindexStmt", "ClusterStmt"].includes(type) || (type === "DropStmt" && Boolean(body.missing_ok));
  return {
    type,
    relations,
    buildsIndexConcurrently: concurrentIndex,
    indexName: type === "IndexStmt" ? (body.idxname as string | undefined) : undefined,
    rerunnable,
    strongestLock: strongestLock(stmt, type, concurrentIndex),
  };
}

function strongestLock(stmt: MigrationStatement, type: string, concurrentIndex: boolean): LockMode | undefined {
  if (stmt.locks && stmt.locks.length > 0) {
    return stmt.locks.map((l) => l.mode).sort((a, b) => LOCK_MODES.indexOf(b) - LOCK_MODES.indexOf(a))[0];
  }
  if (READ_WRITE_ONLY.has(type) || concurrentIndex || type === "VacuumStmt") return undefined;
  if (type === "IndexStmt") return "ShareLock";
  if (type === "CreateStmt" || type === "ViewStmt") return undefined;
  return "AccessExclusiveLock"; // any other DDL, until the analyzer's predictions are wired in
}

function collectRangeVars(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) {
    for (const v of value) collectRangeVars(v, out);
  } else if (value && typeof value === "object") {
    for (const [key, v] of Object.entries(value as Node)) {
      if (key === "RangeVar" || key === "relation") {
        const rv = v as { schemaname?: string; relname?: string };
        if (rv && typeof rv.relname === "string") out.push(rv.schemaname ? `${rv.schemaname}.${rv.relname}` : rv.relname);
      }
      collectRangeVars(v, out);
    }
  }
  return out;
}
