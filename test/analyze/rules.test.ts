import { describe, expect, it } from "vitest";
import { analyzeSql } from "../../src/analyze/analyze.js";
import type { ColumnInfo, ConstraintInfo, RelationInfo, SchemaSnapshot, StatementReport } from "../../src/analyze/types.js";

async function check(sql: string, opts: { schema?: SchemaSnapshot; pgVersion?: number; path?: string } = {}): Promise<StatementReport[]> {
  const report = await analyzeSql(opts.path ?? "migration.sql", sql, { ...(opts.schema ? { schema: opts.schema } : {}), ...(opts.pgVersion ? { pgVersion: opts.pgVersion } : {}) });
  expect(report.files[0]!.errors).toEqual([]);
  return report.files[0]!.statements;
}
const active = (s: StatementReport[]) => s.flatMap((x) => x.findings.filter((f) => !f.ignored));
const errorsOf = (s: StatementReport[]) => active(s).filter((f) => f.severity === "error").map((f) => f.rule);

function column(name: string, type: string, extra: Partial<ColumnInfo> = {}): ColumnInfo {
  const base = type.replace(/\(.*$/, "");
  const typeName = `pg_catalog.${base === "character varying" ? "varchar" : base}`;
  const typmod = /\((\d+)\)/.exec(type) ? Number(/\((\d+)\)/.exec(type)![1]) + 4 : -1;
  return { name, type, typeName, typmod, notNull: false, ...extra };
}
function catalog(tables: Array<Partial<RelationInfo> & { name: string }>): SchemaSnapshot {
  const relations: Record<string, RelationInfo> = {};
  for (const t of tables) relations[`public.${t.name}`] = { schema: "public", kind: "table", columns: [], constraints: [], indexes: [], rows: 1000, bytes: 1e6, ...t };
  return { source: "catalog", serverVersion: 180000, relations, types: {}, assumptions: [] };
}

describe("the founding doc's examples", () => {
  it("BAD examples are errors (so the default --fail-on error fails CI)", async () => {
    const cases: Array<[string, string]> = [
      ["ALTER TABLE users ADD COLUMN role text NOT NULL;", "adding-required-field"],
      ["CREATE INDEX users_role_idx ON users (role);", "require-concurrent-index-creation"],
      ["UPDATE users SET role = 'member';", "require-batched-backfill"],
      ["ALTER TABLE users RENAME COLUMN name TO full_name;", "renaming-column"],
      ["ALTER TABLE users RENAME TO accounts;", "renaming-table"],
      ["BEGIN;\nCREATE INDEX CONCURRENTLY users_role_idx ON users (role);\nCOMMIT;", "ban-concurrent-index-creation-in-transaction"],
      ["ALTER TABLE users ADD COLUMN role text;\nUPDATE users SET role = 'member' WHERE role IS NULL;", "mixing-schema-and-data-changes"],
    ];
    for (const [sql, rule] of cases) expect(errorsOf(await check(sql)), sql).toContain(rule);
  });

  it("GOOD examples produce no error", async () => {
    const good = [
      "ALTER TABLE users ADD COLUMN role text;",
      "ALTER TABLE users ADD COLUMN plan text NOT NULL DEFAULT 'free';",
      "CREATE INDEX CONCURRENTLY IF NOT EXISTS users_role_idx ON users (role);",
      "DROP INDEX CONCURRENTLY IF EXISTS users_role_idx;",
      "ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;",
      "ALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk;",
      "ALTER TABLE users ADD CONSTRAINT users_role_nn CHECK (role IS NOT NULL) NOT VALID;",
      // a batched backfill that commits per batch, in its own migration
      "DO $$\nDECLARE n int;\nBEGIN\n  LOOP\n    UPDATE users SET role = 'member' WHERE id IN (SELECT id FROM users WHERE role IS NULL LIMIT 1000);\n    GET DIAGNOSTICS n = ROW_COUNT;\n    EXIT WHEN n = 0;\n    COMMIT;\n  END LOOP;\nEND $$;",
    ];
    for (const sql of good) expect(errorsOf(await check(sql)), sql).toEqual([]);
  });

  it("advice is a warning: a missing lock_timeout, type preferences", async () => {
    const s = await check("ALTER TABLE users ADD COLUMN nickname varchar(40);\nALTER TABLE users ADD COLUMN seen_at timestamp;");
    expect(active(s).map((f) => [f.rule, f.severity])).toEqual([
      ["require-timeout-settings", "warning"],
      ["prefer-text-field", "warning"],
      ["prefer-timestamptz", "warning"],
    ]);
    expect(active(await check("SET lock_timeout = '2s';\nALTER TABLE users ADD COLUMN nickname text;"))).toEqual([]);
  });
});

describe("messages and fixes", () => {
  it("name the relation and column and give the safe SQL sequence", async () => {
    const [s] = await check("ALTER TABLE app.users ADD COLUMN role text NOT NULL;");
    const f = s!.findings.find((x) => x.rule === "adding-required-field")!;
    expect(f.message).toContain("role");
    expect(f.message).toContain("app.users");
    expect(f.fix).toContain("ALTER TABLE app.users ADD COLUMN role text;");
    expect(f.fix).toContain("CHECK (role IS NOT NULL) NOT VALID");
    expect(f.fix).toContain("VALIDATE CONSTRAINT");
  });

  it("the index fix adds CONCURRENTLY to the user's own statement", async () => {
    const [s] = await check("CREATE UNIQUE INDEX users_email_key ON users (lower(email)) WHERE deleted_at IS NULL;");
    expect(s!.findings.find((x) => x.rule === "require-concurrent-index-creation")!.fix).toContain(
      "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS users_email_key ON users (lower(email)) WHERE deleted_at IS NULL;",
    );
  });
});

describe("schema context", () => {
  it("CREATE INDEX, constraints and renames on a table created in the same migration are fine", async () => {
    const s = await check(
      "CREATE TABLE teams (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text);\nCREATE INDEX teams_name_idx ON teams (name);\nALTER TABLE teams ADD CONSTRAINT teams_name_check CHECK (name <> '');\nALTER TABLE teams ALTER COLUMN name SET NOT NULL;\nALTER TABLE teams RENAME COLUMN name TO title;",
    );
    expect(errorsOf(s)).toEqual([]);
  });

  it("SET NOT NULL: an error alone; fine next to a validated CHECK (col IS NOT NULL) from --db or earlier in the migration", async () => {
    expect(errorsOf(await check("ALTER TABLE users ALTER COLUMN email SET NOT NULL;"))).toEqual(["adding-not-nullable-field"]);
    const proven: ConstraintInfo = { name: "users_email_nn", type: "c", columns: ["email"], validated: true, definition: "CHECK ((email IS NOT NULL))" };
    const schema = catalog([{ name: "users", columns: [column("email", "text")], constraints: [proven] }]);
    expect(errorsOf(await check("ALTER TABLE users ALTER COLUMN email SET NOT NULL;", { schema }))).toEqual([]);
    const notValidated = catalog([{ name: "users", columns: [column("email", "text")], constraints: [{ ...proven, validated: false }] }]);
    expect(errorsOf(await check("ALTER TABLE users ALTER COLUMN email SET NOT NULL;", { schema: notValidated }))).toEqual(["adding-not-nullable-field"]);
    const stepwise = await check(
      "ALTER TABLE users ADD CONSTRAINT users_email_nn CHECK (email IS NOT NULL) NOT VALID;\nCOMMIT;\nALTER TABLE users VALIDATE CONSTRAINT users_email_nn;\nALTER TABLE users ALTER COLUMN email SET NOT NULL;",
    );
    expect(errorsOf(stepwise)).toEqual([]);
  });

  it("type changes: a rewrite is an error; varchar grow and varchar -> text are silent when the old type is known", async () => {
    const schema = catalog([{ name: "users", columns: [column("id", "integer"), column("name", "character varying(20)")] }]);
    expect(errorsOf(await check("ALTER TABLE users ALTER COLUMN id TYPE bigint;", { schema }))).toEqual(["changing-column-type"]);
    expect(active(await check("ALTER TABLE users ALTER COLUMN name TYPE varchar(50);", { schema })).filter((f) => f.rule === "changing-column-type")).toEqual([]);
    expect(active(await check("ALTER TABLE users ALTER COLUMN name TYPE text;", { schema })).filter((f) => f.rule === "changing-column-type")).toEqual([]);
    expect(errorsOf(await check("ALTER TABLE users ALTER COLUMN name TYPE varchar(10);", { schema }))).toEqual(["changing-column-type"]);
  });

  it("ATTACH PARTITION is fine when the partition has a validated CHECK", async () => {
    const sql = "ALTER TABLE events ATTACH PARTITION events_2024 FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');";
    expect(errorsOf(await check(sql))).toContain("require-partition-check-before-attach");
    const bounds: ConstraintInfo = { name: "b", type: "c", columns: ["created_at"], validated: true, definition: "CHECK (((created_at >= '2024-01-01') AND (created_at < '2025-01-01')))" };
    const schema = catalog([{ name: "events", kind: "partitioned-table", columns: [column("created_at", "timestamptz")] }, { name: "events_2024", columns: [column("created_at", "timestamptz")], constraints: [bounds] }]);
    expect(errorsOf(await check(sql, { schema }))).not.toContain("require-partition-check-before-attach");
  });

  it("version-aware: ADD VALUE in a transaction fails before 12; a constant default is free from 11", async () => {
    expect(errorsOf(await check("ALTER TABLE users ADD COLUMN plan text DEFAULT 'free';", { pgVersion: 11 }))).toEqual([]);
    expect(errorsOf(await check("ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid();", { pgVersion: 11 }))).toEqual(["adding-field-with-default"]);
    expect(errorsOf(await check("BEGIN;\nALTER TYPE mood ADD VALUE 'curious';\nCOMMIT;", { pgVersion: 11 }))).toContain("ban-enum-add-value-in-transaction");
    expect(errorsOf(await check("BEGIN;\nALTER TYPE mood ADD VALUE 'curious';\nCOMMIT;", { pgVersion: 12 }))).not.toContain("ban-enum-add-value-in-transaction");
  });

  it("transaction structure follows the layout: a BEGIN in a file the tool wraps is nesting", async () => {
    const sql = "BEGIN;\nALTER TABLE users ADD COLUMN bio text;\nCOMMIT;";
    expect(errorsOf(await check(sql))).not.toContain("transaction-nesting");
    // dbmate wraps each migration in a transaction
    expect(errorsOf(await check(`-- migrate:up\n${sql}\n-- migrate:down\n`, { path: "db/migrations/20240101000000_bio.sql" }))).toContain("transaction-nesting");
  });
});

describe("ignore comments", () => {
  it("keep ignored findings in the report with the reason; other rules and statements are unaffected", async () => {
    const s = await check(
      "-- lockstep-ignore renaming-column, require-timeout-settings: nothing reads name yet\nALTER TABLE users RENAME COLUMN name TO full_name;\nALTER TABLE users RENAME COLUMN email TO mail;",
    );
    expect(s[0]!.findings.map((f) => [f.rule, f.ignored, f.ignoreReason])).toEqual([
      ["renaming-column", true, "nothing reads name yet"],
      ["require-timeout-settings", true, "nothing reads name yet"],
    ]);
    expect(s[1]!.findings.map((f) => [f.rule, f.ignored])).toEqual([["renaming-column", false]]);
  });

  it("a file directive silences a rule everywhere in the file", async () => {
    const s = await check("-- lockstep-ignore-file prefer-text-field\nCREATE TABLE a (x varchar(10));\nCREATE TABLE b (y varchar(10));");
    const found = s.flatMap((x) => x.findings).filter((f) => f.rule === "prefer-text-field");
    expect(found.length).toBe(2);
    expect(found.every((f) => f.ignored)).toBe(true);
  });
});
