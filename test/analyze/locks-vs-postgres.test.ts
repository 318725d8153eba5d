import { beforeAll, describe, expect, it } from "vitest";
import { analyzeSource } from "../../src/analyze/analyze.js";
import { loadParser } from "../../src/analyze/parse.js";
import { SchemaContext } from "../../src/analyze/schema.js";
import type { SchemaSnapshot } from "../../src/analyze/types.js";
import { introspect } from "../../src/db/introspect.js";
import { sourceFromBuffer } from "../../src/analyze/sources.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { observeLocks } from "../helpers/observe-locks.js";
import { LOCK_CASES, LOCK_CASES_BASE } from "./lock-cases.js";

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase("locks");
  await loadParser();
});

/** Predict with the schema known only from the setup statements (an earlier migration file). */
function predict(setup: string, sql: string) {
  const schema = new SchemaContext();
  analyzeSource(sourceFromBuffer("setup.sql", Buffer.from(setup), "plain"), schema, 18);
  schema.startMigration();
  const file = analyzeSource(sourceFromBuffer("case.sql", Buffer.from(sql), "plain"), schema, 18);
  expect(file.report.errors).toEqual([]);
  const st = file.report.statements[file.report.statements.length - 1]!;
  return { locks: st.locks, rewrites: st.rewrites };
}

/** Predict with the schema read from the live catalog (what `check --db` does). */
function predictFromCatalog(snapshot: SchemaSnapshot, sql: string) {
  const schema = new SchemaContext(snapshot);
  const file = analyzeSource(sourceFromBuffer("case.sql", Buffer.from(sql), "plain"), schema, 18);
  expect(file.report.errors).toEqual([]);
  const st = file.report.statements[file.report.statements.length - 1]!;
  return { locks: st.locks, rewrites: st.rewrites };
}

describe.each([
  ["the statements seen so far", false],
  ["the live catalog (--db)", true],
])("predicted locks and rewrites equal what Postgres 18 does, schema from %s", (_label, fromCatalog) => {
  it(`agrees on all ${LOCK_CASES.length} statements (those needing the catalog with --db only)`, async () => {
    const disagreements: string[] = [];
    for (const c of LOCK_CASES.filter((x) => fromCatalog || !x.catalogOnly)) {
      await db.client.query("DROP SCHEMA IF EXISTS archive CASCADE; DROP SCHEMA public CASCADE; CREATE SCHEMA public");
      const setup = `${LOCK_CASES_BASE};\n${c.setup ?? ""}`;
      await db.client.query(setup);
      const snapshot = fromCatalog ? await introspect(db.client) : undefined;
      const observed = await observeLocks(db.client, c.sql).catch((e: Error) => ({ error: e.message }));
      const predicted = snapshot ? predictFromCatalog(snapshot, c.sql) : predict(setup, c.sql);
      if (JSON.stringify(observed) !== JSON.stringify(predicted)) {
        disagreements.push(`CASE ${c.name}: ${c.sql}\n   postgres:  ${JSON.stringify(observed)}\n   predicted: ${JSON.stringify(predicted)}`);
      }
    }
    expect(disagreements.join("\n")).toBe("");
  }, 240_000); // ~180 cases, each on a fresh schema: slow on a loaded machine, never waiting on anything
});
