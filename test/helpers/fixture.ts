import path from "node:path";
import type pg from "pg";
import { replaySchemaFile } from "../../src/db/shadow.js";
import { REPO_ROOT } from "./cli.js";

export const LOCK_CATALOG_DIR = path.join(REPO_ROOT, "test/fixtures/lock-catalog");
export const FIXTURE_SCHEMA = path.join(LOCK_CATALOG_DIR, "schema.sql");

/** Load the lock-catalog fixture schema (with its few rows of data) into a database. */
export async function loadFixtureSchema(client: pg.ClientBase): Promise<void> {
  await replaySchemaFile(client, FIXTURE_SCHEMA);
}
