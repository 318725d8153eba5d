import { beforeAll, describe as group, expect, it } from "vitest";
import { analyzeSource, type AnalyzedStatement } from "../../src/analyze/analyze.js";
import { loadParser } from "../../src/analyze/parse.js";
import { SchemaContext } from "../../src/analyze/schema.js";
import { sourceFromBuffer } from "../../src/analyze/sources.js";

beforeAll(() => loadParser());

function summaries(sql: string): AnalyzedStatement["summary"][] {
  const file = analyzeSource(sourceFromBuffer("m.sql", Buffer.from(sql), "golang-migrate"), new SchemaContext(), 18);
  expect(file.report.errors).toEqual([]);
  return file.statements.map((s) => s.summary);
}

group("statement summaries (what rules read instead of the AST)", () => {
  it("a CTE's name is not a relation read, wherever the WITH clause sits in the tree", () => {
    const [sel, ins] = summaries("WITH recent AS (SELECT * FROM events WHERE id > 1) SELECT * FROM recent JOIN users u ON true;\nINSERT INTO archive WITH r AS (SELECT 1 AS x) SELECT x FROM r");
    expect(sel!.reads.sort()).toEqual(["public.events", "public.users"]);
    expect(ins!.reads).toEqual([]);
  });

  it("WHERE and join terms per scanned relation, for partition pruning", () => {
    const [s] = summaries(
      "SELECT * FROM sales s JOIN tenants t ON t.id = s.tenant_id AND t.region = 'eu' LEFT JOIN notes n ON n.sale_id = s.id AND n.kind = 'x' AND s.day = '2024-01-01' WHERE s.day >= '2024-01-01' AND NOT (s.id < 5) AND flag = true AND s.region = ANY (ARRAY['a', 'b'])",
    );
    expect(s!.readKeyFilters).toEqual([
      {
        relations: ["public.sales", "public.tenants", "public.notes"],
        byRelation: {
          "public.tenants": [{ column: "region", op: "=", value: "eu" }],
          "public.notes": [{ column: "kind", op: "=", value: "x" }],
          "public.sales": [
            { column: "day", op: ">=", value: "2024-01-01" },
            { column: "id", op: ">=", value: "5" },
            { column: "region", op: "in", values: ["a", "b"] },
          ],
        },
        unqualified: [{ column: "flag", op: "=", value: "true" }],
      },
    ]);
  });

  it("ADD COLUMN: type, NOT NULL, default volatility and text", () => {
    const [s] = summaries("ALTER TABLE users ADD COLUMN role text NOT NULL, ADD COLUMN token uuid DEFAULT gen_random_uuid(), ADD COLUMN at timestamptz DEFAULT now()");
    expect(s!.kind).toBe("alter-table");
    expect(s!.relation).toBe("public.users");
    expect(s!.actions.map((a) => [a.action, a.column, a.columnDef?.notNull, a.default?.volatility, a.default?.text])).toEqual([
      ["add-column", "role", true, undefined, undefined],
      ["add-column", "token", false, "volatile", "gen_random_uuid()"],
      ["add-column", "at", false, "stable", "now()"],
    ]);
  });

  it("constraints: NOT VALID, USING INDEX, foreign key targets, CHECK (col IS NOT NULL)", () => {
    const [fk, uq, ck] = summaries(
      "ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE NOT VALID;" +
        "ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_idx;" +
        "ALTER TABLE users ADD CONSTRAINT email_nn CHECK (email IS NOT NULL) NOT VALID;",
    );
    expect(fk!.constraints[0]).toMatchObject({ type: "foreign-key", name: "orders_user_fk", columns: ["user_id"], notValid: true, references: { relation: "public.users", columns: ["id"], onDelete: "cascade" } });
    expect(uq!.constraints[0]).toMatchObject({ type: "unique", usingIndex: "users_email_idx", notValid: false });
    expect(ck!.constraints[0]).toMatchObject({ type: "check", checksNotNullOf: "email", notValid: true });
  });

  it("CREATE INDEX: concurrently, transactional, and a table created in the same migration is new", () => {
    const [, idx, cic] = summaries("CREATE TABLE t (id int, email text); CREATE INDEX t_email ON t (lower(email)) WHERE id > 0; CREATE INDEX CONCURRENTLY u_e ON users (email);");
    expect(idx).toMatchObject({ kind: "create-index", newTable: true, concurrently: false, transactional: true, index: { name: "t_email", expressions: true, partial: true } });
    expect(cic).toMatchObject({ kind: "create-index", newTable: false, concurrently: true, transactional: false, inTransaction: true });
  });

  it("renames, type changes, DML and transaction control", () => {
    const [rename, type, upd, set, begin] = summaries(
      "ALTER TABLE users RENAME COLUMN username TO display_name; ALTER TABLE users ALTER COLUMN id TYPE bigint; UPDATE users SET a = 1; SET lock_timeout = '5s'; BEGIN;",
    );
    expect(rename!.actions).toEqual([{ action: "rename-column", column: "username", newName: "display_name" }]);
    expect(type!.actions[0]).toMatchObject({ action: "alter-column-type", column: "id", type: { name: "int8", text: "int8" } });
    expect(upd).toMatchObject({ kind: "update", dml: { where: false, columns: ["a"] } });
    expect(set!.setting).toEqual({ name: "lock_timeout", value: "5s", local: false });
    expect(begin!.transaction).toBe("begin");
  });

  it("a DO block with a loop that updates and commits is a batched backfill", () => {
    const [d] = summaries("DO $$ BEGIN LOOP UPDATE users SET n = lower(e) WHERE id IN (SELECT id FROM users WHERE n IS NULL LIMIT 100); EXIT WHEN NOT FOUND; COMMIT; END LOOP; END $$;");
    expect(d!.kind).toBe("do");
    expect(d!.doBlock).toMatchObject({ loops: 1, commits: 1, batched: true });
    expect(d!.doBlock!.statements.map((s) => s.kind)).toEqual(["update"]);
  });

  it("serial, identity and generated columns", () => {
    const [t] = summaries("CREATE TABLE t (id bigserial PRIMARY KEY, n int GENERATED ALWAYS AS IDENTITY, g int GENERATED ALWAYS AS (n * 2) STORED, v varchar(20)[])");
    expect(t!.columns.map((c) => [c.name, c.type.text, c.type.serial ?? false, c.identity, c.generated, c.primaryKey])).toEqual([
      ["id", "int8", true, undefined, undefined, true],
      ["n", "int4", false, "always", undefined, false],
      ["g", "int4", false, undefined, "stored", false],
      ["v", "varchar(20)[]", false, undefined, undefined, false],
    ]);
  });
});
