import type pg from "pg";
import type { StatementSummary } from "../analyze/describe.js";
import { loadParser, parseSql } from "../analyze/parse.js";
import type { RollbackEntry } from "../analyze/types.js";
import { describe } from "../analyze/describe.js";
import { redact } from "../redact.js";
import { catalogState, diffCatalog, type CatalogChange, type CatalogState } from "./catalog-diff.js";
import type { DownFileReport } from "./types.js";

/** Statements of one file tried on the shadow database; the rest are reported unverified. */
export const MAX_VERIFIED_STATEMENTS = 200;

/** A statement of the migration with its rollback, ready to be tried on a shadow database. */
export interface VerifiableStatement {
  index: number;
  sql: string;
  summary: StatementSummary;
  rollbackSql: string[];
}

export interface VerifiedRollbacks {
  /** per statement index: verified true / false / null (could not try), and why */
  results: Map<number, { verified: boolean | null; note?: string; diff: CatalogChange[] }>;
  /** a statement of the migration itself failed on the shadow: a down file cannot be judged from there */
  forwardFailed: boolean;
}

/**
 * Verified, not guessed: on a throwaway shadow database holding the schema, apply each statement,
 * then its rollback, and compare the catalog with the state before the statement. Then apply the
 * statement again to move on. The shadow ends in the state after the whole file.
 */
export async function verifyRollbacks(client: pg.ClientBase, statements: VerifiableStatement[], initial?: CatalogState): Promise<VerifiedRollbacks> {
  const results: VerifiedRollbacks["results"] = new Map();
  // the catalog before the next statement, read when a statement needs it (none after the last)
  let known: CatalogState | undefined = initial;
  let forwardFailed = false;
  for (const [i, st] of statements.entries()) {
    // each statement costs a few catalog reads: a file of thousands (generated, pasted) would keep
    // the shadow busy for hours, so the rest are left unverified, and say so
    if (i >= MAX_VERIFIED_STATEMENTS) {
      results.set(st.index, { verified: null, note: `not verified: only the first ${MAX_VERIFIED_STATEMENTS} statements of a file are tried on the shadow database`, diff: [] });
      continue;
    }
    if (st.summary.transaction) {
      results.set(st.index, { verified: null, note: "transaction control: not executed on the shadow", diff: [] });
      continue;
    }
    const before = known ?? (await catalogState(client));
    known = before;
    const forward = await run(client, st.sql);
    if (forward) {
      forwardFailed = true;
      results.set(st.index, { verified: null, note: `not verified: the statement fails on the shadow database (${forward})`, diff: [] });
      continue;
    }
    let failed: string | undefined;
    for (const sql of st.rollbackSql) {
      failed = await run(client, sql);
      if (failed) break;
    }
    const after = await catalogState(client);
    const diff = diffCatalog(before, after);
    if (failed) results.set(st.index, { verified: false, note: `the rollback fails on the shadow database: ${failed}`, diff });
    else results.set(st.index, { verified: diff.length === 0, diff, ...(diff.length ? { note: `the rollback does not restore the schema: ${diff.length} difference(s)` } : {}) });
    // move forward: the statement again, from (what should be) the state before it
    const again = await run(client, st.sql);
    if (again && !failed) results.get(st.index)!.note = `${results.get(st.index)!.note ?? ""} (re-applying after the rollback failed: ${again})`.trim();
    known = undefined;
  }
  return { results, forwardFailed };
}

/** The down file's report when the up migration could not run on the shadow database. */
export function downNotVerified(path: string): DownFileReport {
  return { path, verified: null, diff: [], destroys: [], note: "not verified: the up migration fails on the shadow database (see the rollback notes)" };
}

/** Fold verification results into rollback entries (same statement indexes). */
export function applyVerification(entries: RollbackEntry[], v: VerifiedRollbacks): void {
  for (const e of entries) {
    const r = v.results.get(e.statement);
    if (!r) continue;
    e.verified = r.verified;
    if (r.note) e.note = e.note ? `${e.note}. ${r.note}` : r.note;
    if (r.diff.length) e.diff = r.diff;
  }
}

/** Run one statement; the error message (redacted) when it fails. */
async function run(client: pg.ClientBase, sql: string): Promise<string | undefined> {
  try {
    await client.query(sql);
    return undefined;
  } catch (e) {
    return redact((e as Error).message);
  }
}

const DESTRUCTIVE = new Set(["drop-table", "truncate", "delete", "drop-materialized-view", "drop-schema"]);

/**
 * A down file, verified: from `before` (the schema before the up migration; the shadow is now in
 * the state after it), apply the down file and compare. Also lists the down statements that
 * destroy data. Leaves the shadow in the state after the down file.
 */
export async function verifyDownFile(client: pg.ClientBase, path: string, text: string, before: CatalogState): Promise<DownFileReport> {
  await loadParser();
  const parsed = parseSql(text);
  if (parsed.errors.length) return { path, verified: null, diff: [], destroys: [], note: `not verified: ${parsed.errors[0]!.message}` };
  const destroys: DownFileReport["destroys"] = [];
  let failed: string | undefined;
  for (const st of parsed.statements) {
    const s = describe(st);
    const lost = destroyedData(s, before);
    if (lost) destroys.push({ statement: st.index, sql: st.sql, note: lost });
    if (s.transaction || failed) continue;
    const err = await run(client, st.sql);
    if (err) failed = `statement ${st.index + 1} (line ${st.line}) fails: ${err}`;
  }
  const diff = diffCatalog(before, await catalogState(client));
  if (failed) return { path, verified: false, diff, destroys, note: `the down file fails on the shadow database: ${failed}` };
  return { path, verified: diff.length === 0, diff, destroys, ...(diff.length ? { note: `the down file does not restore the schema: ${diff.length} difference(s)` } : {}) };
}

function destroyedData(s: StatementSummary, before: CatalogState): string | undefined {
  const existed = (kind: string, name: string) => before.has(`${kind} ${name}`);
  if (DESTRUCTIVE.has(s.kind)) {
    const pre = s.objects.filter((o) => existed("table", o) || existed("partitioned-table", o) || existed("materialized-view", o));
    if (s.kind === "delete" || s.kind === "truncate") return `${s.kind.toUpperCase()} destroys rows of ${s.objects.join(", ")}`;
    return pre.length ? `drops ${pre.join(", ")}, which existed before the up migration: its data is lost` : `drops ${s.objects.join(", ") || s.relation}: what was written to it since the up migration is lost`;
  }
  if (s.kind === "alter-table") {
    const cols = s.actions.filter((a) => a.action === "drop-column" && a.column).map((a) => a.column!);
    if (!cols.length) return undefined;
    const pre = cols.filter((c) => existed("column", `${s.relation}.${c}`));
    return pre.length ? `drops ${pre.map((c) => `${s.relation}.${c}`).join(", ")}, which existed before the up migration: its data is lost` : `drops ${cols.map((c) => `${s.relation}.${c}`).join(", ")}: what was written to it since the up migration is lost`;
  }
  return undefined;
}
