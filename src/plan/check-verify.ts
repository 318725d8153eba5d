import path from "node:path";
import type { AnalyzedFile } from "../analyze/analyze.js";
import type { CommandContext } from "../command.js";
import { shadowFrom, type Shadow } from "../db/shadow.js";
import { catalogState, type CatalogState } from "./catalog-diff.js";
import { downFileOf } from "./plan.js";
import { applyVerification, downNotVerified, verifyDownFile, verifyRollbacks } from "./verify.js";

/**
 * `check --verify-rollback`: on one shadow database built from --db (schema only) or --schema, the
 * files in order: each statement then its rollback (catalog diffed), then the file's down file.
 * Fills `verified` (and `diff`) in each file's rollback entries and `down` in its report.
 */
export async function verifyFileRollbacks(
  files: AnalyzedFile[],
  /**
   * where the shadow's schema comes from (the shadow is dropped here), or `shadow`: one already on
   * its way (the caller drops it), with `initial`, its catalog as copied, when already being read
   */
  source: { url?: string; schemaFile?: string; adminUrl?: string } | { shadow: Promise<Shadow>; initial?: Promise<CatalogState> },
  /** where each file is on disk (to find its down file); undefined: no down file */
  locate: (f: AnalyzedFile) => string | undefined,
): Promise<string[]> {
  // the statements run for real there: as a role without superuser, never as the server admin
  const shadow = await ("shadow" in source ? source.shadow : shadowFrom({ ...source, restricted: true }));
  let initial = "shadow" in source ? source.initial : undefined;
  try {
    for (const f of files) {
      if (!f.report.rollback || f.report.errors.length) continue;
      // the shadow is as copied until the first file runs on it
      const before = await (initial ?? catalogState(shadow.client));
      initial = undefined;
      const verified = await verifyRollbacks(
        shadow.client,
        f.statements.map((st) => ({ index: st.parsed.index, sql: st.parsed.sql, summary: st.summary, rollbackSql: st.rollback?.sql ?? [] })),
        before,
      );
      applyVerification(f.report.rollback, verified);
      const abs = locate(f);
      const down = abs ? downFileOf(abs, f.source.layout) : undefined;
      if (!down) continue;
      f.report.down = verified.forwardFailed ? downNotVerified(down.path) : await verifyDownFile(shadow.client, down.path, down.text, before);
      // back to the state after this file, for the next one
      for (const st of f.statements) if (!st.summary.transaction) await shadow.client.query(st.parsed.sql).catch(() => undefined);
    }
    return shadow.notes;
  } finally {
    if (!("shadow" in source)) await shadow.drop();
  }
}

/** What `check --verify-rollback` needs from the command: where the schema comes from. */
export async function verifyForCheck(files: AnalyzedFile[], a: { db?: string; target?: string; schema?: string }, ctx: Pick<CommandContext, "config" | "env" | "cwd">): Promise<string[]> {
  const { resolveDatabaseUrl } = await import("../db/connection.js");
  const { closeShadowServer } = await import("../db/shadow.js");
  const url = resolveDatabaseUrl({ db: a.db, target: a.target, readonly: true }, ctx.config.config, ctx.env);
  try {
    const source = { ...(url ? { url } : {}), ...(a.schema ? { schemaFile: path.resolve(ctx.cwd, a.schema) } : {}), ...(ctx.env.LOCKSTEP_SHADOW_ADMIN_URL ? { adminUrl: ctx.env.LOCKSTEP_SHADOW_ADMIN_URL } : {}) };
    return await verifyFileRollbacks(files, source, (f) => (f.source.path === "-" ? undefined : path.resolve(ctx.cwd, f.source.path)));
  } finally {
    await closeShadowServer();
  }
}
