import { describe, expect, it } from "vitest";
import { checkDrift, runDriftCheck, type DriftReport } from "../../src/apply/drift.js";
import { runApply } from "../../src/apply/run.js";
import { createLogger } from "../../src/log.js";
import { openStore } from "../../src/store/store.js";
import { createTestDatabase } from "../helpers/db.js";
import { testProject } from "./project.js";

const target = await createTestDatabase("drift");
const state = await createTestDatabase("drift_state");

describe("drift", () => {
  it("reports an edited deployed migration and a schema changed outside migrations, once per tick", async () => {
    const store = await openStore(state.url, { startQueue: false });
    try {
      const p = testProject(target.url);
      p.write("1_users.up.sql", "CREATE TABLE users (id int PRIMARY KEY, email text);\n");
      const outcome = await runApply(p.target(), { appliedBy: "U1", onEvent: () => undefined, statePool: store.pool });
      expect(outcome.status).toBe("applied");
      const deps = { pool: store.pool, loaded: p.loaded(), env: p.env, cwd: p.dir };

      const clean = await checkDrift(deps, "dev");
      expect(clean).toMatchObject({ editedMigrations: [], schemaChanges: [] });
      expect(clean.snapshotTakenAt).toBeDefined();

      p.write("1_users.up.sql", "CREATE TABLE users (id bigint PRIMARY KEY, email text);\n");
      await target.client.query("ALTER TABLE users ADD COLUMN is_admin boolean; CREATE INDEX users_email ON users (email)");
      const posted: DriftReport[] = [];
      const monitor = { ...deps, log: createLogger({ level: "silent" }), post: async (r: DriftReport) => void posted.push(r) };
      const report = await runDriftCheck(monitor, "dev");
      expect(report?.editedMigrations).toEqual(["1_users.up.sql"]);
      expect(report?.schemaChanges).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^public\.users: column is_admin boolean appeared$/),
          expect.stringMatching(/^public\.users: index CREATE INDEX users_email .* appeared$/),
        ]),
      );
      expect(posted).toHaveLength(1);
      // a second replica firing on the same tick does not check or post again
      expect(await runDriftCheck(monitor, "dev")).toBeUndefined();
      expect(posted).toHaveLength(1);
    } finally {
      await store.close();
    }
  });
});
