import { connect, quoteIdent } from "../db/connection.js";
import { UserError } from "../errors.js";
import { runBackfill, type BackfillOptions, type BackfillResult } from "./engine.js";
import { parseBackfillExpressions } from "./expressions.js";
import { requireRun } from "./runs.js";
import type { BackfillSpec } from "./spec.js";
import { describeTable } from "./table.js";

/**
 * The inverse transform of a `--save-old` run, as a backfill of its own: every row whose old
 * values were saved gets them back, in batches, with checkpoints, pause and cancel like any run.
 */
export async function restoreSpec(targetUrl: string, original: { table_name: string; spec: BackfillSpec; save_old_table: string | null; id: string }): Promise<BackfillSpec> {
  if (!original.save_old_table) {
    throw new UserError("usage", `backfill ${original.id} did not save the old values (run it with --save-old to make it restorable)`);
  }
  const exprs = await parseBackfillExpressions(original.spec.set, original.spec.where);
  const client = await connect(targetUrl, { applicationName: "lockstep-backfill" });
  try {
    const exists = await client.query("SELECT to_regclass($1) IS NOT NULL AS ok", [original.save_old_table]);
    if (!exists.rows[0].ok) throw new UserError("usage", `the saved values of ${original.id} (${original.save_old_table}) are gone from the target`);
    const info = await describeTable(client, original.table_name, exprs.sets.map((s) => s.column));
    const match = info.key.map((k) => `s.${quoteIdent(k.name)} = ${info.qualified}.${quoteIdent(k.name)}`).join(" AND ");
    const from = `${original.save_old_table} s WHERE ${match}`;
    return {
      ...original.spec,
      table: `${info.schema}.${info.name}`,
      set: info.setColumns.map((c) => `${quoteIdent(c.name)} = (SELECT s.${quoteIdent(c.name)} FROM ${from})`),
      where: `EXISTS (SELECT 1 FROM ${from})`,
      save_old: false,
    };
  } finally {
    await client.end();
  }
}

/** `lockstep backfill restore --run ID`: put back the values a --save-old run replaced. */
export async function restoreBackfill(opts: Omit<BackfillOptions, "spec" | "runId"> & { runId: string }): Promise<BackfillResult> {
  const original = await requireRun(opts.state, opts.runId);
  const spec = await restoreSpec(opts.targetUrl, original);
  const { runId: _ignored, ...rest } = opts;
  return runBackfill({ ...rest, spec });
}
