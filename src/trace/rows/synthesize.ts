import { quoteIdent, quoteLiteral } from "../../db/connection.js";
import { defaultKey, scanOf, unquote, type ColumnMeta, type RowCatalog, type TableMeta } from "./catalog.js";
import type { QuietWrites } from "./load.js";

/**
 * Rows made up on the shadow when no real ones are at hand (`--schema`, or nothing on the source
 * matches), so that a statement reaches a row and its row triggers, foreign key checks and
 * cascades run. A row gets the statement's constants (WHERE col = 5), parents for its NOT NULL
 * foreign keys (made first), and values Postgres accepts for its other NOT NULL columns without a
 * default: candidates per type, tried in turn until the CHECK, unique and partition constraints
 * let one through. Written through QuietWrites: making them fires nothing.
 */

const ATTEMPTS = 8;
const MAX_DEPTH = 6;

type Row = Record<string, string | null>;

export class Synthesizer {
  /** rows made, per table */
  readonly made = new Map<string, number>();
  readonly problems: string[] = [];
  private n = 0;

  constructor(
    private readonly quiet: QuietWrites,
    readonly catalog: RowCatalog,
  ) {}

  /**
   * A row of `t` holding `facts` (column -> SQL constant), then, for a row the statement deletes
   * or updates, a row in each table whose foreign key cascades from it (on down the chain).
   */
  async target(t: TableMeta, facts: Record<string, string>, verb: string): Promise<boolean> {
    const row = await this.row(t, facts, 0);
    if (row) await this.cascades(t, row, verb, 1, new Set());
    return row !== undefined;
  }

  /** A parent row with these key values (column -> SQL constant), unless one exists. */
  async parent(t: TableMeta, key: Record<string, string>): Promise<void> {
    if (await this.exists(t, key)) return;
    await this.row(t, key, 1);
  }

  private async cascades(t: TableMeta, row: Row, verb: string, depth: number, followed: Set<string>): Promise<void> {
    if (depth > MAX_DEPTH) return;
    for (const fk of await this.catalog.referencedBy(t)) {
      const action = verb === "DELETE" ? fk.onDelete : verb === "UPDATE" ? fk.onUpdate : [fk.onDelete, fk.onUpdate].find((a) => "cnd".includes(a)) ?? "a";
      if (!"cnd".includes(action) || followed.has(fk.name)) continue;
      const child = await this.catalog.table(fk.child);
      // SET DEFAULT: the referencing row will point at the row holding the defaults
      const defaults = child && defaultKey(fk, child, action);
      const referenced = defaults && (await this.catalog.table(fk.parent));
      if (defaults && referenced) await this.parent(referenced, defaults);
      const key = fk.parentColumns.map((c) => row[unquote(c)]);
      if (!child || key.some((v) => v === null || v === undefined)) continue;
      const facts = Object.fromEntries(fk.childColumns.map((c, i) => [unquote(c), quoteLiteral(key[i]!)]));
      const made = await this.row(child, facts, depth);
      if (made && action === "c") await this.cascades(child, made, verb, depth + 1, new Set([...followed, fk.name]));
    }
  }

  /** Whether a row of `t` has these key values (column -> SQL constant). */
  async exists(t: TableMeta, key: Record<string, string>): Promise<boolean> {
    const cols = Object.keys(key);
    const r = await this.quiet.guarded((shadow) =>
      shadow.query(`SELECT 1 FROM ${scanOf(t)} WHERE (${cols.map(quoteIdent).join(", ")}) = (${cols.map((c) => key[c]).join(", ")}) LIMIT 1`),
    );
    return "ok" in r && r.ok.rows.length > 0;
  }

  private async row(t: TableMeta, facts: Record<string, string>, depth: number): Promise<Row | undefined> {
    if (depth > MAX_DEPTH) return undefined;
    const values: Record<string, string> = { ...facts };
    for (const fk of await this.catalog.referencing(t)) {
      const cols = fk.childColumns.map(unquote);
      const parent = await this.catalog.table(fk.parent);
      if (!parent || parent.oid === t.oid) continue;
      const given = cols.map((c) => values[c]);
      if (given.every((v) => v !== undefined)) {
        if (!given.includes("NULL")) await this.parent(parent, Object.fromEntries(fk.parentColumns.map((c, i) => [unquote(c), given[i]!])));
        continue;
      }
      if (!cols.some((c) => t.columns.find((m) => m.name === c)?.notNull)) continue; // a nullable key stays NULL
      const p = await this.row(parent, {}, depth + 1);
      if (!p) return undefined;
      fk.parentColumns.forEach((c, i) => (values[cols[i]!] = p[unquote(c)] === null ? "NULL" : quoteLiteral(p[unquote(c)]!)));
    }
    await this.quiet.prepare(t.quoted);
    const columns = t.columns.filter((c) => !c.generated && (c.name in values || (c.notNull && !c.filledByTable) || t.keyColumns.includes(c.name)));
    const returning = t.columns.map((c) => `${quoteIdent(c.name)}::text AS ${quoteIdent(c.name)}`).join(", ");
    let error = "";
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const exprs = columns.map((c) => (c.name in values ? `CAST(${values[c.name]} AS ${c.type})` : this.candidate(t, c, attempt)));
      const sql = columns.length
        ? `INSERT INTO ${t.quoted} (${columns.map((c) => quoteIdent(c.name)).join(", ")}) OVERRIDING SYSTEM VALUE VALUES (${exprs.join(", ")}) RETURNING ${returning}`
        : `INSERT INTO ${t.quoted} DEFAULT VALUES RETURNING ${returning}`;
      const r = await this.quiet.guarded((shadow) => shadow.query<Row>(sql));
      if ("ok" in r) {
        this.made.set(t.name, (this.made.get(t.name) ?? 0) + 1);
        return r.ok.rows[0];
      }
      error = r.error;
    }
    this.problems.push(`no row of ${t.name} could be made up: ${error}`);
    return undefined;
  }

  /** A value to try for a column, varied by attempt (and unique where a counter is). */
  private candidate(t: TableMeta, c: ColumnMeta, attempt: number): string {
    const n = ++this.n;
    const lit = (s: string) => `CAST(${quoteLiteral(s)} AS ${c.type})`;
    const pickFrom = (options: string[]) => lit(options[attempt % options.length]!);
    if (t.keyColumns.includes(c.name) && t.boundLiterals.length > 0 && attempt < t.boundLiterals.length) return lit(t.boundLiterals[attempt]!);
    switch (c.category) {
      case "N":
        return pickFrom([String(n), "1", "0", "100", String(1_000_000 + n), "-1"]);
      case "S":
        return pickFrom([`s${n}`, "x", `a${n}@example.com`, "00000", String(n), ""]);
      case "B":
        return pickFrom(["true", "false"]);
      case "D":
        return pickFrom(["now", "2024-06-01", "2025-06-01", "2000-01-01", "1970-01-02"]);
      case "T":
        return pickFrom(["1 day", "0"]);
      case "E":
        return pickFrom(c.labels ?? [""]);
      case "A":
        return pickFrom(["{}"]);
      case "I":
        return pickFrom([`10.0.${n % 250}.1`, "127.0.0.1"]);
      case "R":
        return pickFrom(["empty"]);
      case "C":
        return pickFrom(["()"]);
      case "G":
        return pickFrom(["(0,0)", "((0,0),(1,1))", "<(0,0),1>"]);
      case "V":
        return pickFrom(["0", "1"]);
      case "U":
        if (c.base === "uuid") return "gen_random_uuid()";
        if (c.base === "json" || c.base === "jsonb") return pickFrom(["{}", "[]"]);
        return pickFrom(["", "0", `x${n}`]);
      default:
        return pickFrom(["", "0", "1", `x${n}`]);
    }
  }
}
