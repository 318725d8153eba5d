import pg from "pg";
import { beforeAll, describe, expect, it } from "vitest";
import { adminUrl } from "../helpers/db.js";
import { startTestBot, type TestBot } from "../helpers/slack-bot.js";
import { until } from "../helpers/until.js";

let bot: TestBot;

beforeAll(async () => {
  bot = await startTestBot({ config: (migrations) => `targets:\n  prod:\n    url_env: PROD_URL\n    migrations: ${migrations}\n    channels: [C1]\n` });
});

const health = async () => {
  const res = await fetch(`${bot.baseUrl}/healthz`);
  return { status: res.status, body: (await res.json()) as { ok: boolean; reason?: string } };
};

/** Run SQL on the server's maintenance database. */
async function asAdmin(sql: string, params: unknown[] = []): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  try {
    await admin.query(sql, params);
  } finally {
    await admin.end();
  }
}

describe("GET /healthz", () => {
  it("answers 200 while the bot can serve, 503 with a reason while its state database is unreachable, 200 again after", async () => {
    expect(await health()).toEqual({ status: 200, body: { ok: true } });

    const own = (await bot.state.client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]!.pid;
    await asAdmin(`ALTER DATABASE ${bot.state.name} ALLOW_CONNECTIONS false`);
    try {
      await asAdmin("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> $2", [bot.state.name, own]);
      const down = await until(async () => {
        const h = await health();
        return h.status === 503 ? h : undefined;
      }, "an unhealthy answer");
      expect(down.body.ok).toBe(false);
      expect(down.body.reason).toMatch(/state database is unreachable/);
    } finally {
      await asAdmin(`ALTER DATABASE ${bot.state.name} ALLOW_CONNECTIONS true`);
    }
    await until(async () => (await health()).status === 200, "the bot to be healthy again");
  });

  it("answers 503 once the job queue (the apply and backfill workers) stopped", async () => {
    await bot.running.store.boss.stop({ graceful: false, wait: true });
    const h = await until(async () => {
      const r = await health();
      return r.status === 503 ? r : undefined;
    }, "an unhealthy answer");
    expect(h.body.reason).toMatch(/job queue stopped/);
  });
});
