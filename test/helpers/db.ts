import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, inject } from "vitest";
import { withDatabase } from "../../src/db/connection.js";

export const TEMPLATE_DATABASE = "lockstep_test_template";

export interface TestDatabase {
  name: string;
  url: string;
  /** A connected client, closed after the file's tests. */
  client: pg.Client;
}

/** The test server's maintenance-database URL (superuser). */
export function adminUrl(): string {
  return inject("pgAdminUrl");
}

/**
 * A fresh database for the calling test file, cloned from the run's template and dropped after
 * the file's tests. Call at the top level or in beforeAll.
 */
export async function createTestDatabase(prefix = "t"): Promise<TestDatabase> {
  const name = `${prefix}_${randomBytes(5).toString("hex")}`;
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE_DATABASE}`);
  await admin.end();
  const url = withDatabase(adminUrl(), name);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  afterAll(async () => {
    await client.end();
    const a = new pg.Client({ connectionString: adminUrl() });
    await a.connect();
    await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await a.end();
  });
  return { name, url, client };
}
