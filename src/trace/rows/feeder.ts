import type pg from "pg";
import { quoteLiteral } from "../../db/connection.js";
import { RowCatalog, unquote, type TableMeta } from "./catalog.js";
import { QuietWrites, followSequences, loadRows } from "./load.js";
import { ROWS_PER_TABLE, SourceRows, insertedValues, type Picked, type Rows } from "./pick.js";
import { planRows, type RowPlan } from "./plan.js";
import { Synthesizer } from "./synthesize.js";

/**
 * Rows where a statement needs them. Before a DML statement is traced, the shadow gets the rows
 * it touches and their foreign-key neighbourhood, copied from the source database (`--db`, read
 * with SELECTs only); where the source has none (or there is no source), rows are synthesized.
 * Each step is said in a note.
 */
export class RowFeeder {
  private readonly source?: SourceRows;
  private sequencesFollowed = false;

  constructor(
    private readonly shadow: pg.ClientBase,
    private readonly sourceClient?: pg.ClientBase,
  ) {
    if (sourceClient) this.source = new SourceRows(sourceClient, new RowCatalog(sourceClient));
  }

  /** Put the rows `sql` needs into the shadow; notes on what was done, or could not be. */
  async prepare(sql: string): Promise<string[]> {
    const plans = planRows(sql);
    if (plans.length === 0) return [];
    const quiet = new QuietWrites(this.shadow);
    // the shadow's tables change as the migration runs: read them afresh for each statement
    const synth = new Synthesizer(quiet, new RowCatalog(this.shadow));
    const notes: string[] = [];
    try {
      for (const plan of plans) {
        if (plan.verb === "SELECT") {
          // what a DO block's conditions and loops read: copied, as rows it writes would be (never made up)
          if (this.source) notes.push(...(await this.load(await this.source.pick(plan, undefined), quiet)));
          continue;
        }
        const target = await synth.catalog.resolve(plan.target);
        if (target) {
          notes.push(...(await this.feed(plan, target, quiet, synth)));
          continue;
        }
        // written through a view: the rows of the tables beneath it (a made-up row goes into a simple view's one table)
        const beneath = await synth.catalog.beneath(plan.target);
        if (beneath.length === 0) continue; // a foreign table, or nothing there yet
        const only = beneath.length === 1 ? await synth.catalog.resolve(beneath[0]!) : undefined;
        notes.push(...(await this.feed({ ...plan, beneath }, only, quiet, synth)));
      }
      await quiet.finish();
    } catch (e) {
      await this.shadow.query("ROLLBACK").catch(() => undefined);
      return [...notes, `rows for the statement could not be prepared: ${(e as Error).message}`];
    } finally {
      await this.source?.end();
    }
    const made = [...synth.made].map(([t, n]) => `${n} row${n === 1 ? "" : "s"} of ${t}`);
    if (made.length) notes.push(`synthesized ${made.join(", ")} so that its row triggers and foreign-key actions run`);
    return [...notes, ...synth.problems];
  }

  async close(): Promise<void> {
    await this.source?.end();
  }

  private async feed(plan: RowPlan, target: TableMeta | undefined, quiet: QuietWrites, synth: Synthesizer): Promise<string[]> {
    const notes: string[] = [];
    let unknown = false;
    if (this.source) {
      // undefined: a view, or a table the migration creates (its other relations' rows are still copied)
      const sourceTarget = await this.source.catalog.resolve(plan.target);
      const picked = await this.source.pick(plan, sourceTarget);
      notes.push(...(await this.load(picked, quiet)));
      unknown = picked.unmatchable !== undefined && sourceTarget !== undefined;
      if (unknown) notes.push(`the rows it touches in ${sourceTarget!.name} could not be looked up on the source: ${picked.unmatchable}`);
      if (!sourceTarget && target) {
        // the parents of what it writes into a table the source does not have yet: looked up there by key
        const keys = (await this.parentKeys(plan, target, quiet, synth)).map(([t, key]) => ({ table: t.ref, key }));
        if (keys.length) notes.push(...(await this.load(await this.source.pickKeys(keys), quiet)));
      }
    } else if (target) {
      for (const [parent, key] of await this.parentKeys(plan, target, quiet, synth)) await synth.parent(parent, key);
    }
    if (target && plan.match && plan.verb !== "MERGE" && !(await this.reaches(plan, quiet))) {
      const made = await synth.target(target, plan.facts, plan.verb);
      if (made && !unknown) notes.push(`no row of ${plan.beneath ? `${plan.target.name} (${target.name})` : target.name} matched${this.source ? " on the source" : ""}`);
    }
    return notes;
  }

  /** Copy picked rows into the shadow; notes on what was copied and what could not be. */
  private async load(picked: Picked, quiet: QuietWrites): Promise<string[]> {
    const problems = await loadRows(this.sourceClient!, this.source!.catalog, picked.rows, quiet);
    if (!this.sequencesFollowed && picked.rows.size > 0) {
      await followSequences(this.sourceClient!, this.shadow);
      this.sequencesFollowed = true;
    }
    const notes: string[] = [];
    const copied = await this.describe(picked.rows);
    if (copied) notes.push(`copied from the source: ${copied}`);
    if (picked.bounded.size) notes.push(`at most ${ROWS_PER_TABLE} rows per table were copied (${[...picked.bounded].join(", ")})`);
    return [...notes, ...problems];
  }

  /** The parents the rows it writes point to (INSERT values, UPDATE ... SET fk = constant) that the shadow lacks. */
  private async parentKeys(plan: RowPlan, target: TableMeta, quiet: QuietWrites, synth: Synthesizer): Promise<Array<[TableMeta, Record<string, string>]>> {
    const keys = [...(await this.insertParents(plan, target, quiet, synth)), ...(await this.assignedParents(plan, target, synth))];
    const out: Array<[TableMeta, Record<string, string>]> = [];
    for (const [t, key] of keys) if (!(await synth.exists(t, key))) out.push([t, key]);
    return out;
  }

  /** Whether the statement's own clauses select a row on the shadow now. */
  private async reaches(plan: RowPlan, quiet: QuietWrites): Promise<boolean> {
    const r = await quiet.guarded((shadow) => shadow.query(`${plan.match!.probe} LIMIT 1`));
    return "ok" in r && r.ok.rows.length > 0;
  }

  /** Parent keys the rows of an INSERT point to, computed on the shadow (its VALUES are constants, its SELECT reads the shadow). */
  private async insertParents(plan: RowPlan, target: TableMeta, quiet: QuietWrites, synth: Synthesizer): Promise<Array<[TableMeta, Record<string, string>]>> {
    const values = plan.inserts && insertedValues(plan, target);
    if (!values) return [];
    const out: Array<[TableMeta, Record<string, string>]> = [];
    for (const fk of await synth.catalog.referencing(target)) {
      const parent = await synth.catalog.table(fk.parent);
      const cols = fk.childColumns.map((c) => values.columns.get(unquote(c)));
      if (!parent || cols.some((c) => c === undefined)) continue;
      const r = await quiet.guarded((shadow) =>
        shadow.query<Record<string, string | null>>(`SELECT DISTINCT ${cols.map((c, i) => `(${c})::text AS k${i}`).join(", ")} FROM ${values.from} LIMIT 20`),
      );
      for (const row of "ok" in r ? r.ok.rows : []) {
        const key = fk.parentColumns.map((_, i) => row[`k${i}`]);
        if (key.every((k) => k !== null && k !== undefined)) out.push([parent, Object.fromEntries(fk.parentColumns.map((c, i) => [unquote(c), quoteLiteral(key[i]!)]))]);
      }
    }
    return out;
  }

  /** UPDATE ... SET fk = constant: the parent the new value points to. */
  private async assignedParents(plan: RowPlan, target: TableMeta, synth: Synthesizer): Promise<Array<[TableMeta, Record<string, string>]>> {
    const out: Array<[TableMeta, Record<string, string>]> = [];
    for (const fk of await synth.catalog.referencing(target)) {
      const values = fk.childColumns.map((c) => plan.assigned[unquote(c)]);
      const parent = await synth.catalog.table(fk.parent);
      if (parent && values.every((v) => v !== undefined && v !== "NULL")) out.push([parent, Object.fromEntries(fk.parentColumns.map((c, i) => [unquote(c), values[i]!]))]);
    }
    return out;
  }

  /** "3 rows of public.users, 5 of public.orders" */
  private async describe(rows: Rows): Promise<string> {
    const parts: string[] = [];
    for (const [oid, tids] of rows) {
      const t = await this.source!.catalog.table(oid);
      if (t && tids.size) parts.push(`${tids.size} row${tids.size === 1 ? "" : "s"} of ${t.name}`);
    }
    return parts.join(", ");
  }
}
