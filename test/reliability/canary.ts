import type pg from "pg";

/**
 * A canary on a database Lockstep must only read: a table with rows, a trigger and an event
 * trigger that count (on a sequence, which no rollback undoes) every write and every DDL, and
 * pg_stat_statements to list what ran. Its fingerprint changes if anything was written.
 */
export async function installCanary(client: pg.Client): Promise<void> {
  await client.query(`
    CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
    CREATE SEQUENCE canary_writes;
    CREATE TABLE users (id bigint PRIMARY KEY, email text);
    INSERT INTO users SELECT g, 'u' || g || '@example.com' FROM generate_series(1, 50) g;
    CREATE FUNCTION canary_count() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM nextval('canary_writes'); RETURN NULL; END $$;
    CREATE TRIGGER canary_rows AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON users FOR EACH STATEMENT EXECUTE FUNCTION canary_count();
    CREATE FUNCTION canary_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM nextval('canary_writes'); END $$;
    CREATE EVENT TRIGGER canary_ddl ON ddl_command_start EXECUTE FUNCTION canary_ddl();
    ANALYZE users;
  `);
  await client.query("SELECT pg_stat_statements_reset(0, (SELECT oid FROM pg_database WHERE datname = current_database()), 0)");
}

/** What would change if anything but reads ran on the canary database. */
export async function canaryFingerprint(client: pg.Client) {
  const writes = (await client.query<{ n: string }>("SELECT last_value::text || ':' || is_called::text AS n FROM canary_writes")).rows[0]!.n;
  const rows = (await client.query<{ h: string }>("SELECT count(*)::text || ':' || md5(string_agg(id::text || email, ',' ORDER BY id)) AS h FROM users")).rows[0]!.h;
  const catalog = (
    await client.query<{ h: string }>(
      "SELECT md5(string_agg(c.relname || ':' || c.relkind::text || ':' || a.attname || ':' || a.atttypid::text, ',' ORDER BY c.relname, a.attnum)) AS h FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND a.attnum > 0",
    )
  ).rows[0]!.h;
  // anything but reads that completed on this database (pg_stat_statements lists each kind once)
  const writesRun = (
    await client.query<{ query: string }>(
      `SELECT query FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
         AND query !~* '^\\s*(select|with|show|set|reset|begin|start|commit|rollback|savepoint|release|explain|discard|deallocate|close|fetch|declare|prepare|execute)\\M'
         AND query !~* 'pg_stat_statements_reset|canary_writes'`,
    )
  ).rows.map((r) => r.query);
  return { writes, rows, catalog, writesRun };
}
