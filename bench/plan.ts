/**
 * bench/plan.ts: `lockstep plan` on a 50-statement migration against a 20-table schema: the time to
 * analyse and rewrite it (plan_s, files written, check run on them) and to verify every
 * statement's rollback on a shadow database (verify_s: copy the schema from the catalog, then per
 * statement apply it, apply its rollback, diff the catalog, re-apply).
 * Run: npx tsc -p . && node dist/bench/plan.js [statements]   (default 50)
 * Uses LOCKSTEP_SHADOW_ADMIN_URL when set, otherwise its own embedded server. Prints one JSON object.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { introspect } from "../src/db/introspect.js";
import { startEmbedded, tempDataDir, type EmbeddedServer } from "../src/db/embedded.js";
import { withDatabase } from "../src/db/connection.js";
import { planMigration } from "../src/plan/plan.js";
import { closeShadowServer } from "../src/db/shadow.js";

const TABLES = 20;

/** A realistic mix: safe adds, unsafe adds, indexes, constraints, renames, type changes, backfills, drops. */
function migration(n: number): string {
  const kinds = [
    (t: number) => `ALTER TABLE t${t} ADD COLUMN extra_${t} text`,
    (t: number) => `ALTER TABLE t${t} ADD COLUMN flag_${t} boolean NOT NULL DEFAULT false`,
    (t: number) => `ALTER TABLE t${t} ADD COLUMN role_${t} text NOT NULL`,
    (t: number) => `CREATE INDEX t${t}_email_idx_${t} ON t${t} (email)`,
    (t: number) => `ALTER TABLE t${t} ADD CONSTRAINT t${t}_org_fk FOREIGN KEY (org_id) REFERENCES t0 (id)`,
    (t: number) => `ALTER TABLE t${t} ALTER COLUMN name SET NOT NULL`,
    (t: number) => `ALTER TABLE t${t} ADD CONSTRAINT t${t}_email_key UNIQUE (email)`,
    (t: number) => `ALTER TABLE t${t} ALTER COLUMN score TYPE bigint`,
    (t: number) => `UPDATE t${t} SET name = lower(name)`,
    (t: number) => `ALTER TABLE t${t} RENAME COLUMN note TO remark`,
  ];
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(`${kinds[i % kinds.length]!(1 + (i % (TABLES - 1)))};`);
  return `${out.join("\n")}\n`;
}

async function main() {
  const statements = Number(process.argv[2] ?? 50);
  let server: EmbeddedServer | undefined;
  let adminUrl = process.env.LOCKSTEP_SHADOW_ADMIN_URL || undefined;
  if (!adminUrl) {
    server = await startEmbedded({ dataDir: tempDataDir("lockstep-bench-plan-"), ephemeral: true, settings: { max_connections: "100" } });
    adminUrl = server.url();
  }
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query("DROP DATABASE IF EXISTS bench_plan");
  await admin.query("CREATE DATABASE bench_plan");
  await admin.end();
  const url = withDatabase(adminUrl, "bench_plan");
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  const dir = mkdtempSync(path.join(os.tmpdir(), "lockstep-bench-plan-"));
  try {
    for (let t = 0; t < TABLES; t++) {
      await db.query(`CREATE TABLE t${t} (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text, name text, note text, score int, org_id bigint, created_at timestamptz DEFAULT now());
        CREATE INDEX t${t}_created_idx ON t${t} (created_at);`);
    }
    writeFileSync(path.join(dir, "0001_big.up.sql"), migration(statements));
    const schema = await introspect(db);
    const t0 = performance.now();
    const planned = await planMigration({ file: "0001_big.up.sql", cwd: dir, schema, verify: false });
    const planS = (performance.now() - t0) / 1000;
    const t1 = performance.now();
    const verified = await planMigration({ file: "0001_big.up.sql", cwd: dir, out: "verified", schema, verify: { url, adminUrl } });
    const totalS = (performance.now() - t1) / 1000;
    const result = {
      statements,
      steps: planned.steps.length,
      files: planned.files.length,
      plan_s: round(planS),
      plan_and_verify_s: round(totalS),
      verify_s: round(totalS - planS),
      verified: verified.rollback.filter((e) => e.verified === true).length,
      not_verified: verified.rollback.filter((e) => e.verified !== true).length,
      check_errors: planned.checks.reduce((n, c) => n + c.errors.length + c.findings.filter((f) => f.severity === "error" && !f.ignored).length, 0),
    };
    console.log(JSON.stringify(result));
  } finally {
    await db.end();
    rmSync(dir, { recursive: true, force: true });
    await closeShadowServer();
    await server?.stop();
  }
}

function round(s: number): number {
  return Math.round(s * 1000) / 1000;
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
