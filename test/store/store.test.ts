import { spawn } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { storeMigrations } from "../../src/store/migrations.js";
import { openStore } from "../../src/store/store.js";
import { REPO_ROOT } from "../helpers/cli.js";
import { createTestDatabase } from "../helpers/db.js";

const db = await createTestDatabase();

function openStoreInChild(url: string): Promise<{ code: number; out: string }> {
  const script = `
    import { openStore } from ${JSON.stringify(path.join(REPO_ROOT, "dist/src/store/store.js"))};
    const store = await openStore(process.env.STATE_URL);
    await store.close();
    process.stdout.write("opened\\n");`;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
      env: { ...process.env, STATE_URL: url },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    child.on("close", (code) => resolve({ code: code ?? -1, out }));
  });
}

describe("state store", () => {
  it("applies its migrations once when two processes start at once", async () => {
    const results = await Promise.all([openStoreInChild(db.url), openStoreInChild(db.url), openStoreInChild(db.url)]);
    for (const r of results) {
      expect(r.out).toContain("opened");
      expect(r.code).toBe(0);
    }
    const rows = await db.client.query("SELECT version, count(*)::int AS n FROM lockstep_state.schema_migrations GROUP BY version ORDER BY version");
    expect(rows.rows).toEqual(storeMigrations.map((m) => ({ version: m.version, n: 1 })));
  });

  it("runs durable jobs through pg-boss on the same database", async () => {
    const store = await openStore(db.url);
    try {
      await store.boss.createQueue("store-test");
      const id = await store.boss.send("store-test", { hello: "world" });
      const [job] = await store.boss.fetch<{ hello: string }>("store-test");
      expect(job?.id).toBe(id);
      expect(job?.data).toEqual({ hello: "world" });
      await store.boss.complete("store-test", job!.id);
      const done = await store.boss.getJobById("store-test", id!);
      expect(done?.state).toBe("completed");
    } finally {
      await store.close();
    }
  });
});
