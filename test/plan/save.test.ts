import { createReadStream, existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { copyFrom, copyTo } from "../../src/db/copy.js";
import { saveData } from "../../src/plan/save.js";
import { runLockstep } from "../helpers/cli.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { tempDir } from "./helpers.js";
import { Writable } from "node:stream";

let db: TestDatabase;
let dir: string;
beforeAll(async () => {
  db = await createTestDatabase("save");
  dir = tempDir();
  await db.client.query(`
    CREATE TABLE people (id bigint PRIMARY KEY, name text, note text, score numeric(6,2), tags text[], born date);
    INSERT INTO people VALUES
      (1, 'Ann', 'plain', 1.5, '{a,b}', '2000-01-02'),
      (2, 'Bob, Jr.', 'has "quotes", commas', NULL, '{}', NULL),
      (3, 'Zoë', E'two\\nlines and a \\\\ backslash', -3.25, '{"x y"}', '1999-12-31'),
      (4, '', NULL, 0, NULL, '2024-02-29');
    INSERT INTO people SELECT g, 'p' || g, repeat('x', g % 50), g / 7.0, ARRAY[g::text], DATE '2020-01-01' + g FROM generate_series(5, 3000) g;`);
});

describe("lockstep save (COPY TO STDOUT)", () => {
  it("round-trips a whole table through COPY FROM: same rows, NULLs, quotes, newlines, arrays", async () => {
    const out = path.join(dir, "people.csv");
    const r = await saveData({ url: db.url, table: "people", out });
    expect(r).toMatchObject({ table: '"public"."people"', rows: 3000, columns: ["id", "name", "note", "score", "tags", "born"] });
    expect(readFileSync(out, "utf8").split("\n")[0]).toBe("id,name,note,score,tags,born");
    await db.client.query("CREATE TABLE people_restored (LIKE people)");
    const n = await copyFrom(db.client, "COPY people_restored FROM STDIN WITH (FORMAT csv, HEADER true)", createReadStream(out));
    expect(n).toBe(3000);
    const diff = await db.client.query("SELECT count(*)::int AS n FROM ((TABLE people EXCEPT ALL TABLE people_restored) UNION ALL (TABLE people_restored EXCEPT ALL TABLE people)) d");
    expect(diff.rows[0].n).toBe(0);
    const nulls = await db.client.query("SELECT note IS NULL AS n, name FROM people_restored WHERE id = 4");
    expect(nulls.rows[0]).toEqual({ n: true, name: "" });
  });

  it("saves just the key and a column (what DROP COLUMN would destroy), and only matching rows with --where", async () => {
    const out = path.join(dir, "people.note.csv");
    const r = await saveData({ url: db.url, table: "public.people", columns: ["id", "note"], where: "id <= 3", out });
    expect(r.rows).toBe(3);
    expect(readFileSync(out, "utf8")).toBe('id,note\n1,plain\n2,"has ""quotes"", commas"\n3,"two\nlines and a \\ backslash"\n');
    expect(r.restore).toContain("UPDATE \"public\".\"people\" t SET \"note\" = s.\"note\" FROM lockstep_saved s WHERE t.\"id\" = s.\"id\"");
  });

  it("refuses to overwrite, names a missing table or column", async () => {
    const out = path.join(dir, "exists.csv");
    await saveData({ url: db.url, table: "people", columns: ["id"], out });
    await expect(saveData({ url: db.url, table: "people", out })).rejects.toThrow(/already exists/);
    await expect(saveData({ url: db.url, table: "nope", out: path.join(dir, "n.csv") })).rejects.toThrow(/table nope does not exist/);
    await expect(saveData({ url: db.url, table: "people", columns: ["id", "ghost"], out: path.join(dir, "g.csv") })).rejects.toThrow(/has no column ghost/);
    expect(existsSync(path.join(dir, "n.csv"))).toBe(false);
  });

  it("a COPY error rejects with Postgres' message and leaves the client usable", async () => {
    const sink = new Writable({ write: (_c, _e, cb) => cb() });
    await expect(copyTo(db.client, "COPY (SELECT 1/0) TO STDOUT", sink)).rejects.toThrow(/division by zero/);
    expect((await db.client.query("SELECT 1 AS x")).rows[0].x).toBe(1);
  });

  it("CLI: lockstep save --db env:VAR writes the CSV, prints how to restore, never the password", async () => {
    const out = path.join(dir, "cli.csv");
    const r = await runLockstep(["save", "--db", "env:SAVE_URL", "--table", "people", "--columns", "id,name", "--out", out], { env: { SAVE_URL: db.url } });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/saved 3000 row\(s\) of "public"\."people" \(id, name\)/);
    expect(readFileSync(out, "utf8").split("\n").slice(0, 2)).toEqual(["id,name", "1,Ann"]);
    const again = await runLockstep(["save", "--db", "env:SAVE_URL", "--table", "people", "--out", out], { env: { SAVE_URL: db.url } });
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already exists/);
    const password = new URL(db.url).password;
    expect(again.stdout + again.stderr + r.stdout).not.toContain(password);
  });
});

describe("COPY FROM STDIN errors", () => {
  it("a bad row rejects with Postgres' message and the client stays usable", async () => {
    await db.client.query("CREATE TABLE IF NOT EXISTS nums (n int)");
    const { Readable } = await import("node:stream");
    await expect(copyFrom(db.client, "COPY nums FROM STDIN WITH (FORMAT csv)", Readable.from(["1\n2\nnot a number\n"]))).rejects.toThrow(/invalid input syntax for type integer/);
    expect((await db.client.query("SELECT count(*)::int AS n FROM nums")).rows[0].n).toBe(0);
  });
});
