import { describe, expect, it } from "vitest";
import { checkSql } from "../helpers/check-sql.js";

/** Per statement, the findings of one rule as [severity, message]. */
async function byStatement(sql: string, rule: string, opts: Parameters<typeof checkSql>[1] = {}) {
  const file = await checkSql(sql, opts);
  return file.statements.map((s) => s.findings.filter((f) => f.rule === rule && !f.ignored).map((f) => [f.severity, f.message] as const));
}

// synapse's layout: the tool runs each file in a transaction of its own
const WRAPPED = { path: "delta/1/case.sql", layout: "synapse" } as const;

describe("transaction-nesting: the file's transaction control against the transaction it runs in", () => {
  it("a COMMIT in a file the tool wraps ends the tool's transaction early; a ROLLBACK undoes the work the tool then records as applied", async () => {
    const commit = await byStatement("ALTER TABLE users ADD COLUMN a text;\nCOMMIT;\nALTER TABLE users ADD COLUMN b text;", "transaction-nesting", WRAPPED);
    expect(commit[1]).toEqual([["error", expect.stringContaining("ends the tool's transaction early")]]);
    const rollback = await byStatement("UPDATE users SET a = 'x' WHERE id = 1;\nROLLBACK;", "transaction-nesting", WRAPPED);
    expect(rollback[1]).toEqual([["error", expect.stringContaining("yet the tool goes on to record the migration as applied")]]);
  });

  it("COMMIT; BEGIN; in a wrapped file splits the tool's transaction: a warning; the BEGIN after it nests in nothing", async () => {
    const split = await byStatement("DELETE FROM sessions;COMMIT TRANSACTION;BEGIN TRANSACTION;\nALTER TABLE sessions ADD COLUMN token text;", "transaction-nesting", WRAPPED);
    expect(split).toEqual([[], [["warning", expect.stringContaining("splits the migration tool's transaction in two")]], [], []]);
  });

  it("BEGIN in a wrapped file, or inside an open BEGIN, is nesting; its COMMIT is not reported again", async () => {
    expect(await byStatement("BEGIN;\nSELECT 1;\nCOMMIT;", "transaction-nesting", WRAPPED)).toEqual([[["error", expect.stringContaining("already runs in a transaction")]], [], []]);
    expect(await byStatement("BEGIN;\nBEGIN;\nSELECT 1;\nCOMMIT;\nCOMMIT;", "transaction-nesting")).toEqual([[], [["error", expect.stringContaining("inside an open transaction block")]], [], [], [["warning", expect.stringContaining("no transaction open")]]]);
  });

  it("a COMMIT or ROLLBACK with no transaction open is a warning (Postgres only warns); BEGIN ... COMMIT is fine, twice too", async () => {
    expect(await byStatement("SELECT 1;\nCOMMIT;", "transaction-nesting")).toEqual([[], [["warning", expect.stringContaining('"there is no transaction in progress"')]]]);
    expect((await byStatement("BEGIN;\nSELECT 1;\nCOMMIT;\nBEGIN;\nSELECT 2;\nCOMMIT;", "transaction-nesting")).flat()).toEqual([]);
    // golang-migrate sends a file as one query: COMMIT ends the implicit block, which Postgres accepts
    expect((await byStatement("SELECT 1;\nCOMMIT;\nSELECT 2;", "transaction-nesting", { path: "1_x.up.sql" })).flat()).toEqual([]);
  });
});

describe("prefer-robust-stmts: statements a re-run must get past", () => {
  it("in an autocommit file, every statement a later one can fail after must be re-runnable", async () => {
    const r = await byStatement("drop type t;\nDROP TYPE f;", "prefer-robust-stmts");
    expect(r[0]).toEqual([["warning", expect.stringContaining("drop-type public.t is committed on its own: after a later statement fails the re-run fails on it")]]);
    // the last one runs alone: when it fails, nothing of it stays
    expect(r[1]).toEqual([]);
  });

  it("flags what fails when repeated, not what Postgres accepts again", async () => {
    const sql = [
      "ALTER TABLE users ADD COLUMN a text;",
      "ALTER TABLE users ADD COLUMN IF NOT EXISTS b text;",
      "ALTER TABLE users ENABLE ROW LEVEL SECURITY;",
      "ALTER TABLE users ALTER COLUMN a SET NOT NULL;",
      "ALTER TABLE users RENAME COLUMN a TO c;",
      "CREATE TEMP TABLE scratch (id int);",
      "ALTER TABLE users ADD CONSTRAINT users_c_check CHECK (c <> '') NOT VALID;",
      "ALTER TABLE users DROP CONSTRAINT IF EXISTS users_b_check;",
      "ALTER TABLE users ADD CONSTRAINT users_b_check CHECK (b <> '') NOT VALID;",
      "SELECT 1;",
      "CREATE TABLE IF NOT EXISTS done (id int);",
    ].join("\n");
    const flagged = (await byStatement(sql, "prefer-robust-stmts")).map((f, i) => (f.length ? i : -1)).filter((i) => i >= 0);
    expect(flagged).toEqual([0, 4, 6]);
  });

  it("in a transaction nothing stays after a failure: no findings", async () => {
    expect((await byStatement("BEGIN;\nDROP TYPE t;\nDROP TYPE f;\nCOMMIT;", "prefer-robust-stmts")).flat()).toEqual([]);
    expect((await byStatement("DROP TYPE t;\nDROP TYPE f;", "prefer-robust-stmts", WRAPPED)).flat()).toEqual([]);
  });

  it("a statement that cannot run in a transaction is flagged even alone: it can fail halfway", async () => {
    expect(await byStatement("CREATE INDEX CONCURRENTLY users_email_idx ON users (email);", "prefer-robust-stmts")).toEqual([[["warning", expect.stringContaining("runs outside a transaction")]]]);
  });

  it("an unnamed CREATE INDEX CONCURRENTLY: IF NOT EXISTS needs a name, so the fix says to name it", async () => {
    const file = await checkSql("CREATE INDEX CONCURRENTLY ON users (email);");
    const f = file.statements[0]!.findings.find((x) => x.rule === "prefer-robust-stmts")!;
    expect(f.message).toContain("builds a second copy of the index");
    expect(f.fix).toContain("name the index (IF NOT EXISTS needs a name)");
  });

  it("a constraint added twice in one file fails the second time", async () => {
    const r = await byStatement('ALTER TABLE "app_email" DROP CONSTRAINT IF EXISTS "email_uniq";\nALTER TABLE "app_email" ADD CONSTRAINT "email_uniq" UNIQUE USING INDEX "email_idx";\nALTER TABLE "app_email" ADD CONSTRAINT "email_uniq" UNIQUE USING INDEX "email_idx";', "prefer-robust-stmts");
    expect(r).toEqual([[], [], [["warning", expect.stringContaining("this file already added it, so the statement fails")]]]);
  });
});
