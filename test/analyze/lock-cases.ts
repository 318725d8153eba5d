/**
 * Statements whose predicted locks and rewrites are compared with what Postgres 18 really does
 * (pg_locks and relfilenode inside a rolled-back transaction). `setup` is committed first.
 */
export interface LockCase {
  name: string;
  setup?: string;
  sql: string;
}

const BASE = `
CREATE TABLE orgs (id bigint PRIMARY KEY, name text);
CREATE TABLE users (id bigint PRIMARY KEY, org_id bigint REFERENCES orgs(id), email varchar(50), username text, age int, created timestamp, note char(5), price numeric(10,2), data json);
CREATE INDEX users_email_idx ON users (email);
CREATE TABLE events (id bigint, at date NOT NULL, payload text) PARTITION BY RANGE (at);
CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE events_new (id bigint, at date NOT NULL, payload text);
CREATE VIEW active_users AS SELECT id FROM users WHERE id > 0;
CREATE VIEW org_users AS SELECT u.id, o.name FROM active_users u JOIN orgs o ON true;
CREATE MATERIALIZED VIEW user_counts AS SELECT count(*) AS n FROM users;
CREATE TYPE mood AS ENUM ('happy', 'sad');
CREATE DOMAIN posint AS int CHECK (VALUE > 0);
CREATE TABLE scores (id bigint, score posint, m mood);
CREATE TABLE plain (a int, b text);
`;

export const LOCK_CASES: LockCase[] = [
  // ADD COLUMN
  { name: "add nullable column", sql: "ALTER TABLE users ADD COLUMN avatar_url text" },
  { name: "add column constant default", sql: "ALTER TABLE users ADD COLUMN is_active boolean NOT NULL DEFAULT true" },
  { name: "add column stable default now()", sql: "ALTER TABLE users ADD COLUMN seen timestamptz DEFAULT now()" },
  { name: "add column volatile default", sql: "ALTER TABLE users ADD COLUMN token float8 DEFAULT random()" },
  { name: "add column NOT NULL no default", sql: "ALTER TABLE plain ADD COLUMN c text NOT NULL" },
  { name: "add bigserial column", sql: "ALTER TABLE plain ADD COLUMN id bigserial" },
  { name: "add identity column", sql: "ALTER TABLE plain ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY" },
  { name: "add stored generated column", sql: "ALTER TABLE plain ADD COLUMN a2 int GENERATED ALWAYS AS (a * 2) STORED" },
  { name: "add virtual generated column", sql: "ALTER TABLE plain ADD COLUMN a3 int GENERATED ALWAYS AS (a * 3) VIRTUAL" },
  { name: "add column with FK", sql: "ALTER TABLE plain ADD COLUMN org_id bigint REFERENCES orgs(id)" },
  { name: "add column domain with check", sql: "ALTER TABLE plain ADD COLUMN p posint" },
  { name: "add column to partitioned", sql: "ALTER TABLE events ADD COLUMN extra text" },
  { name: "add column volatile default partitioned", sql: "ALTER TABLE events ADD COLUMN r float8 DEFAULT random()" },
  // column changes
  { name: "drop column", sql: "ALTER TABLE users DROP COLUMN username" },
  { name: "drop FK column", setup: "ALTER TABLE plain ADD COLUMN org_id bigint REFERENCES orgs(id)", sql: "ALTER TABLE plain DROP COLUMN org_id" },
  { name: "set not null", sql: "ALTER TABLE users ALTER COLUMN email SET NOT NULL" },
  { name: "drop not null", sql: "ALTER TABLE users ALTER COLUMN age DROP NOT NULL" },
  { name: "set default", sql: "ALTER TABLE users ALTER COLUMN age SET DEFAULT 0" },
  { name: "drop default", sql: "ALTER TABLE users ALTER COLUMN age DROP DEFAULT" },
  { name: "set statistics", sql: "ALTER TABLE users ALTER COLUMN age SET STATISTICS 500" },
  { name: "set storage", sql: "ALTER TABLE users ALTER COLUMN username SET STORAGE EXTERNAL" },
  { name: "set column n_distinct", sql: "ALTER TABLE users ALTER COLUMN age SET (n_distinct = 100)" },
  { name: "rename column", sql: "ALTER TABLE users RENAME COLUMN username TO display_name" },
  // type changes
  { name: "varchar grow", sql: "ALTER TABLE users ALTER COLUMN email TYPE varchar(100)" },
  { name: "varchar shrink", sql: "ALTER TABLE users ALTER COLUMN email TYPE varchar(10)" },
  { name: "varchar to text", sql: "ALTER TABLE users ALTER COLUMN email TYPE text" },
  { name: "text to varchar(n)", sql: "ALTER TABLE users ALTER COLUMN username TYPE varchar(20)" },
  { name: "int to bigint", sql: "ALTER TABLE users ALTER COLUMN age TYPE bigint" },
  { name: "numeric grow", sql: "ALTER TABLE users ALTER COLUMN price TYPE numeric(12,2)" },
  { name: "numeric scale change", sql: "ALTER TABLE users ALTER COLUMN price TYPE numeric(12,4)" },
  { name: "numeric unconstrained", sql: "ALTER TABLE users ALTER COLUMN price TYPE numeric" },
  { name: "json to jsonb", sql: "ALTER TABLE users ALTER COLUMN data TYPE jsonb USING data::jsonb" },
  { name: "timestamp to timestamptz", sql: "ALTER TABLE users ALTER COLUMN created TYPE timestamptz" },
  { name: "char grow", sql: "ALTER TABLE users ALTER COLUMN note TYPE char(10)" },
  { name: "int to domain over int", sql: "ALTER TABLE users ALTER COLUMN age TYPE posint" },
  { name: "enum to text", sql: "ALTER TABLE scores ALTER COLUMN m TYPE text" },
  { name: "FK column type change", sql: "ALTER TABLE users ALTER COLUMN org_id TYPE int" },
  // constraints
  { name: "add check", sql: "ALTER TABLE users ADD CONSTRAINT age_pos CHECK (age > 0)" },
  { name: "add check not valid", sql: "ALTER TABLE users ADD CONSTRAINT age_pos CHECK (age > 0) NOT VALID" },
  { name: "validate check", setup: "ALTER TABLE users ADD CONSTRAINT age_pos CHECK (age > 0) NOT VALID", sql: "ALTER TABLE users VALIDATE CONSTRAINT age_pos" },
  { name: "add FK", sql: "ALTER TABLE plain ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES orgs(id)" },
  { name: "add FK not valid", sql: "ALTER TABLE plain ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES orgs(id) NOT VALID" },
  { name: "validate FK", setup: "ALTER TABLE plain ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES orgs(id) NOT VALID", sql: "ALTER TABLE plain VALIDATE CONSTRAINT fk" },
  { name: "drop FK", sql: "ALTER TABLE users DROP CONSTRAINT users_org_id_fkey" },
  { name: "add unique", sql: "ALTER TABLE users ADD CONSTRAINT email_uq UNIQUE (email)" },
  { name: "add primary key", sql: "ALTER TABLE plain ADD PRIMARY KEY (a)" },
  { name: "unique using index", setup: "CREATE UNIQUE INDEX plain_a_idx ON plain (a)", sql: "ALTER TABLE plain ADD CONSTRAINT plain_a_uq UNIQUE USING INDEX plain_a_idx" },
  { name: "add exclusion", sql: "ALTER TABLE plain ADD CONSTRAINT ex EXCLUDE USING btree (a WITH =)" },
  { name: "add not null constraint", sql: "ALTER TABLE plain ADD CONSTRAINT a_nn NOT NULL a" },
  // table-level
  { name: "set logged", setup: "ALTER TABLE plain SET UNLOGGED", sql: "ALTER TABLE plain SET LOGGED" },
  { name: "set unlogged", sql: "ALTER TABLE plain SET UNLOGGED" },
  { name: "set fillfactor", sql: "ALTER TABLE users SET (fillfactor = 70)" },
  { name: "set autovacuum option", sql: "ALTER TABLE users SET (autovacuum_vacuum_scale_factor = 0.01)" },
  { name: "enable row level security", sql: "ALTER TABLE users ENABLE ROW LEVEL SECURITY" },
  { name: "replica identity full", sql: "ALTER TABLE users REPLICA IDENTITY FULL" },
  { name: "cluster on", sql: "ALTER TABLE users CLUSTER ON users_email_idx" },
  { name: "rename table", sql: "ALTER TABLE plain RENAME TO plain2" },
  { name: "multi subcommand alter", sql: "ALTER TABLE users ADD COLUMN x int, ALTER COLUMN age SET STATISTICS 100, ADD CONSTRAINT c CHECK (age > 0) NOT VALID" },
  { name: "disable trigger", setup: "CREATE FUNCTION trg() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$; CREATE TRIGGER t1 BEFORE INSERT ON plain FOR EACH ROW EXECUTE FUNCTION trg()", sql: "ALTER TABLE plain DISABLE TRIGGER t1" },
  // partitions
  { name: "attach partition", sql: "ALTER TABLE events ATTACH PARTITION events_new FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')" },
  { name: "detach partition", sql: "ALTER TABLE events DETACH PARTITION events_2024" },
  { name: "create partition", sql: "CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')" },
  { name: "create default partition", sql: "CREATE TABLE events_default PARTITION OF events DEFAULT" },
  { name: "index on partitioned", sql: "CREATE INDEX events_at_idx ON events (at)" },
  // indexes
  { name: "create index", sql: "CREATE INDEX users_age_idx ON users (age)" },
  { name: "create unique partial index", sql: "CREATE UNIQUE INDEX users_uname ON users (username) WHERE age > 0" },
  { name: "drop index", sql: "DROP INDEX users_email_idx" },
  { name: "reindex index", sql: "REINDEX INDEX users_email_idx" },
  { name: "reindex table", sql: "REINDEX TABLE users" },
  { name: "index on matview", sql: "CREATE INDEX uc_idx ON user_counts (n)" },
  // create / drop
  { name: "create table with FK", sql: "CREATE TABLE posts (id bigint PRIMARY KEY, user_id bigint REFERENCES users(id))" },
  { name: "create table like", sql: "CREATE TABLE plain_copy (LIKE plain)" },
  { name: "create table inherits", sql: "CREATE TABLE plain_child () INHERITS (plain)" },
  { name: "create table as", sql: "CREATE TABLE user_ids AS SELECT id FROM users" },
  { name: "create view", sql: "CREATE VIEW v2 AS SELECT id FROM users" },
  { name: "create view over view", sql: "CREATE VIEW v3 AS SELECT id FROM active_users" },
  { name: "create matview", sql: "CREATE MATERIALIZED VIEW mv2 AS SELECT id FROM active_users" },
  { name: "create matview no data", sql: "CREATE MATERIALIZED VIEW mv3 AS SELECT id FROM active_users WITH NO DATA" },
  { name: "refresh matview", sql: "REFRESH MATERIALIZED VIEW user_counts" },
  { name: "drop table with FK", sql: "DROP TABLE users CASCADE" },
  { name: "drop referenced table", sql: "DROP TABLE orgs CASCADE" },
  { name: "drop partition", sql: "DROP TABLE events_2024" },
  { name: "drop partitioned table", sql: "DROP TABLE events" },
  { name: "drop view", sql: "DROP VIEW org_users" },
  { name: "drop matview", sql: "DROP MATERIALIZED VIEW user_counts" },
  { name: "truncate", sql: "TRUNCATE plain" },
  { name: "truncate cascade", sql: "TRUNCATE orgs CASCADE" },
  { name: "truncate partitioned", sql: "TRUNCATE events" },
  // DML
  { name: "insert values with NULL FK", sql: "INSERT INTO users (id, org_id) VALUES (1, NULL)" },
  { name: "insert values with FK", setup: "INSERT INTO orgs VALUES (1, 'a')", sql: "INSERT INTO users (id, org_id) VALUES (1, 1)" },
  { name: "insert select", sql: "INSERT INTO plain (a) SELECT age FROM users" },
  { name: "update", sql: "UPDATE users SET age = 1 WHERE id = 5" },
  { name: "update from", sql: "UPDATE users SET age = 1 FROM orgs WHERE orgs.id = users.org_id" },
  { name: "delete", sql: "DELETE FROM plain WHERE a = 1" },
  { name: "update partitioned", sql: "UPDATE events SET payload = 'x'" },
  { name: "select through views", sql: "SELECT * FROM org_users" },
  { name: "select for update", sql: "SELECT * FROM plain FOR UPDATE" },
  { name: "insert into view", sql: "INSERT INTO active_users (id) VALUES (7)" },
  // misc
  { name: "lock table share", sql: "LOCK TABLE plain IN SHARE MODE" },
  { name: "lock view", sql: "LOCK TABLE active_users IN ACCESS EXCLUSIVE MODE" },
  { name: "lock partitioned", sql: "LOCK TABLE events IN EXCLUSIVE MODE" },
  { name: "comment on table", sql: "COMMENT ON TABLE users IS 'people'" },
  { name: "comment on column", sql: "COMMENT ON COLUMN users.email IS 'mail'" },
  { name: "grant", sql: "GRANT SELECT ON users TO PUBLIC" },
  { name: "create trigger", setup: "CREATE FUNCTION trg() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$", sql: "CREATE TRIGGER t1 BEFORE INSERT ON users FOR EACH ROW EXECUTE FUNCTION trg()" },
  { name: "drop trigger", setup: "CREATE FUNCTION trg() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$; CREATE TRIGGER t1 BEFORE INSERT ON plain FOR EACH ROW EXECUTE FUNCTION trg()", sql: "DROP TRIGGER t1 ON plain" },
  { name: "create policy", sql: "CREATE POLICY p1 ON users USING (true)" },
  { name: "analyze", sql: "ANALYZE users" },
  { name: "cluster", sql: "CLUSTER users USING users_email_idx" },
  { name: "alter domain add check", sql: "ALTER DOMAIN posint ADD CONSTRAINT lt CHECK (VALUE < 1000000)" },
  { name: "alter domain add check not valid", sql: "ALTER DOMAIN posint ADD CONSTRAINT lt CHECK (VALUE < 1000000) NOT VALID" },
  { name: "alter domain validate", setup: "ALTER DOMAIN posint ADD CONSTRAINT lt CHECK (VALUE < 1000000) NOT VALID", sql: "ALTER DOMAIN posint VALIDATE CONSTRAINT lt" },
  { name: "enum add value", sql: "ALTER TYPE mood ADD VALUE 'meh'" },
  { name: "create enum", sql: "CREATE TYPE color AS ENUM ('red')" },
  { name: "create sequence", sql: "CREATE SEQUENCE s1" },
  { name: "do block backfill", sql: "DO $$ BEGIN UPDATE users SET age = 0 WHERE age IS NULL; END $$" },
  // more: identity, generated, enums, type pairs, partitions with a default partition, renames, misc DDL
  { name: "add identity to existing column", setup: "ALTER TABLE plain ALTER COLUMN a SET NOT NULL", sql: "ALTER TABLE plain ALTER COLUMN a ADD GENERATED ALWAYS AS IDENTITY" },
  { name: "set generated by default", setup: "ALTER TABLE plain ALTER COLUMN a SET NOT NULL; ALTER TABLE plain ALTER COLUMN a ADD GENERATED ALWAYS AS IDENTITY", sql: "ALTER TABLE plain ALTER COLUMN a SET GENERATED BY DEFAULT" },
  { name: "drop identity", setup: "ALTER TABLE plain ALTER COLUMN a SET NOT NULL; ALTER TABLE plain ALTER COLUMN a ADD GENERATED ALWAYS AS IDENTITY", sql: "ALTER TABLE plain ALTER COLUMN a DROP IDENTITY" },
  { name: "set expression", setup: "ALTER TABLE plain ADD COLUMN a2 int GENERATED ALWAYS AS (a * 2) STORED", sql: "ALTER TABLE plain ALTER COLUMN a2 SET EXPRESSION AS (a * 4)" },
  { name: "drop expression", setup: "ALTER TABLE plain ADD COLUMN a2 int GENERATED ALWAYS AS (a * 2) STORED", sql: "ALTER TABLE plain ALTER COLUMN a2 DROP EXPRESSION" },
  { name: "text to enum", setup: "ALTER TABLE plain ADD COLUMN m text", sql: "ALTER TABLE plain ALTER COLUMN m TYPE mood USING m::mood" },
  { name: "int to text", sql: "ALTER TABLE plain ALTER COLUMN a TYPE text" },
  { name: "text to int using", sql: "ALTER TABLE plain ALTER COLUMN b TYPE int USING b::int" },
  { name: "varchar to unbounded varchar", sql: "ALTER TABLE users ALTER COLUMN email TYPE varchar" },
  { name: "timestamptz to timestamp", setup: "ALTER TABLE plain ADD COLUMN t timestamptz", sql: "ALTER TABLE plain ALTER COLUMN t TYPE timestamp" },
  { name: "bigint to int", setup: "ALTER TABLE plain ADD COLUMN big bigint", sql: "ALTER TABLE plain ALTER COLUMN big TYPE int" },
  { name: "add enum column with default", sql: "ALTER TABLE scores ADD COLUMN m2 mood NOT NULL DEFAULT 'happy'" },
  { name: "add jsonb default", sql: "ALTER TABLE plain ADD COLUMN j jsonb NOT NULL DEFAULT '{}'" },
  { name: "add uuid default gen_random_uuid", sql: "ALTER TABLE plain ADD COLUMN u uuid DEFAULT gen_random_uuid()" },
  { name: "add column default clock_timestamp", sql: "ALTER TABLE plain ADD COLUMN t timestamptz DEFAULT clock_timestamp()" },
  { name: "add column to FK-referenced table", sql: "ALTER TABLE orgs ADD COLUMN slug text" },
  { name: "drop check constraint", setup: "ALTER TABLE plain ADD CONSTRAINT a_pos CHECK (a > 0)", sql: "ALTER TABLE plain DROP CONSTRAINT a_pos" },
  { name: "rename constraint", setup: "ALTER TABLE plain ADD CONSTRAINT a_pos CHECK (a > 0)", sql: "ALTER TABLE plain RENAME CONSTRAINT a_pos TO a_positive" },
  { name: "alter constraint deferrable", sql: "ALTER TABLE users ALTER CONSTRAINT users_org_id_fkey DEFERRABLE" },
  { name: "create partition with default present", setup: "CREATE TABLE events_default PARTITION OF events DEFAULT", sql: "CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')" },
  { name: "attach with default present", setup: "CREATE TABLE events_default PARTITION OF events DEFAULT", sql: "ALTER TABLE events ATTACH PARTITION events_new FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')" },
  { name: "detach with default present", setup: "CREATE TABLE events_default PARTITION OF events DEFAULT", sql: "ALTER TABLE events DETACH PARTITION events_2024" },
  { name: "check on a partition", sql: "ALTER TABLE events_2024 ADD CONSTRAINT p_pos CHECK (id > 0)" },
  { name: "owner to", sql: "ALTER TABLE plain OWNER TO CURRENT_USER" },
  { name: "set schema", setup: "CREATE SCHEMA archive", sql: "ALTER TABLE plain SET SCHEMA archive" },
  { name: "rename view", sql: "ALTER VIEW active_users RENAME TO live_users" },
  { name: "rename matview", sql: "ALTER MATERIALIZED VIEW user_counts RENAME TO user_totals" },
  { name: "rename index", sql: "ALTER INDEX users_email_idx RENAME TO users_mail_idx" },
  { name: "set tablespace same", sql: "ALTER TABLE plain SET TABLESPACE pg_default" },
  { name: "reset fillfactor", sql: "ALTER TABLE users RESET (fillfactor)" },
  { name: "set without cluster", sql: "ALTER TABLE users SET WITHOUT CLUSTER" },
  { name: "no inherit", setup: "CREATE TABLE plain_child () INHERITS (plain)", sql: "ALTER TABLE plain_child NO INHERIT plain" },
  { name: "delete from referenced table", sql: "DELETE FROM orgs WHERE id = 42" },
  { name: "merge", sql: "MERGE INTO plain p USING users u ON p.a = u.age WHEN MATCHED THEN UPDATE SET b = u.email" },
  { name: "select into", sql: "SELECT id INTO user_copy FROM users" },
  { name: "create table as join", sql: "CREATE TABLE uo AS SELECT u.id, o.name FROM users u JOIN orgs o ON o.id = u.org_id" },
  { name: "update view", sql: "UPDATE active_users SET id = id WHERE id = 3" },
  { name: "comment on index", sql: "COMMENT ON INDEX users_email_idx IS 'x'" },
  { name: "comment on constraint", sql: "COMMENT ON CONSTRAINT users_org_id_fkey ON users IS 'x'" },
  { name: "revoke", sql: "REVOKE SELECT ON users FROM PUBLIC" },
  { name: "create statistics", sql: "CREATE STATISTICS users_stats ON age, org_id FROM users" },
  { name: "drop policy", setup: "CREATE POLICY p1 ON users USING (true)", sql: "DROP POLICY p1 ON users" },
  { name: "alter policy", setup: "CREATE POLICY p1 ON users USING (true)", sql: "ALTER POLICY p1 ON users USING (false)" },
  { name: "create rule", sql: "CREATE RULE r1 AS ON INSERT TO plain DO ALSO NOTIFY plain" },
  { name: "alter domain set not null", sql: "ALTER DOMAIN posint SET NOT NULL" },
  { name: "alter domain drop constraint", sql: "ALTER DOMAIN posint DROP CONSTRAINT posint_check" },
  { name: "rename enum value", sql: "ALTER TYPE mood RENAME VALUE 'sad' TO 'blue'" },
  { name: "alter sequence", setup: "CREATE SEQUENCE s1", sql: "ALTER SEQUENCE s1 RESTART WITH 10" },
  { name: "lock only", sql: "LOCK TABLE ONLY events IN SHARE MODE" },
  { name: "truncate two tables", sql: "TRUNCATE plain, scores" },
  { name: "drop view cascade", sql: "DROP VIEW active_users CASCADE" },
  { name: "drop type cascade", setup: "CREATE TYPE color AS ENUM ('red'); ALTER TABLE plain ADD COLUMN c color", sql: "DROP TYPE color CASCADE" },
  { name: "set access method heap", sql: "ALTER TABLE plain SET ACCESS METHOD heap" },
  { name: "index on only the partitioned parent", sql: "CREATE INDEX events_id_idx ON ONLY events (id)" },
  { name: "sequence owned by", setup: "CREATE SEQUENCE s1", sql: "ALTER SEQUENCE s1 OWNED BY plain.a" },
  { name: "drop schema cascade", setup: "CREATE SCHEMA archive; CREATE TABLE archive.old (id int); CREATE VIEW archive.v AS SELECT id FROM archive.old", sql: "DROP SCHEMA archive CASCADE" },
];

export const LOCK_CASES_BASE = BASE;
