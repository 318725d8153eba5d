import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { loadSpecFile } from "../../src/backfill/spec.js";
import { introspect } from "../../src/db/introspect.js";
import { planMigration, type PlanOptions } from "../../src/plan/plan.js";
import type { PlanResult } from "../../src/plan/types.js";
import { adminUrl, createTestDatabase, type TestDatabase } from "../helpers/db.js";

export const USERS_SCHEMA = `
  CREATE TABLE users (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email text NOT NULL,
    username text NOT NULL,
    normalized_email text,
    age int,
    org_id bigint
  );
  CREATE INDEX users_org_idx ON users (org_id);
  CREATE TABLE orgs (id bigint PRIMARY KEY, name text);
  INSERT INTO orgs VALUES (1, 'acme');
  INSERT INTO users (email, username, org_id, age) SELECT 'U' || g || '@x.io', 'user' || g, 1, g FROM generate_series(1, 40) g;`;

/** A database holding the users/orgs fixture. */
export async function fixtureDb(prefix = "plan"): Promise<TestDatabase> {
  const db = await createTestDatabase(prefix);
  await db.client.query(USERS_SCHEMA);
  return db;
}

export function tempDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), "lockstep-plan-"));
}

/** A clock before every timestamp the tests use: timestamp versions come out as the highest existing one + 1 s. */
export const TEST_CLOCK = new Date("2020-01-01T00:00:00Z");

/** Write a migration (relative path under `dir`) and plan it against `db`'s schema, verifying on a shadow. */
export async function planAgainst(db: TestDatabase, dir: string, file: string, sql: string, extra: Record<string, string> = {}, more: Partial<PlanOptions> = {}): Promise<PlanResult> {
  const abs = path.join(dir, file);
  mkdirSync(path.dirname(abs), { recursive: true });
  writeFileSync(abs, sql);
  for (const [f, text] of Object.entries(extra)) {
    mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    writeFileSync(path.join(dir, f), text);
  }
  const schema = await introspect(db.client);
  return planMigration({ file, cwd: dir, schema, dbLabel: "--db env:PROD_URL", verify: { url: db.url, adminUrl: adminUrl() }, now: TEST_CLOCK, ...more });
}

/**
 * Apply a plan's migrations in order to `db`, as the tool would (each file as one query), and
 * its backfill specs as a plain UPDATE.
 */
export async function applyPlan(db: TestDatabase, plan: PlanResult): Promise<void> {
  for (let i = 0; i < plan.steps.length; i++) {
    const step = plan.steps[i]!;
    if (step.kind === "deploy") continue;
    const file = plan.files.find((f) => f.step === i && (f.role === "migration" || f.role === "backfill-spec"))!;
    if (step.kind === "backfill") {
      const spec = loadSpecFile(file.path);
      await db.client.query(`UPDATE ${spec.table} SET ${spec.set.join(", ")}${spec.where ? ` WHERE ${spec.where}` : ""}`);
      continue;
    }
    const text = readFileSync(file.path, "utf8");
    // dbmate files hold both directions: run the up section only
    const up = text.includes("-- migrate:down") ? text.slice(0, text.indexOf("-- migrate:down")) : text;
    await db.client.query(up);
  }
}

/** Error findings or errors reported by `lockstep check` on the generated files. */
export function checkProblems(plan: PlanResult): string[] {
  return plan.checks.flatMap((c) => [...c.errors, ...c.findings.filter((f) => f.severity === "error" && !f.ignored).map((f) => `${path.basename(c.path)}: ${f.rule}: ${f.message}`)]);
}
