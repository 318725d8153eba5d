import { describe, expect, it } from "vitest";
import { createTestDatabase } from "../helpers/db.js";

// isolation-a and isolation-b create the same table; they pass only if each file has its own database.
const db = await createTestDatabase();

describe("per-file test database (a)", () => {
  it("sees only its own tables", async () => {
    await db.client.query("CREATE TABLE isolation_probe (who text)");
    await db.client.query("INSERT INTO isolation_probe VALUES ('a')");
    const r = await db.client.query("SELECT who FROM isolation_probe");
    expect(r.rows).toEqual([{ who: "a" }]);
  });
});
