import * as wrapper from "libpg-query";
import { beforeAll, describe, expect, it } from "vitest";
import * as direct from "../../src/analyze/pg-wasm.js";

// pg-wasm.ts calls libpg-query's WebAssembly without the package's JS wrapper (faster string
// copies): results and errors must stay exactly the wrapper's, also after a libpg-query upgrade.
const outcome = (fn: (q: string) => unknown, q: string): unknown => {
  try {
    return { ok: fn(q) };
  } catch (e) {
    const err = e as Error & { sqlDetails?: unknown };
    return { name: err.name, message: err.message, sqlDetails: err.sqlDetails };
  }
};

const inputs = [
  "SELECT 1;\nALTER TABLE users ADD COLUMN \"naïve\" text NOT NULL DEFAULT 'ü';",
  "SELECT 1;\nCREATE TABL x ();",
  "SELECT 'ünï' FROM",
  "CREATE TABLE \"é\" (a int",
  "DO $$ BEGIN UPDATE t SET a = 1; END $$;",
  "DO $$ BEGIN x; END $$",
  "-- lockstep-ignore foo: why\nSELECT 1;",
  "SELECT 'unterminated",
  ")",
];

describe("pg-wasm", () => {
  beforeAll(async () => {
    await wrapper.loadModule();
    await direct.loadModule();
  });
  for (const fn of ["parseSync", "parsePlPgSQLSync", "scanSync"] as const) {
    it(`${fn} gives what libpg-query's wrapper gives`, () => {
      for (const q of inputs) expect(outcome(direct[fn], q), q).toEqual(outcome(wrapper[fn] as (q: string) => unknown, q));
    });
  }
  it("parses a text larger than the module's initial memory", () => {
    const big = "SELECT 1;\n".repeat(100_000);
    expect((direct.parseSync(big) as { stmts: unknown[] }).stmts).toHaveLength(100_000);
  });
});
