import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SchemaSnapshot } from "../../src/analyze/types.js";
import { readCatalog } from "../../src/db/connection.js";
import { introspect } from "../../src/db/introspect.js";
import { copySchema, createShadow, schemaFromSchemaFile, shadowFrom, spareShadows, type Shadow, type SpareShadows } from "../../src/db/shadow.js";
import { adminUrl, createTestDatabase } from "../helpers/db.js";
import { loadFixtureSchema } from "../helpers/fixture.js";
import { createReadOnlyLogin } from "../helpers/readonly-login.js";

process.env.LOCKSTEP_SHADOW_ADMIN_URL = adminUrl();
const source = await createTestDatabase("shadowsrc");
const tmp = mkdtempSync(path.join(os.tmpdir(), "lockstep-shadow-test-"));

/** The snapshot without what data and traffic decide (a schema copy has neither). */
function schemaOnly(s: SchemaSnapshot) {
  return JSON.parse(JSON.stringify({ ...s, source: undefined }, (k, v) => (["rows", "bytes", "stats"].includes(k) ? undefined : v)));
}

/** Objects the snapshot does not carry but a faithful copy must: triggers, policies, functions, sequences, RLS. */
async function extras(client: pg.ClientBase) {
  const q = async (sql: string) => (await client.query(sql)).rows;
  return {
    triggers: await q("SELECT tgrelid::regclass::text AS rel, pg_get_triggerdef(oid) AS def, tgenabled FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1, 2"),
    policies: await q("SELECT schemaname, tablename, policyname, permissive, roles::text[], cmd, qual, with_check FROM pg_policies ORDER BY 1, 2, 3"),
    rls: await q("SELECT oid::regclass::text AS rel, relforcerowsecurity FROM pg_class WHERE relrowsecurity ORDER BY 1"),
    functions: await q(`SELECT pg_get_functiondef(p.oid) AS def FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND p.prokind = 'f'
        AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e') ORDER BY 1`),
    sequences: await q("SELECT seqrelid::regclass::text AS seq, seqtypid, seqstart, seqincrement, seqmax, seqmin, seqcache, seqcycle FROM pg_sequence ORDER BY 1"),
    owned: await q(`SELECT d.objid::regclass::text AS seq, d.refobjid::regclass::text AS rel, a.attname, d.deptype FROM pg_depend d
      JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
      WHERE d.classid = 'pg_class'::regclass AND d.deptype IN ('a', 'i') AND d.objid IN (SELECT seqrelid FROM pg_sequence) ORDER BY 1`),
    extensions: await q("SELECT extname FROM pg_extension ORDER BY 1"),
  };
}

beforeAll(async () => {
  await loadFixtureSchema(source.client);
});

describe("reading a catalog", () => {
  it("sees it in one snapshot: a schema created while it reads is not half there", async () => {
    const seen = await readCatalog(source.url, "lockstep-test", async (client) => {
      const before = (await client.query("SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = 'made_meanwhile'")).rows[0].n;
      await source.client.query("CREATE SCHEMA made_meanwhile; CREATE TABLE made_meanwhile.t (id int)");
      const tables = (await client.query("SELECT count(*)::int AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'made_meanwhile'")).rows[0].n;
      return { before, tables };
    }).catch((e: Error) => e.message);
    await source.client.query("DROP SCHEMA made_meanwhile CASCADE");
    expect(seen).toEqual({ before: 0, tables: 0 });
  });
});

describe("copySchema", () => {
  let copy: Shadow;
  beforeAll(async () => {
    copy = await createShadow();
    await copySchema(source.client, copy.client);
  });
  afterAll(async () => copy?.drop());

  it("recreates every relation, column, constraint, index, partition, view and type", async () => {
    const before = schemaOnly(await introspect(source.client));
    const after = schemaOnly(await introspect(copy.client));
    expect(Object.keys(before.relations).length).toBeGreaterThan(40);
    expect(after).toEqual(before);
  });

  it("recreates triggers, policies, row level security, functions, sequences and extensions", async () => {
    expect(await extras(copy.client)).toEqual(await extras(source.client));
  });

  it("copies the schema, not the data", async () => {
    const { rows } = await copy.client.query("SELECT count(*)::int AS n FROM users");
    expect(rows[0].n).toBe(0);
  });

  it("copies views that depend on views and a schema changed after creation", async () => {
    const src = await createTestDatabase("shadowsrc2");
    await src.client.query(`
      CREATE TABLE t (a int, b text, c int);
      CREATE VIEW v1 AS SELECT a, b FROM t;
      CREATE VIEW v0 AS SELECT a FROM v1 WHERE a > 0;
      ALTER TABLE t DROP COLUMN c;
      ALTER TABLE t RENAME COLUMN b TO bb;
      ALTER TABLE t ALTER COLUMN a SET NOT NULL;
      CREATE UNIQUE INDEX t_a ON t (a);
      ALTER TABLE t ADD CONSTRAINT t_a_key UNIQUE USING INDEX t_a;
      ALTER TABLE t ADD COLUMN d int GENERATED BY DEFAULT AS IDENTITY (START WITH 7 INCREMENT BY 3);`);
    const shadow = await createShadow();
    try {
      await copySchema(src.client, shadow.client);
      expect(schemaOnly(await introspect(shadow.client))).toEqual(schemaOnly(await introspect(src.client)));
      expect(await extras(shadow.client)).toEqual(await extras(src.client));
    } finally {
      await shadow.drop();
    }
  });
});

/** Roles are the server's: created once, never dropped (other test files' databases may hold grants to them). */
const ROLES = ["lockstep_test_reader", "lockstep_test_writer"];

/** Every kind of object beside tables that pg_dump emits and a shadow can hold. */
const BESIDE_TABLES = `
CREATE EXTENSION IF NOT EXISTS postgres_fdw;
CREATE SCHEMA app;
CREATE COLLATION ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
CREATE COLLATION app.plain (provider = libc, lc_collate = 'C', lc_ctype = 'C');
CREATE TYPE mood AS ENUM ('low', 'high');
CREATE DOMAIN posint AS int CONSTRAINT posint_positive CHECK (VALUE > 0);
CREATE TABLE people (id int PRIMARY KEY, name text COLLATE ci, nick text COLLATE app.plain, bio text, mood mood);
CREATE VIEW people_names AS SELECT id, name FROM people;
CREATE TABLE people_log (at timestamptz DEFAULT now(), id int);
CREATE FUNCTION add_state(int, int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT $1 + $2';
CREATE AGGREGATE total(int) (SFUNC = add_state, STYPE = int, INITCOND = '0', PARALLEL = SAFE);
CREATE FUNCTION mood_rank(mood) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT CASE $1 WHEN ''low'' THEN 1 ELSE 2 END';
CREATE CAST (mood AS int) WITH FUNCTION mood_rank(mood) AS ASSIGNMENT;
CREATE OPERATOR === (FUNCTION = int4eq, LEFTARG = int, RIGHTARG = int, COMMUTATOR = ===);
CREATE FUNCTION rev_cmp(int, int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT btint4cmp($2, $1)';
CREATE OPERATOR CLASS int_rev_ops FOR TYPE int USING btree AS OPERATOR 1 >, OPERATOR 2 >=, OPERATOR 3 =, OPERATOR 4 <=, OPERATOR 5 <, FUNCTION 1 rev_cmp(int, int);
CREATE INDEX people_id_rev ON people (id int_rev_ops);
CREATE TEXT SEARCH DICTIONARY app.simple_en (TEMPLATE = pg_catalog.simple, STOPWORDS = english);
CREATE TEXT SEARCH CONFIGURATION app.people_ts (PARSER = default);
ALTER TEXT SEARCH CONFIGURATION app.people_ts ADD MAPPING FOR asciiword, word WITH app.simple_en, simple;
CREATE SERVER remote FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host 'remote.invalid', dbname 'people');
CREATE USER MAPPING FOR lockstep_test_reader SERVER remote OPTIONS (user 'reader', password 'not-copied');
CREATE FOREIGN TABLE remote_people (id int OPTIONS (column_name 'person_id') NOT NULL, name text) SERVER remote OPTIONS (schema_name 'public', table_name 'people');
CREATE RULE people_deleted AS ON DELETE TO people DO ALSO INSERT INTO people_log (id) VALUES (OLD.id);
CREATE RULE people_updated AS ON UPDATE TO people DO ALSO INSERT INTO people_log (id) VALUES (NEW.id);
ALTER TABLE people ENABLE ALWAYS RULE people_updated;
CREATE STATISTICS app.people_stats (dependencies) ON id, name FROM people;
ALTER STATISTICS app.people_stats SET STATISTICS 500;
CREATE PUBLICATION people_pub FOR TABLE people (id, name) WHERE (id > 0) WITH (publish = 'insert, update');
CREATE PUBLICATION app_pub FOR TABLES IN SCHEMA app, TABLE people_log WITH (publish_via_partition_root = true);
ALTER TABLE people REPLICA IDENTITY FULL;
ALTER TABLE people CLUSTER ON people_pkey;
ALTER TABLE people ALTER COLUMN bio SET STORAGE EXTERNAL, ALTER COLUMN nick SET STATISTICS 300, ALTER COLUMN bio SET COMPRESSION pglz, ALTER COLUMN name SET (n_distinct = 100);
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER people_touch BEFORE UPDATE ON people FOR EACH ROW EXECUTE FUNCTION touch();
ALTER TABLE people ENABLE REPLICA TRIGGER people_touch;
GRANT SELECT ON people, people_names TO lockstep_test_reader;
GRANT UPDATE (nick) ON people TO lockstep_test_writer WITH GRANT OPTION;
GRANT USAGE ON SCHEMA app TO lockstep_test_reader;
REVOKE EXECUTE ON FUNCTION add_state(int, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION add_state(int, int) TO lockstep_test_writer;
REVOKE USAGE ON TYPE mood FROM PUBLIC;
GRANT USAGE ON TYPE mood TO lockstep_test_writer;
GRANT USAGE ON FOREIGN SERVER remote TO lockstep_test_reader;
ALTER DEFAULT PRIVILEGES IN SCHEMA app GRANT SELECT ON TABLES TO lockstep_test_reader;
ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
COMMENT ON SCHEMA app IS 'application';
COMMENT ON TABLE people IS 'people we know';
COMMENT ON COLUMN people.name IS 'as they like it';
COMMENT ON COLUMN people_names.name IS 'through the view';
COMMENT ON CONSTRAINT people_pkey ON people IS 'one per person';
COMMENT ON CONSTRAINT posint_positive ON DOMAIN posint IS 'no zero';
COMMENT ON INDEX people_id_rev IS 'newest first';
COMMENT ON FUNCTION add_state(int, int) IS 'adds';
COMMENT ON AGGREGATE total(int) IS 'sums';
COMMENT ON TYPE mood IS 'feelings';
COMMENT ON DOMAIN posint IS 'positive';
COMMENT ON OPERATOR === (int, int) IS 'equal';
COMMENT ON CAST (mood AS int) IS 'rank';
COMMENT ON COLLATION ci IS 'case-insensitive';
COMMENT ON TEXT SEARCH CONFIGURATION app.people_ts IS 'names';
COMMENT ON SERVER remote IS 'elsewhere';
COMMENT ON FOREIGN TABLE remote_people IS 'their people';
COMMENT ON RULE people_deleted ON people IS 'logged';
COMMENT ON TRIGGER people_touch ON people IS 'touched';
COMMENT ON STATISTICS app.people_stats IS 'correlated';
COMMENT ON PUBLICATION people_pub IS 'out';
CREATE FUNCTION log_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN END $$;
CREATE EVENT TRIGGER ddl_log ON ddl_command_end WHEN TAG IN ('CREATE TABLE', 'ALTER TABLE') EXECUTE FUNCTION log_ddl();
ALTER EVENT TRIGGER ddl_log ENABLE ALWAYS;
COMMENT ON EVENT TRIGGER ddl_log IS 'watching';
`;

/** The objects beside tables, as comparable facts (owners and grantors left out: a shadow's objects are its superuser's). */
async function besideTables(client: pg.ClientBase) {
  const q = async (sql: string) => (await client.query(sql)).rows;
  const user = "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'";
  return {
    collations: await q(`SELECT c.collname, c.collprovider, c.collisdeterministic, c.collcollate, c.collctype, c.colllocale FROM pg_collation c JOIN pg_namespace n ON n.oid = c.collnamespace WHERE ${user} ORDER BY 1`),
    aggregates: await q(`SELECT a.aggfnoid::regprocedure::text AS agg, a.aggtransfn::text, a.aggtranstype::regtype::text, a.agginitval, p.proparallel FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid JOIN pg_namespace n ON n.oid = p.pronamespace WHERE ${user} ORDER BY 1`),
    operators: await q(`SELECT o.oid::regoperator::text AS op, o.oprcode::text, o.oprcom::regoperator::text AS com FROM pg_operator o JOIN pg_namespace n ON n.oid = o.oprnamespace WHERE ${user} ORDER BY 1`),
    opclasses: await q(`SELECT c.opcname, c.opcdefault, c.opcintype::regtype::text AS type,
        ARRAY(SELECT o.amopstrategy || ' ' || o.amopopr::regoperator::text FROM pg_amop o WHERE o.amopfamily = c.opcfamily ORDER BY 1) AS ops,
        ARRAY(SELECT p.amprocnum || ' ' || p.amproc::regprocedure::text FROM pg_amproc p WHERE p.amprocfamily = c.opcfamily ORDER BY 1) AS procs
      FROM pg_opclass c JOIN pg_namespace n ON n.oid = c.opcnamespace WHERE ${user} ORDER BY 1`),
    casts: await q(`SELECT castsource::regtype::text AS source, casttarget::regtype::text AS target, castfunc::regprocedure::text AS fn, castcontext, castmethod FROM pg_cast WHERE oid >= 16384 ORDER BY 1, 2`),
    textSearch: await q(`SELECT d.dictname AS name, d.dicttemplate::regproc::text AS what, d.dictinitoption AS detail FROM pg_ts_dict d JOIN pg_namespace n ON n.oid = d.dictnamespace WHERE ${user}
      UNION ALL SELECT c.cfgname, c.cfgparser::text, (SELECT string_agg(m.maptokentype || ':' || m.mapseqno || ':' || m.mapdict::regdictionary::text, ',' ORDER BY 1) FROM pg_ts_config_map m WHERE m.mapcfg = c.oid)
      FROM pg_ts_config c JOIN pg_namespace n ON n.oid = c.cfgnamespace WHERE ${user} ORDER BY 1`),
    servers: await q(`SELECT s.srvname, w.fdwname, s.srvoptions FROM pg_foreign_server s JOIN pg_foreign_data_wrapper w ON w.oid = s.srvfdw ORDER BY 1`),
    userMappings: await q(`SELECT srvname, usename FROM pg_user_mappings ORDER BY 1, 2`),
    foreignTables: await q(`SELECT ft.ftrelid::regclass::text AS rel, s.srvname, ft.ftoptions, ARRAY(SELECT a.attname || ' ' || coalesce(array_to_string(a.attfdwoptions, ','), '') FROM pg_attribute a WHERE a.attrelid = ft.ftrelid AND a.attnum > 0 ORDER BY a.attnum) AS columns
      FROM pg_foreign_table ft JOIN pg_foreign_server s ON s.oid = ft.ftserver ORDER BY 1`),
    rules: await q(`SELECT pg_get_ruledef(oid) AS def, ev_enabled FROM pg_rewrite WHERE rulename <> '_RETURN' AND ev_class >= 16384 ORDER BY 1`),
    statistics: await q(`SELECT pg_get_statisticsobjdef(oid) AS def, stxstattarget FROM pg_statistic_ext ORDER BY 1`),
    publications: await q(`SELECT p.pubname, p.puballtables, p.pubinsert, p.pubupdate, p.pubdelete, p.pubtruncate, p.pubviaroot,
        ARRAY(SELECT r.prrelid::regclass::text || ' ' || coalesce(r.prattrs::text, '') || ' ' || coalesce(pg_get_expr(r.prqual, r.prrelid), '') FROM pg_publication_rel r WHERE r.prpubid = p.oid ORDER BY 1) AS tables,
        ARRAY(SELECT pn.pnnspid::regnamespace::text FROM pg_publication_namespace pn WHERE pn.pnpubid = p.oid ORDER BY 1) AS schemas
      FROM pg_publication p ORDER BY 1`),
    tableSettings: await q(`SELECT c.oid::regclass::text AS rel, c.relreplident::text, (SELECT x.indexrelid::regclass::text FROM pg_index x WHERE x.indrelid = c.oid AND x.indisclustered) AS clustered,
        ARRAY(SELECT concat_ws(' ', a.attname, a.attstattarget, a.attstorage::text, a.attcompression::text, array_to_string(a.attoptions, ',')) FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum) AS columns
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p', 'f') AND ${user} ORDER BY 1`),
    grants: await q(`SELECT o.object, pg_get_userbyid(a.grantee) AS grantee, a.privilege_type, a.is_grantable FROM (
        SELECT c.oid::regclass::text AS object, c.relacl AS acl, c.relowner AS owner FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE ${user}
        UNION ALL SELECT c.oid::regclass::text || '.' || at.attname, at.attacl, c.relowner FROM pg_attribute at JOIN pg_class c ON c.oid = at.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE at.attacl IS NOT NULL AND ${user}
        UNION ALL SELECT n.nspname, n.nspacl, n.nspowner FROM pg_namespace n WHERE ${user}
        UNION ALL SELECT p.oid::regprocedure::text, p.proacl, p.proowner FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE ${user}
        UNION ALL SELECT t.oid::regtype::text, t.typacl, t.typowner FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE ${user}
        UNION ALL SELECT s.srvname, s.srvacl, s.srvowner FROM pg_foreign_server s) o CROSS JOIN LATERAL aclexplode(o.acl) a
      WHERE a.grantee <> o.owner ORDER BY 1, 2, 3`),
    defaultPrivileges: await q(`SELECT pg_get_userbyid(d.defaclrole) AS role, d.defaclnamespace::regnamespace::text AS schema, d.defaclobjtype,
        ARRAY(SELECT pg_get_userbyid(a.grantee) || ' ' || a.privilege_type FROM aclexplode(d.defaclacl) a ORDER BY 1) AS acl
      FROM pg_default_acl d ORDER BY 1, 2, 3`),
    comments: await q(`SELECT o.type, o.identity, d.description FROM pg_description d CROSS JOIN LATERAL pg_identify_object(d.classoid, d.objoid, d.objsubid) o
      WHERE d.objoid >= 16384 AND d.classoid <> 'pg_extension'::regclass AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = d.classoid AND e.objid = d.objoid AND e.deptype = 'e') ORDER BY 1, 2`),
    eventTriggers: await q(`SELECT evtname, evtevent, evtfoid::regproc::text AS fn, evttags, evtenabled FROM pg_event_trigger ORDER BY 1`),
  };
}

describe("copySchema: the objects beside tables", () => {
  const from = createTestDatabase("besides");
  let src: Awaited<typeof from>;
  let copy: Shadow;
  let report: Awaited<ReturnType<typeof copySchema>>;
  beforeAll(async () => {
    src = await from;
    for (const r of ROLES) await src.client.query(`DO $$BEGIN CREATE ROLE ${r} NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END$$`);
    await src.client.query(BESIDE_TABLES);
    copy = await createShadow();
    report = await copySchema(src.client, copy.client);
  });
  afterAll(async () => copy?.drop());

  it("recreates collations, aggregates, operators and their classes, casts, text search, foreign servers and tables, rules, statistics, publications, table settings, grants, default privileges, comments and event triggers", async () => {
    const before = await besideTables(src.client);
    for (const [kind, facts] of Object.entries(before)) expect(facts.length, kind).toBeGreaterThan(0);
    expect(before.comments.length).toBeGreaterThanOrEqual(20);
    expect(await besideTables(copy.client)).toEqual(before);
    expect(schemaOnly(await introspect(copy.client))).toEqual(schemaOnly(await introspect(src.client)));
  });

  it("says what it left out: user mapping options, which hold credentials", async () => {
    expect(report.skipped).toEqual(["user mapping options: they hold credentials (1)"]);
  });

  it("copies them through a read-only login too", async () => {
    const login = await createReadOnlyLogin(src.client, src.name);
    try {
      const shadow = await shadowFrom({ url: login.url });
      try {
        expect(await besideTables(shadow.client)).toEqual(await besideTables(src.client));
      } finally {
        await shadow.drop();
      }
    } finally {
      await login.drop();
    }
  });
});

describe("shadowFrom", () => {
  it("copies a live database given by URL and drops the shadow afterwards", async () => {
    const shadow = await shadowFrom({ url: source.url });
    const name = shadow.name;
    expect(schemaOnly(await introspect(shadow.client))).toEqual(schemaOnly(await introspect(source.client)));
    await shadow.drop();
    const { rows } = await source.client.query("SELECT count(*)::int AS n FROM pg_database WHERE datname = $1", [name]);
    expect(rows[0].n).toBe(0);
  });

  it("copies through a read-only login", async () => {
    const login = await createReadOnlyLogin(source.client, source.name);
    try {
      const shadow = await shadowFrom({ url: login.url });
      try {
        expect(schemaOnly(await introspect(shadow.client))).toEqual(schemaOnly(await introspect(source.client)));
        expect(await extras(shadow.client)).toEqual(await extras(source.client));
      } finally {
        await shadow.drop();
      }
    } finally {
      await login.drop();
    }
  });

  it("reports an unreachable source without its password", async () => {
    const bad = new URL(source.url);
    bad.port = "1";
    bad.password = "s3cret-pw";
    await expect(shadowFrom({ url: bad.toString() })).rejects.toThrow(/cannot connect to postgres:\/\/postgres:\*\*\*@/);
    await expect(shadowFrom({ url: bad.toString() })).rejects.not.toThrow(/s3cret-pw/);
  });
});

describe("schemaFromSchemaFile", () => {
  it("replays a pg_dump --schema-only file, skipping psql meta-commands and missing roles", async () => {
    const file = path.join(tmp, "dump.sql");
    writeFileSync(
      file,
      [
        "--",
        "-- PostgreSQL database dump",
        "--",
        "\\restrict Xy12abc",
        "SET statement_timeout = 0;",
        "SET check_function_bodies = false;",
        "SELECT pg_catalog.set_config('search_path', '', false);",
        "CREATE TABLE public.widgets (id integer NOT NULL, name text, price numeric(8,2) DEFAULT 0);",
        "ALTER TABLE public.widgets OWNER TO some_app_owner;",
        "CREATE FUNCTION public.f() RETURNS text LANGUAGE sql AS $$",
        "\\this is not a meta-command: it is inside the body",
        "SELECT 'x'::text $$;",
        "ALTER TABLE ONLY public.widgets ADD CONSTRAINT widgets_pkey PRIMARY KEY (id);",
        "GRANT SELECT ON TABLE public.widgets TO reporting_nobody;",
        "\\connect other",
        "\\unrestrict Xy12abc",
        "",
      ].join("\n"),
    );
    const schema = await schemaFromSchemaFile(file);
    expect(schema.source).toBe("replay");
    expect(schema.relations["public.widgets"]!.columns.map((c) => [c.name, c.type, c.notNull])).toEqual([
      ["id", "integer", true],
      ["name", "text", false],
      ["price", "numeric(8,2)", false],
    ]);
    expect(schema.relations["public.widgets"]!.constraints.find((c) => c.type === "p")!.name).toBe("widgets_pkey");
    expect(schema.assumptions.join("\n")).toMatch(/dump\.sql:14: skipped .*reporting_nobody/);
  });

  it("replays a directory of earlier migrations in order, without the down files", async () => {
    const dir = mkdtempSync(path.join(tmp, "migrations-"));
    writeFileSync(path.join(dir, "2_add_email.up.sql"), "ALTER TABLE people ADD COLUMN email text;");
    writeFileSync(path.join(dir, "2_add_email.down.sql"), "ALTER TABLE people DROP COLUMN email;");
    writeFileSync(path.join(dir, "10_index.up.sql"), "CREATE INDEX CONCURRENTLY people_email ON people (email);");
    writeFileSync(path.join(dir, "1_people.up.sql"), "BEGIN;\nCREATE TABLE people (id int);\nCOMMIT;");
    const schema = await schemaFromSchemaFile(dir);
    expect(schema.relations["public.people"]!.columns.map((c) => c.name)).toEqual(["id", "email"]);
    expect(schema.relations["public.people"]!.indexes.map((i) => i.name)).toEqual(["people_email"]);
  });

  it("reports an SQL error with the file, line and column", async () => {
    const file = path.join(tmp, "broken.sql");
    writeFileSync(file, "\\restrict abc\nCREATE TABLE a (id int);\n\n  CREATE VIEW v AS SELECT id, missing_col FROM a;\n");
    await expect(schemaFromSchemaFile(file)).rejects.toThrow(`${file}:4:31: column "missing_col" does not exist`);
  });

  it("reports a syntax error with the file, line and column", async () => {
    const file = path.join(tmp, "syntax.sql");
    writeFileSync(file, "CREATE TABLE a (id int);\nCREATE TABEL b (id int);\n");
    await expect(schemaFromSchemaFile(file)).rejects.toThrow(`${file}:2:8: syntax error at or near "TABEL"`);
  });

  it("names a missing file", async () => {
    await expect(schemaFromSchemaFile(path.join(tmp, "nope.sql"))).rejects.toThrow(/nope\.sql does not exist/);
  });
});

describe("spareShadows", () => {
  const exists = async (name: string) => (await source.client.query("SELECT count(*)::int AS n FROM pg_database WHERE datname = $1", [name])).rows[0].n === 1;
  /** poll until `size` spares are ready (they are made in the background) */
  const readySpares = async (spares: SpareShadows, size: number) => {
    const deadline = Date.now() + 20_000;
    while (spares.ready().length < size) {
      if (Date.now() > deadline) throw new Error("the spare shadow databases did not become ready");
      await new Promise((r) => setTimeout(r, 20));
    }
    return [...spares.ready()];
  };

  it("hands out empty databases made ahead, replaces those taken, and drops the rest on close", async () => {
    const spares = spareShadows(adminUrl(), 2);
    const [first, second] = await readySpares(spares, 2);
    for (const name of [first!, second!]) expect(await exists(name)).toBe(true);
    expect(spares.take()).toBe(first);
    const shadow = await shadowFrom({ url: source.url, database: first });
    expect(shadow.name).toBe(first);
    expect(schemaOnly(await introspect(shadow.client))).toEqual(schemaOnly(await introspect(source.client)));
    await shadow.drop();
    expect(await exists(first!)).toBe(false);
    const refilled = await readySpares(spares, 2);
    expect(refilled[0]).toBe(second);
    expect(refilled[1]).not.toBe(first);
    await spares.close();
    for (const name of refilled) expect(await exists(name)).toBe(false);
    expect(spares.take()).toBeUndefined();
  });
});
