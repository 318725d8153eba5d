import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SchemaSnapshot } from "../../src/analyze/types.js";
import { introspect, introspectShapes } from "../../src/db/introspect.js";
import { createTestDatabase } from "../helpers/db.js";
import { createReadOnlyLogin } from "../helpers/readonly-login.js";
import { loadFixtureSchema } from "../helpers/fixture.js";

const db = await createTestDatabase("introspect");
let snapshot: SchemaSnapshot;

beforeAll(async () => {
  await loadFixtureSchema(db.client);
  await db.client.query("SELECT count(*) FROM users"); // some traffic for pg_stat_user_tables
  await db.client.query("SELECT pg_stat_force_next_flush()");
  snapshot = await introspect(db.client);
});

describe("introspect", () => {
  it("introspectShapes (what rollback verification compares) reads the same relations, columns, constraints, indexes and types", async () => {
    const shapes = await introspectShapes(db.client);
    expect(Object.keys(shapes.relations).sort()).toEqual(Object.keys(snapshot.relations).sort());
    expect(Object.keys(shapes.relations).length).toBeGreaterThan(10);
    // the full snapshot adds what the other queries read (partitions, triggers, stats, ...)
    expect(snapshot.relations).toMatchObject(JSON.parse(JSON.stringify(shapes.relations, (k, v) => (["rows", "bytes"].includes(k) ? undefined : v))));
    expect(shapes.types).toEqual(snapshot.types);
  });

  it("reads columns: types, typmods, defaults, identity, generated, collation", () => {
    const users = snapshot.relations["public.users"]!;
    const col = (name: string) => users.columns.find((c) => c.name === name)!;
    expect(users.kind).toBe("table");
    expect(col("id")).toMatchObject({ type: "integer", typeName: "pg_catalog.int4", notNull: true, default: "nextval('public.users_id_seq'::regclass)" });
    expect(col("username")).toMatchObject({ type: "character varying(50)", typeName: "pg_catalog.varchar", typmod: 54, notNull: true });
    expect(col("score")).toMatchObject({ type: "numeric(10,2)", default: "0" });
    expect(col("mood")).toMatchObject({ type: "public.mood", typeName: "public.mood", default: "'ok'::public.mood" });
    expect(col("email").type).toBe("public.email");
    expect(col("display_name").collation).toBe('"C"');
    expect(col("lower_username")).toMatchObject({ generated: "stored", generationExpression: "lower((username)::text)" });
    expect(col("lower_username").default).toBeUndefined();
    expect(col("shout").generated).toBe("virtual");
    expect(snapshot.relations["public.accounts"]!.columns[0]).toMatchObject({ name: "id", identity: "always" });
    expect(snapshot.relations["public.events"]!.columns[0]).toMatchObject({ name: "id", identity: "by-default" });
    expect(users.columns.map((c) => c.name).slice(0, 3)).toEqual(["id", "account_id", "email"]);
  });

  it("reads constraints with validation state and foreign keys in both directions", () => {
    const orders = snapshot.relations["public.orders"]!;
    const con = (name: string) => orders.constraints.find((c) => c.name === name)!;
    expect(con("orders_pkey")).toMatchObject({ type: "p", columns: ["id"], validated: true, index: "orders_pkey" });
    expect(con("orders_note_length")).toMatchObject({ type: "c", validated: false, definition: "CHECK ((length(note) < 1000)) NOT VALID" });
    expect(con("orders_user_id_fkey")).toMatchObject({ type: "f", columns: ["user_id"], references: "public.users" });
    expect(orders.constraints.some((c) => c.type === "n" && c.columns[0] === "total")).toBe(true);
    const items = snapshot.relations["public.order_items"]!;
    expect(items.constraints.find((c) => c.name === "order_items_sku_fkey")).toMatchObject({ validated: false, references: "public.products" });
    expect(snapshot.relations["public.users"]!.referencedBy).toEqual(["public.orders"]);
    expect(snapshot.relations["public.orders"]!.referencedBy).toEqual(["public.order_items"]);
    expect(snapshot.relations["public.bookings"]!.constraints.find((c) => c.type === "x")).toBeDefined();
  });

  it("reads indexes: unique, partial, expression columns, definitions", () => {
    const users = snapshot.relations["public.users"]!;
    const idx = (name: string) => users.indexes.find((i) => i.name === name)!;
    expect(idx("users_pkey")).toMatchObject({ primary: true, unique: true, valid: true, partial: false, columns: ["id"] });
    expect(idx("users_lower_username_idx")).toMatchObject({ partial: true, unique: false, columns: ["lower(username::text)"] });
    expect(idx("users_uid_idx")).toMatchObject({ unique: true, qualifiedName: "public.users_uid_idx" });
    expect(idx("users_tags_idx").definition).toBe("CREATE INDEX users_tags_idx ON public.users USING gin (tags)");
    expect(snapshot.relations["public.users_uid_idx"]).toMatchObject({ kind: "index", table: "public.users" });
  });

  it("reads partitions and their parents", () => {
    const events = snapshot.relations["public.events"]!;
    expect(events.kind).toBe("partitioned-table");
    expect(events.partitionKey).toBe("RANGE (created_at)");
    expect(events.partitions).toEqual(["public.events_2024", "public.events_2025"]);
    expect(snapshot.relations["public.events_2024"]).toMatchObject({ kind: "table", parent: "public.events" });
    expect(snapshot.relations["public.events_2024"]!.partitionBound).toContain("FOR VALUES FROM");
    expect(snapshot.relations["public.events_2026"]!.parent).toBeUndefined();
    expect(snapshot.relations["public.events_kind_idx"]!.kind).toBe("partitioned-index");
  });

  it("reads sub-partitions, legacy inheritance in both directions and constraints copied from a parent", () => {
    const sales = snapshot.relations["part.sales"]!;
    expect(sales.partitions).toEqual(["part.sales_2024", "part.sales_2025", "part.sales_default"]);
    expect(snapshot.relations["part.sales_2024"]!.partitions).toEqual(["part.sales_2024_eu", "part.sales_2024_rest", "part.sales_2024_us"]);
    expect(snapshot.relations["part.vehicles"]!.children).toEqual(["part.cars", "part.trucks"]);
    expect(snapshot.relations["part.pickups"]!.inherits).toEqual(["part.trucks"]);
    expect(snapshot.relations["part.cars"]!.parent).toBeUndefined();
    const fk = (rel: string, name: string) => snapshot.relations[rel]!.constraints.find((c) => c.name === name);
    expect(fk("part.sales", "sales_customer_fkey")).toMatchObject({ references: "part.customers" });
    expect(fk("part.sales", "sales_customer_fkey")!.inherited).toBeUndefined();
    expect(fk("part.sales_2024_eu", "sales_customer_fkey")).toMatchObject({ references: "part.customers", inherited: true });
    expect(fk("part.cars", "vehicles_wheels_check")).toMatchObject({ type: "c", inherited: true });
    expect(fk("part.ledger", "ledger_tenant_fkey")!.definition).toContain("NOT ENFORCED");
    expect(fk("part.vehicles", "vehicles_plate_not_null")!.definition).toContain("NO INHERIT");
  });

  it("reads access methods, typed tables, partition triggers, statistics objects and publications", () => {
    expect(snapshot.relations["part.archive"]!.accessMethod).toBe("heap2");
    expect(snapshot.relations["part.tenants"]!.accessMethod).toBeUndefined();
    expect(snapshot.relations["part.pairs"]!.ofType).toBe("part.pair");
    expect(snapshot.relations["part.readings"]!.partitionTriggers).toEqual(["readings_keep"]);
    expect(snapshot.statistics).toMatchObject({ "part.vehicles_stats": "part.vehicles", "part.sales_stats": "part.sales" });
    expect(snapshot.publications).toMatchObject({ part_tenants_pub: ["part.members", "part.tenants"], part_sales_pub: ["part.sales"], part_schema_pub: [] });
    expect(snapshot.defaultAccessMethod).toBeUndefined();
  });

  it("reads views and materialized views with the relations they read", () => {
    expect(snapshot.relations["public.active_users"]).toMatchObject({ kind: "view", reads: ["public.users"] });
    expect(snapshot.relations["public.user_orders"]!.reads).toEqual(["public.orders", "public.users"]);
    expect(snapshot.relations["public.recent_active"]!.reads).toEqual(["public.active_users"]);
    expect(snapshot.relations["public.order_totals"]).toMatchObject({ kind: "materialized-view", reads: ["public.orders"] });
    expect(snapshot.relations["public.order_totals"]!.indexes.map((i) => i.name)).toEqual(["order_totals_user_idx"]);
  });

  it("reads domains, enums, composite and range types", () => {
    expect(snapshot.types["public.positive_int"]).toMatchObject({ kind: "domain", baseType: "pg_catalog.int4", notNull: true, checks: ["CHECK ((VALUE > 0))"] });
    expect(snapshot.types["public.short_text"]).toMatchObject({ kind: "domain", baseType: "pg_catalog.varchar", baseTypeFormatted: "character varying(20)", notNull: false });
    expect(snapshot.types["public.us_zip"]!.default).toBe("'00000'::text");
    expect(snapshot.types["public.email"]!.baseType).toBe("public.citext");
    expect(snapshot.types["public.mood"]).toMatchObject({ kind: "enum", labels: ["sad", "ok", "happy"] });
    expect(snapshot.types["app.status"]!.labels).toEqual(["new", "paid", "shipped"]);
    expect(snapshot.types["public.address"]).toMatchObject({ kind: "composite", attributes: [{ name: "street", type: "text" }, { name: "city", type: "text" }, { name: "zip", type: "character varying(10)" }] });
    expect(snapshot.types["public.floatrange"]).toMatchObject({ kind: "range", subtype: "double precision" });
    expect(snapshot.types["public.users"]).toBeUndefined(); // a table's row type is not a type of its own here
  });

  it("reads how long the traffic counters have been counting, from the database's stats reset", async () => {
    expect(snapshot.relations["public.users"]!.stats!.windowSeconds).toBeGreaterThanOrEqual(0);
    await db.client.query("SELECT pg_stat_reset_single_table_counters('public.users'::regclass)");
    for (let i = 0; i < 700; i++) await db.client.query("SELECT 1 FROM users WHERE id = $1", [i]);
    await db.client.query("SELECT pg_stat_force_next_flush()");
    await db.client.query("SELECT 1");
    const after = (await introspect(db.client)).relations["public.users"]!.stats!;
    expect(after.seqScan + after.idxScan).toBeGreaterThanOrEqual(700);
    expect(after.windowSeconds).toBeLessThan(60);
    // 700 lookups within a minute of the reset: busy, so an instant ACCESS EXCLUSIVE without lock_timeout is medium
    const { assessRisk } = await import("../../src/analyze/risk/risk.js");
    const fresh = await introspect(db.client);
    expect(assessRisk({ locks: [{ relation: "public.users", mode: "AccessExclusiveLock" }], work: [], schema: fresh }).risk).toBe("medium");
  });

  it("reads sizes, row estimates, traffic, persistence and the server version", () => {
    const users = snapshot.relations["public.users"]!;
    expect(users.rows).toBe(20);
    expect(users.bytes).toBeGreaterThan(8192);
    expect(users.stats!.inserts).toBe(20);
    expect(users.stats!.seqScan).toBeGreaterThan(0);
    expect(snapshot.relations["public.cache"]!.persistence).toBe("unlogged");
    expect(snapshot.relations["public.order_seq"]!.kind).toBe("sequence");
    expect(snapshot.serverVersion).toBeGreaterThanOrEqual(180000);
    expect(snapshot.source).toBe("catalog");
  });

  it("limits itself to the schemas asked for", async () => {
    const app = await introspect(db.client, { schemas: ["app"] });
    expect(Object.keys(app.relations).every((k) => k.startsWith("app."))).toBe(true);
    expect(app.relations["app.settings"]).toBeDefined();
    expect(Object.keys(app.types)).toEqual(["app.status"]);
  });

  it("leaves the session's search_path as it was", async () => {
    await db.client.query("SET search_path = app, public");
    await introspect(db.client);
    const { rows } = await db.client.query("SHOW search_path");
    expect(rows[0].search_path).toBe("app, public");
    await db.client.query("RESET search_path");
  });
});

describe("introspect with a read-only login", () => {
  let login: Awaited<ReturnType<typeof createReadOnlyLogin>>;
  let ro: pg.Client;

  beforeAll(async () => {
    login = await createReadOnlyLogin(db.client, db.name);
    ro = new pg.Client({ connectionString: login.url });
    await ro.connect();
  });
  afterAll(async () => {
    await ro?.end();
    await login?.drop();
  });

  it("is really read-only", async () => {
    const { rows } = await ro.query("SHOW default_transaction_read_only");
    expect(rows[0].default_transaction_read_only).toBe("on");
    await expect(ro.query("CREATE TABLE nope (a int)")).rejects.toThrow(/read-only/);
  });

  it("sees exactly what the owner sees", async () => {
    const asOwner = await introspect(db.client);
    const asReader = await introspect(ro);
    // the counters' window is "seconds until now": it moves between the two reads
    const windows = (s: SchemaSnapshot) => Object.values(s.relations).map((r) => r.stats?.windowSeconds).filter((w) => w !== undefined);
    expect(windows(asReader).length).toBeGreaterThan(0);
    for (const [a, b] of windows(asReader).map((w, i) => [w!, windows(asOwner)[i]!])) expect(Math.abs(a - b)).toBeLessThan(60);
    const withoutWindows = (s: SchemaSnapshot) => JSON.parse(JSON.stringify(s, (k, v) => (k === "windowSeconds" ? undefined : v)));
    expect(withoutWindows(asReader)).toEqual(withoutWindows(asOwner));
  });
});
