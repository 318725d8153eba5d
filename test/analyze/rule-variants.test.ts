import { describe, expect, it } from "vitest";
import type { SchemaSnapshot } from "../../src/analyze/types.js";
import { checkSql, rulesFired } from "../helpers/check-sql.js";

describe("rules on statement variants: domains, foreign tables, inline constraints", () => {
  it("ALTER DOMAIN ... SET NOT NULL checks every column of the type; DROP NOT NULL lets NULLs into all of them", async () => {
    expect(rulesFired(await checkSql("ALTER DOMAIN d SET NOT NULL;"), "adding-not-nullable-field")).toEqual(["adding-not-nullable-field"]);
    expect(rulesFired(await checkSql("CREATE DOMAIN d AS int;\nALTER DOMAIN d SET NOT NULL;"), "adding-not-nullable-field")).toEqual([]);
    expect(rulesFired(await checkSql("ALTER DOMAIN d DROP NOT NULL;"), "ban-drop-not-null")).toEqual(["ban-drop-not-null"]);
  });

  it("a foreign table's NOT NULL is not checked against its data: no scan to report; dropping one breaks code but loses no data", async () => {
    expect(rulesFired(await checkSql("ALTER FOREIGN TABLE ft ALTER COLUMN c SET NOT NULL;"), "adding-not-nullable-field")).toEqual([]);
    const drop = (await checkSql("DROP FOREIGN TABLE IF EXISTS ft;")).statements[0]!.findings.find((f) => f.rule === "ban-drop-table")!;
    expect(drop.message).toContain("the data stays on the foreign server");
  });

  it("a new column's inline CHECK is checked against every row under ACCESS EXCLUSIVE; its REFERENCES is not", async () => {
    const check = (await checkSql("ALTER TABLE workers ADD COLUMN active_tasks integer DEFAULT 0 CHECK (active_tasks >= 0);")).statements[0]!.findings.find((f) => f.rule === "constraint-missing-not-valid")!;
    expect(check.message).toContain("is checked against every row of public.workers");
    expect(check.fix).toContain("ADD CONSTRAINT workers_active_tasks_check CHECK (active_tasks >= 0) NOT VALID");
    expect(rulesFired(await checkSql("ALTER TABLE emails ADD COLUMN user_id int REFERENCES users (id);"), "constraint-missing-not-valid")).toEqual([]);
  });
});

describe("SET NOT NULL after a NOT NULL helper constraint added by an earlier migration", () => {
  const helper = (name: string) => `ALTER TABLE foo VALIDATE CONSTRAINT ${name};\nALTER TABLE foo ALTER COLUMN bar SET NOT NULL;\nALTER TABLE foo DROP CONSTRAINT ${name};`;

  it("without the catalog, <table>_<column>_not_null or <column>_not_null validated, then dropped, is taken as the helper, and said so", async () => {
    for (const name of ["foo_bar_not_null", "bar_not_null"]) {
      const file = await checkSql(helper(name));
      expect(rulesFired(file, "adding-not-nullable-field"), name).toEqual([]);
      expect(file.assumptions).toContain(`public.foo: constraint ${name} (validated, then dropped after SET NOT NULL) assumed to be CHECK (bar IS NOT NULL)`);
    }
  });

  it("another name, no DROP after, or another column's name: still reported", async () => {
    expect(rulesFired(await checkSql(helper("some_other_check")), "adding-not-nullable-field")).toEqual(["adding-not-nullable-field"]);
    expect(rulesFired(await checkSql("ALTER TABLE foo VALIDATE CONSTRAINT bar_not_null;\nALTER TABLE foo ALTER COLUMN bar SET NOT NULL;"), "adding-not-nullable-field")).toEqual(["adding-not-nullable-field"]);
    expect(rulesFired(await checkSql("ALTER TABLE foo VALIDATE CONSTRAINT bar_not_null;\nALTER TABLE foo ALTER COLUMN baz SET NOT NULL;\nALTER TABLE foo DROP CONSTRAINT bar_not_null;"), "adding-not-nullable-field")).toEqual(["adding-not-nullable-field"]);
  });

  it("with the catalog, the constraint's real definition decides", async () => {
    const schema = (definition: string): SchemaSnapshot => ({
      source: "catalog",
      serverVersion: 180000,
      types: {},
      assumptions: [],
      relations: {
        "public.foo": {
          schema: "public",
          kind: "table",
          columns: [{ name: "bar", type: "text", typeName: "pg_catalog.text", typmod: -1, notNull: false }],
          constraints: [{ name: "bar_not_null", type: "c", columns: ["bar"], validated: false, definition }],
          indexes: [],
        },
      },
    });
    expect(rulesFired(await checkSql(helper("bar_not_null"), { schema: schema("CHECK ((bar IS NOT NULL))") }), "adding-not-nullable-field")).toEqual([]);
    expect(rulesFired(await checkSql(helper("bar_not_null"), { schema: schema("CHECK ((bar <> ''::text))") }), "adding-not-nullable-field")).toEqual(["adding-not-nullable-field"]);
  });
});
