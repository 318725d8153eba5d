import { beforeAll, describe, expect, it } from "vitest";
import { analyzeSource } from "../../src/analyze/analyze.js";
import { loadParser } from "../../src/analyze/parse.js";
import { SchemaContext } from "../../src/analyze/schema.js";
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

describe("predicted locks and rewrites equal what Postgres 18 does", () => {
  it(`agrees on all ${LOCK_CASES.length} statements`, async () => {
    const disagreements: string[] = [];
    for (const c of LOCK_CASES) {
      await db.client.query("DROP SCHEMA public CASCADE; CREATE SCHEMA public");
      const setup = `${LOCK_CASES_BASE};\n${c.setup ?? ""}`;
      await db.client.query(setup);
      const observed = await observeLocks(db.client, c.sql).catch((e: Error) => ({ error: e.message }));
      const predicted = predict(setup, c.sql);
      if (JSON.stringify(observed) !== JSON.stringify(predicted)) {
        disagreements.push(`CASE ${c.name}: ${c.sql}\n   postgres:  ${JSON.stringify(observed)}\n   predicted: ${JSON.stringify(predicted)}`);
      }
    }
    expect(disagreements.join("\n")).toBe("");
  });
});
