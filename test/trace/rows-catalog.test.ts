import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOCK_MODES, type StatementReport } from "../../src/analyze/types.js";
import { connect, withDatabase } from "../../src/db/connection.js";
import { copySchema, createShadow, type Shadow } from "../../src/db/shadow.js";
import { RowFeeder } from "../../src/trace/rows/feeder.js";
import { traceSql } from "../../src/trace/trace.js";
import { adminUrl } from "../helpers/db.js";
import { CatalogTracer, createFixtureTemplate, loadCatalog, type CatalogEntry } from "../helpers/lock-catalog.js";

/**
 * The lock catalog's DML entries (and DO blocks), traced two ways: on a copy of the fixture with all its rows
 * (what test/analyze/agreement.test.ts compares `check` with), and on a copy of its schema alone
 * that gets its rows the way `trace --db` does (copied for the statement from the fixture). Row
 * copying must not change an observation; where the fixture has no matching row and rows are
 * synthesized, the copy may only see more (never weaker or fewer locks).
 */
process.env.LOCKSTEP_SHADOW_ADMIN_URL = adminUrl();
const DML = /^\s*((WITH\b[\s\S]*\b)?(INSERT|UPDATE|DELETE|MERGE)|DO)\b/i;
const entries = (await loadCatalog()).filter((e) => DML.test(e.sql));
let template: Awaited<ReturnType<typeof createFixtureTemplate>>;
let schemaOnly: Shadow;
let tracer: CatalogTracer;
let copy: { shadow: Shadow; source: pg.Client; rows: RowFeeder } | undefined;

beforeAll(async () => {
  template = await createFixtureTemplate();
  tracer = new CatalogTracer(template.name);
  schemaOnly = await createShadow();
  const fixture = new pg.Client({ connectionString: withDatabase(adminUrl(), template.name) });
  await fixture.connect();
  await copySchema(fixture, schemaOnly.client);
  await fixture.end();
  await schemaOnly.client.end(); // a template must be unused
});

afterAll(async () => {
  await closeCopy();
  await tracer?.close();
  await schemaOnly?.drop();
  await template?.drop();
});

async function closeCopy(): Promise<void> {
  if (!copy) return;
  await copy.rows.close();
  await copy.source.end();
  await copy.shadow.drop();
  copy = undefined;
}

/** Trace on the schema copy, rows copied from the fixture (accumulating across entries, as in one migration). */
async function traceWithCopiedRows(entry: CatalogEntry): Promise<{ statement: StatementReport; notes: string[]; errors: string[] }> {
  if (!copy) {
    const shadow = await createShadow({ template: schemaOnly.name });
    const source = new pg.Client({ connectionString: withDatabase(adminUrl(), template.name) });
    await source.connect();
    copy = { shadow, source, rows: new RowFeeder(shadow.client, source) };
  }
  // each entry is a migration of its own: a session of its own (as on the fixture), rows written through another
  const runner = await connect(copy.shadow.url, { applicationName: "lockstep-catalog-runner" });
  const report = await traceSql(entry.id, entry.sql, { url: copy.shadow.url, client: runner }, { keep: false, rows: copy.rows }).finally(() => runner.end());
  const notes = report.assumptions ?? [];
  // made-up rows stay in the shadow: the next entry starts afresh
  if (notes.some((n) => n.includes("synthesized"))) await closeCopy();
  return { statement: report.statements[0]!, notes, errors: report.errors.map((e) => e.message) };
}

const strongest = (s: Pick<StatementReport, "locks">) => new Map(s.locks.map((l) => [l.relation, LOCK_MODES.indexOf(l.mode)]));

describe("row copying keeps the lock catalog's DML observations", () => {
  it("the catalog has DML entries", () => {
    expect(entries.length).toBeGreaterThanOrEqual(15);
  });

  for (const entry of entries) {
    it(`${entry.id} ${entry.sql}`, async () => {
      const onFixture = await tracer.trace(entry);
      const copied = await traceWithCopiedRows(entry);
      expect(copied.errors, copied.notes.join("\n")).toEqual(onFixture.error ? [onFixture.error] : []);
      if (!copied.notes.some((n) => n.includes("synthesized"))) {
        expect({ locks: copied.statement.locks, rewrites: copied.statement.rewrites }, copied.notes.join("\n")).toEqual({ locks: onFixture.locks, rewrites: onFixture.rewrites });
        return;
      }
      const more = strongest(copied.statement);
      for (const [relation, mode] of strongest(onFixture)) expect(more.get(relation) ?? -1, relation).toBeGreaterThanOrEqual(mode);
    });
  }
});
