import { Readable, Writable } from "node:stream";
import type pg from "pg";
import { quoteIdent } from "../../db/connection.js";
import { copyFrom, copyTo } from "../../db/copy.js";
import type { RowCatalog } from "./catalog.js";
import type { Rows } from "./pick.js";

/**
 * Writing rows into the shadow without firing anything: in one transaction with
 * session_replication_role = replica (no foreign key checks, no ordinary triggers or rules), and
 * with the triggers that fire even then (ENABLE ALWAYS / ENABLE REPLICA) disabled until it commits.
 * The copy itself must not be observed, nor change what the shadow will do.
 */
export class QuietWrites {
  private readonly quieted = new Map<string, Array<{ name: string; enabled: string }>>();
  private open = false;

  constructor(private readonly shadow: pg.ClientBase) {}

  /** Ready to write into `table` (quoted name) in the open transaction. */
  async prepare(table: string): Promise<void> {
    await this.begin();
    if (this.quieted.has(table)) return;
    const { rows } = await this.shadow.query<{ name: string; enabled: string }>(
      "SELECT tgname AS name, tgenabled::text AS enabled FROM pg_trigger WHERE tgrelid = $1::regclass AND tgenabled IN ('A', 'R') AND NOT tgisinternal",
      [table],
    );
    for (const t of rows) await this.shadow.query(`ALTER TABLE ${table} DISABLE TRIGGER ${quoteIdent(t.name)}`);
    this.quieted.set(table, rows);
  }

  /** Run `fn` on the shadow so that its failure does not end the transaction. */
  async guarded<T>(fn: (shadow: pg.ClientBase) => Promise<T>): Promise<{ ok: T } | { error: string }> {
    await this.begin();
    await this.shadow.query("SAVEPOINT lockstep_rows");
    try {
      const ok = await fn(this.shadow);
      await this.shadow.query("RELEASE SAVEPOINT lockstep_rows");
      return { ok };
    } catch (e) {
      await this.shadow.query("ROLLBACK TO SAVEPOINT lockstep_rows");
      return { error: (e as Error).message };
    }
  }

  private async begin(): Promise<void> {
    if (this.open) return;
    await this.shadow.query("BEGIN");
    await this.shadow.query("SET LOCAL session_replication_role = replica");
    this.open = true;
  }

  /** Put the triggers back as they were and commit. */
  async finish(): Promise<void> {
    if (!this.open) return;
    for (const [table, triggers] of this.quieted) {
      for (const t of triggers) await this.shadow.query(`ALTER TABLE ${table} ENABLE ${t.enabled === "A" ? "ALWAYS" : "REPLICA"} TRIGGER ${quoteIdent(t.name)}`);
    }
    await this.shadow.query("COMMIT");
    this.quieted.clear();
    this.open = false;
  }
}

/**
 * Copy `rows` (picked on the source) into the same tables of the shadow, with COPY: the columns
 * the table does not compute, read in the source's snapshot. Returns what could not be loaded.
 */
export async function loadRows(source: pg.ClientBase, catalog: RowCatalog, rows: Rows, quiet: QuietWrites): Promise<string[]> {
  const problems: string[] = [];
  for (const [oid, tids] of rows) {
    const t = await catalog.table(oid);
    if (!t || tids.size === 0) continue;
    const columns = t.columns.filter((c) => !c.generated).map((c) => quoteIdent(c.name)).join(", ");
    const list = [...tids].filter((tid) => /^\(\d+,\d+\)$/.test(tid)).map((tid) => `"${tid}"`).join(",");
    const data: Buffer[] = [];
    await copyTo(source, `COPY (SELECT ${columns} FROM ONLY ${t.quoted} WHERE ctid = ANY('{${list}}'::tid[])) TO STDOUT`, collect(data));
    await quiet.prepare(t.quoted);
    const r = await quiet.guarded((shadow) => copyFrom(shadow, `COPY ${t.quoted} (${columns}) FROM STDIN`, Readable.from(data)));
    if ("error" in r) problems.push(`rows of ${t.name} could not be copied: ${r.error}`);
  }
  return problems;
}

/** Sequences on the shadow continue where the source's are, so inserts do not collide with copied rows. */
export async function followSequences(source: pg.ClientBase, shadow: pg.ClientBase): Promise<void> {
  const { rows } = await source.query<{ name: string; value: string }>(
    "SELECT quote_ident(schemaname) || '.' || quote_ident(sequencename) AS name, last_value::text AS value FROM pg_sequences WHERE last_value IS NOT NULL",
  );
  if (rows.length === 0) return;
  await shadow.query(
    "SELECT setval(to_regclass(s.name), s.value::bigint) FROM unnest($1::text[], $2::text[]) s(name, value) WHERE to_regclass(s.name) IS NOT NULL",
    [rows.map((r) => r.name), rows.map((r) => r.value)],
  );
}

function collect(into: Buffer[]): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, done) {
      into.push(chunk);
      done();
    },
  });
}

