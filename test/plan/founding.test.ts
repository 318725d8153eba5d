import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { introspect } from "../../src/db/introspect.js";
import { planMigration } from "../../src/plan/plan.js";
import { adminUrl, createTestDatabase, type TestDatabase } from "../helpers/db.js";

let db: TestDatabase;
let dir: string;

beforeAll(async () => {
  db = await createTestDatabase("plan");
  await db.client.query(`
    CREATE TABLE users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text NOT NULL, username text NOT NULL, normalized_email text);
    INSERT INTO users (email, username) SELECT 'u' || g || '@x.io', 'user' || g FROM generate_series(1, 50) g;`);
  dir = mkdtempSync(path.join(os.tmpdir(), "lockstep-plan-"));
});

async function plan(name: string, sql: string) {
  writeFileSync(path.join(dir, name), sql);
  const schema = await introspect(db.client);
  return planMigration({ file: name, cwd: dir, schema, dbLabel: "env:PROD_URL", verify: { url: db.url, adminUrl: adminUrl() } });
}

describe("founding doc examples", () => {
  it("role text NOT NULL without default: nullable add, backfill spec, check NOT VALID, validate, SET NOT NULL", async () => {
    const r = await plan("0001_add_role.up.sql", "ALTER TABLE users ADD COLUMN role text NOT NULL;\n");
    console.log(JSON.stringify(r, null, 1));
    for (const f of r.files) console.log(f.path, "\n", readFileSync(f.path, "utf8"));
  });
});
