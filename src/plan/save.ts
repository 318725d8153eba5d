import { createWriteStream, existsSync } from "node:fs";
import { finished } from "node:stream/promises";
import type pg from "pg";
import { connect, quoteIdent } from "../db/connection.js";
import { copyTo } from "../db/copy.js";
import { UserError } from "../errors.js";

export interface SaveOptions {
  url: string;
  /** table name as the user writes it (users, app.users) */
  table: string;
  /** only these columns (e.g. the primary key and a column about to be dropped); all when absent */
  columns?: string[];
  /** only the rows matching this condition (e.g. what a DELETE will remove) */
  where?: string;
  /** file to write (CSV with a header line); never overwritten */
  out: string;
}

export interface SaveResult {
  table: string;
  columns: string[];
  rows: number;
  out: string;
  /** how to put the data back */
  restore: string;
}

/**
 * `lockstep save`: keep just the data a migration is about to destroy, BEFORE applying it, with
 * `COPY (SELECT ...) TO STDOUT` as CSV — read-only, one consistent snapshot, streamed to disk.
 */
export async function saveData(opts: SaveOptions): Promise<SaveResult> {
  if (existsSync(opts.out)) throw new UserError("exists", `save: ${opts.out} already exists (not overwritten)`);
  const client = await connect(opts.url, { readonly: true, applicationName: "lockstep save" });
  try {
    const { qualified, columns } = await resolveTable(client, opts.table, opts.columns);
    const cols = columns.map(quoteIdent).join(", ");
    const select = `SELECT ${cols} FROM ${qualified}${opts.where ? ` WHERE ${opts.where}` : ""}`;
    const out = createWriteStream(opts.out, { flags: "wx" });
    let rows: number;
    try {
      rows = await copyTo(client, `COPY (${select}) TO STDOUT WITH (FORMAT csv, HEADER true)`, out);
    } catch (e) {
      out.destroy();
      throw new UserError("save-failed", `save: ${(e as Error).message}`);
    }
    out.end();
    await finished(out);
    return { table: qualified, columns, rows, out: opts.out, restore: restoreHint(qualified, columns, opts.columns !== undefined, opts.out) };
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function resolveTable(client: pg.ClientBase, table: string, wanted?: string[]): Promise<{ qualified: string; columns: string[] }> {
  const rel = await client.query<{ oid: number | null }>("SELECT to_regclass($1)::oid::int AS oid", [table]).catch(() => ({ rows: [{ oid: null }] }));
  const oid = rel.rows[0]?.oid;
  if (!oid) throw new UserError("not-found", `save: table ${table} does not exist`);
  const { rows } = await client.query<{ name: string; schema: string; rel: string; columns: string[] }>(
    `SELECT n.nspname AS schema, c.relname AS rel,
            array(SELECT attname FROM pg_attribute WHERE attrelid = c.oid AND attnum > 0 AND NOT attisdropped ORDER BY attnum)::text[] AS columns
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = $1`,
    [oid],
  );
  const r = rows[0]!;
  const missing = (wanted ?? []).filter((c) => !r.columns.includes(c));
  if (missing.length) throw new UserError("not-found", `save: ${r.schema}.${r.rel} has no column ${missing.join(", ")}`);
  return { qualified: `${quoteIdent(r.schema)}.${quoteIdent(r.rel)}`, columns: wanted ?? r.columns };
}

function restoreHint(table: string, columns: string[], subset: boolean, file: string): string {
  const cols = columns.map(quoteIdent).join(", ");
  if (!subset) return `\\copy ${table} (${cols}) FROM '${file}' WITH (FORMAT csv, HEADER true)`;
  const [key, ...rest] = columns;
  return [
    `CREATE TEMP TABLE lockstep_saved AS SELECT ${cols} FROM ${table} WITH NO DATA;`,
    `\\copy lockstep_saved FROM '${file}' WITH (FORMAT csv, HEADER true)`,
    `UPDATE ${table} t SET ${rest.map((c) => `${quoteIdent(c)} = s.${quoteIdent(c)}`).join(", ")} FROM lockstep_saved s WHERE t.${quoteIdent(key!)} = s.${quoteIdent(key!)};  -- in batches for big tables`,
  ].join("\n");
}
