import { beforeAll, describe, expect, it } from "vitest";
import { routedPartitions } from "../../src/analyze/partition-routing.js";
import { hashKeyValue } from "../../src/analyze/pg-hash.js";
import { SchemaContext } from "../../src/analyze/schema.js";
import { introspect } from "../../src/db/introspect.js";
import { createTestDatabase } from "../helpers/db.js";

/** The hash functions of pg-hash.ts against the server's own, and hash routing against real inserts. */
const db = await createTestDatabase("pghash");
const SEED = 0x7a5b22367996dcfdn;

describe("Postgres' extended hash functions", () => {
  const cases: Array<[string, string, string]> = [
    ["int4", "hashint4extended", "7"],
    ["int4", "hashint4extended", "-1"],
    ["int4", "hashint4extended", "2147483647"],
    ["int2", "hashint2extended", "300"],
    ["int8", "hashint8extended", "5000000000"],
    ["int8", "hashint8extended", "-5000000000"],
    ["int8", "hashint8extended", "42"],
    ["text", "hashtextextended", ""],
    ["text", "hashtextextended", "a"],
    ["text", "hashtextextended", "eleven char"],
    ["text", "hashtextextended", "twelve chars"],
    ["text", "hashtextextended", "a longer text with ünïcödé, over twenty-four bytes"],
    ["bpchar", "hashbpcharextended", "pad  "],
    ["date", "hashint4extended", "2024-03-01"],
    ["timestamptz", "hashint8extended", "2024-03-01 12:30:45.5+00"],
    ["timestamp", "hashint8extended", "1999-12-31 23:59:59"],
    ["bool", "hashcharextended", "true"],
  ];
  for (const [type, fn, value] of cases) {
    it(`${type} ${JSON.stringify(value)}`, async () => {
      const arg = type === "date" ? `($1::date - date '2000-01-01')` : type.startsWith("timestamp") ? `(extract(epoch from $1::${type === "timestamp" ? "timestamp" : "timestamptz"} - ${type === "timestamp" ? "timestamp" : "timestamptz"} '2000-01-01 00:00:00+00') * 1000000)::int8` : type === "bool" ? "$1::bool::int::\"char\"" : `$1::${type}`;
      await db.client.query("SET TIME ZONE 'UTC'");
      const { rows } = await db.client.query<{ h: string }>(`SELECT ${fn}(${arg}, $2::int8)::text AS h`, [value, BigInt.asIntN(64, SEED).toString()]);
      expect(BigInt.asIntN(64, hashKeyValue(value, type, SEED)!).toString()).toBe(rows[0]!.h);
    });
  }
});

describe("hash routing", () => {
  let schema: SchemaContext;
  beforeAll(async () => {
    await db.client.query(`
      CREATE TABLE h (a int8 NOT NULL, b text NOT NULL, c date) PARTITION BY HASH (a, b);
      CREATE TABLE h_0 PARTITION OF h FOR VALUES WITH (MODULUS 3, REMAINDER 0);
      CREATE TABLE h_1 PARTITION OF h FOR VALUES WITH (MODULUS 3, REMAINDER 1);
      CREATE TABLE h_2 PARTITION OF h FOR VALUES WITH (MODULUS 6, REMAINDER 2);
      CREATE TABLE h_5 PARTITION OF h FOR VALUES WITH (MODULUS 6, REMAINDER 5);
      CREATE TABLE d (c date NOT NULL) PARTITION BY HASH (c);
      CREATE TABLE d_0 PARTITION OF d FOR VALUES WITH (MODULUS 2, REMAINDER 0);
      CREATE TABLE d_1 PARTITION OF d FOR VALUES WITH (MODULUS 2, REMAINDER 1);`);
    schema = new SchemaContext(await introspect(db.client));
  });

  it("sends each row where Postgres sends it", async () => {
    const rows: Array<[string, string]> = [];
    for (let i = -3; i < 40; i++) rows.push([String(i * 7919), `k${i}`]);
    for (const [a, b] of rows) {
      const { rows: r } = await db.client.query<{ part: string }>("INSERT INTO h (a, b) VALUES ($1, $2) RETURNING tableoid::regclass::text AS part", [a, b]);
      expect(routedPartitions("public.h", ["a", "b"], [[a, b]], schema), `${a}, ${b}`).toEqual([`public.${r[0]!.part}`]);
    }
    for (const day of ["2024-01-01", "2024-02-29", "1999-12-31", "2031-07-04"]) {
      const { rows: r } = await db.client.query<{ part: string }>("INSERT INTO d VALUES ($1) RETURNING tableoid::regclass::text AS part", [day]);
      expect(routedPartitions("public.d", ["c"], [[day]], schema), day).toEqual([`public.${r[0]!.part}`]);
    }
  });
});
