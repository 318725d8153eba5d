import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase } from "../helpers/db.js";
import { FakeSlack } from "../helpers/fake-slack.js";
import { startServe } from "../helpers/serve-process.js";

let fake: FakeSlack;
beforeAll(async () => {
  fake = await new FakeSlack().start();
});
afterAll(() => fake.stop());

const slackEnv = () => ({ SLACK_BOT_TOKEN: "xoxb-replica", SLACK_SIGNING_SECRET: "s", SLACK_API_URL: fake.apiUrl });

describe("two bot replicas on one state database", () => {
  it("started together on a fresh state database, both come up healthy (several rounds)", async () => {
    // unserialised, about half of such pairs deadlocked creating pg-boss queues
    for (let round = 0; round < 5; round++) {
      const state = await createTestDatabase("fresh");
      const replicas = [startServe({ ...slackEnv(), DATABASE_URL: state.url }), startServe({ ...slackEnv(), DATABASE_URL: state.url })];
      try {
        await Promise.all(replicas.map((r) => r.port()));
        for (const r of replicas) expect(await r.health()).toEqual({ status: 200, body: '{"ok":true}' });
      } finally {
        await Promise.all(replicas.map((r) => r.stop()));
      }
      for (const r of replicas) expect(r.stderr()).not.toMatch(/deadlock|error/i);
    }
  }, 180_000);
});
