import { writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { analyzeSql } from "../../src/analyze/analyze.js";
import { LOCK_MODES, type SchemaSnapshot, type StatementReport } from "../../src/analyze/types.js";
import { introspect } from "../../src/db/introspect.js";
import { rowProber } from "../../src/db/row-probe.js";
import { createShadow, type Shadow } from "../../src/db/shadow.js";
import { adminUrl } from "../helpers/db.js";
import { CatalogTracer, createFixtureTemplate, expectedPrediction, loadCatalog, type CatalogEntry } from "../helpers/lock-catalog.js";

/**
 * Static predictions (`analyzeSql` as `check --db` runs it: the schema read from the catalog, the
 * rows UPDATEs and DELETEs touch asked read-only) must equal what Postgres 18 really does (`trace`
 * on a fresh copy of the fixture schema and its rows) for every catalog entry.
 * LOCKSTEP_AGREEMENT_REPORT=FILE writes every disagreement to FILE as markdown.
 */
process.env.LOCKSTEP_SHADOW_ADMIN_URL = adminUrl();
const entries = await loadCatalog();
let template: Awaited<ReturnType<typeof createFixtureTemplate>>;
let tracer: CatalogTracer;
let schema: SchemaSnapshot;
let copy: Shadow;
let probeRows: ReturnType<typeof rowProber>;
const gaps: Array<{ entry: CatalogEntry; predicted: unknown; observed: unknown }> = [];
const blocking: Array<{ entry: CatalogEntry; misses: string[] }> = [];

const rank = (mode: string | undefined) => (mode ? LOCK_MODES.indexOf(mode as (typeof LOCK_MODES)[number]) : -1);

/**
 * Where PostgreSQL takes ShareLock or stronger (it blocks writes) and check predicts a weaker lock
 * or none, and every rewrite check does not predict.
 */
function blockingMisses(predicted: Pick<StatementReport, "locks" | "rewrites"> | undefined, observed: Pick<StatementReport, "locks" | "rewrites">): string[] {
  const out: string[] = [];
  const modes = new Map((predicted?.locks ?? []).map((l) => [l.relation, l.mode]));
  for (const l of observed.locks) {
    if (rank(l.mode) >= rank("ShareLock") && rank(modes.get(l.relation)) < rank(l.mode)) out.push(`${l.relation}: ${l.mode} taken, ${modes.get(l.relation) ?? "no lock"} predicted`);
  }
  for (const r of observed.rewrites) if (!(predicted?.rewrites ?? []).includes(r)) out.push(`${r}: rewritten, not predicted`);
  return out;
}

beforeAll(async () => {
  template = await createFixtureTemplate();
  copy = await createShadow({ template: template.name });
  schema = await introspect(copy.client);
  probeRows = rowProber(copy.client, { maxQuestions: 10_000 });
  tracer = new CatalogTracer(template.name);
});

afterAll(async () => {
  // every entry above asserts it; this says how many, in the report
  if (blocking.length) console.error(`blocking misses in ${blocking.length} of ${entries.length} entries:\n${blocking.map((b) => `  ${b.entry.id}: ${b.misses.join("; ")}`).join("\n")}`);
  await copy?.drop();
  await tracer?.close();
  await template?.drop();
  if (process.env.LOCKSTEP_AGREEMENT_REPORT) writeFileSync(process.env.LOCKSTEP_AGREEMENT_REPORT, gapReport());
});

const facts = (s: Pick<StatementReport, "locks" | "rewrites" | "transactional"> | undefined) =>
  s && { locks: s.locks.map((l) => `${l.relation} ${l.mode}`), rewrites: s.rewrites, transactional: s.transactional };

describe("check predictions agree with trace observations on PG 18", () => {
  it("the catalog has at least 150 entries", () => {
    expect(entries.length).toBeGreaterThanOrEqual(150);
  });

  it("blockingMisses finds a weaker prediction of a blocking lock, a missing one and a missed rewrite, and nothing else", () => {
    const observed = { locks: [{ relation: "a", mode: "ShareLock" as const }, { relation: "b", mode: "AccessExclusiveLock" as const }, { relation: "c", mode: "RowExclusiveLock" as const }], rewrites: ["b"] };
    expect(blockingMisses({ locks: [{ relation: "a", mode: "RowExclusiveLock" }], rewrites: [] }, observed)).toEqual(["a: ShareLock taken, RowExclusiveLock predicted", "b: AccessExclusiveLock taken, no lock predicted", "b: rewritten, not predicted"]);
    expect(blockingMisses({ locks: [{ relation: "a", mode: "ShareRowExclusiveLock" }, { relation: "b", mode: "AccessExclusiveLock" }], rewrites: ["b"] }, observed)).toEqual([]);
  });

  for (const entry of entries) {
    it(`${entry.id} ${entry.sql}`, async () => {
      const observed = await tracer.trace(entry);
      expect(observed.error, "the catalog entry must run on the fixture schema").toBeUndefined();
      const report = await analyzeSql("catalog.sql", entry.sql, { schema, pgVersion: 18, probeRows });
      const predicted = report.files[0]!.statements[0];
      // a safety tool errs towards caution: never a blocking lock or a rewrite missed, whatever else differs
      const misses = blockingMisses(predicted, observed);
      if (misses.length) blocking.push({ entry, misses });
      expect(misses, "a lock of ShareLock or stronger, or a rewrite, that check does not predict").toEqual([]);
      const expected = expectedPrediction(observed, entry);
      if (JSON.stringify(facts(predicted)) !== JSON.stringify(facts(expected))) {
        gaps.push({ entry, predicted: facts(predicted), observed: facts(expected) });
      }
      expect(facts(predicted)).toEqual(facts(expected));
    });
  }
});

function gapReport(): string {
  const lines = [
    "# Agreement gaps: `check` predictions vs `trace` observations (PG 18)",
    "",
    `Generated by test/analyze/agreement.test.ts on ${new Date().toISOString()}: ${gaps.length} of ${entries.length} catalog entries disagree.`,
    "Postgres is right: the observed column is what PG 18 did on a fresh copy of test/fixtures/lock-catalog/schema.sql.",
    "",
  ];
  for (const g of gaps) {
    lines.push(`## ${g.entry.id}`, "", "```sql", g.entry.sql, "```", "", `- predicted: \`${JSON.stringify(g.predicted)}\``, `- observed:  \`${JSON.stringify(g.observed)}\``, "");
  }
  return lines.join("\n");
}
