import { afterAll, describe, expect, it } from "vitest";
import { copySchema, createShadow } from "../../src/db/shadow.js";
import { catalogState, diffCatalog } from "../../src/plan/catalog-diff.js";
import { adminUrl, createTestDatabase } from "../helpers/db.js";

process.env.LOCKSTEP_SHADOW_ADMIN_URL = adminUrl();
const db = await createTestDatabase("catdiff");
const shadows: Array<{ drop(): Promise<void> }> = [];
afterAll(async () => {
  for (const s of shadows) await s.drop();
});

describe("catalogState (what rollback verification compares)", () => {
  it("sees the objects beside tables, and a schema copy has the same state as its source", async () => {
    await db.client.query(`
      CREATE EXTENSION IF NOT EXISTS postgres_fdw;
      CREATE TABLE t (a int, b int, c text);
      CREATE FUNCTION add2(int, int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT $1 + $2';
      CREATE FUNCTION noop() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN END $$;`);
    const before = await catalogState(db.client);
    await db.client.query(`
      CREATE COLLATION ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
      CREATE AGGREGATE sum2(int) (SFUNC = add2, STYPE = int, INITCOND = '0');
      CREATE OPERATOR ~~~ (FUNCTION = add2, LEFTARG = int, RIGHTARG = int);
      CREATE CAST (t AS text) WITH INOUT;
      CREATE RULE t_log AS ON DELETE TO t DO ALSO NOTIFY t_changed;
      CREATE STATISTICS t_ab ON a, b FROM t;
      CREATE PUBLICATION t_pub FOR TABLE t;
      CREATE EVENT TRIGGER t_ddl ON ddl_command_end EXECUTE FUNCTION noop();
      CREATE SERVER elsewhere FOREIGN DATA WRAPPER postgres_fdw;
      CREATE TEXT SEARCH CONFIGURATION t_ts (PARSER = default);`);
    const after = await catalogState(db.client);
    expect(diffCatalog(before, after).map((c) => `${c.change} ${c.object}`)).toEqual([
      "added aggregate public.sum2(integer)",
      "added cast (public.t AS text)",
      "added collation public.ci",
      "added event-trigger t_ddl",
      "added operator public.~~~(integer,integer)",
      "added publication t_pub",
      "added rule public.t.t_log",
      "added server elsewhere",
      "added statistics public.t_ab",
      "added text-search public.t_ts",
    ]);
    const shadow = await createShadow();
    shadows.push(shadow);
    await copySchema(db.client, shadow.client);
    expect(diffCatalog(after, await catalogState(shadow.client))).toEqual([]);
  });
});
