import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { startEmbedded, tempDataDir, type EmbeddedServer } from "../../src/db/embedded.js";
import { TEMPLATE_DATABASE } from "./db.js";
import { summaryTable } from "../reliability/summary.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** A superuser URL of the test server (maintenance database). */
    pgAdminUrl: string;
    /** where the reliability suite's categories append their counts (one JSON line each) */
    reliabilityReport: string;
  }
}

/**
 * One Postgres server per test run: embedded PG 18, or TEST_DATABASE_URL when set
 * (never DATABASE_URL, which is the bot's own state). Test files clone a template database.
 */
export default async function setup(project: TestProject) {
  let server: EmbeddedServer | undefined;
  let adminUrl = process.env.TEST_DATABASE_URL || undefined;
  if (!adminUrl) {
    server = await startEmbedded({ dataDir: tempDataDir("lockstep-test-"), ephemeral: true, settings: { max_connections: "300", shared_preload_libraries: "pg_stat_statements" } });
    adminUrl = server.url();
  }
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  await client.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DATABASE}`);
  await client.query(`CREATE DATABASE ${TEMPLATE_DATABASE}`);
  await client.end();
  project.provide("pgAdminUrl", adminUrl);
  const reportDir = mkdtempSync(path.join(os.tmpdir(), "lockstep-reliability-"));
  const report = path.join(reportDir, "categories.jsonl");
  writeFileSync(report, "");
  project.provide("reliabilityReport", report);
  // shadow databases (trace, --schema replay, rollback verification) go to the same server
  // instead of each test process starting one; test workers inherit this environment
  process.env.LOCKSTEP_SHADOW_ADMIN_URL ||= adminUrl;
  return async () => {
    const table = summaryTable(report);
    if (table) process.stdout.write(`\nreliability suite${process.env.LOCKSTEP_RELIABILITY === "full" ? " (full)" : " (fixed-seed subset)"}:\n${table}\n`);
    rmSync(reportDir, { recursive: true, force: true });
    await server?.stop();
  };
}
