import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { startEmbedded, tempDataDir, type EmbeddedServer } from "../../src/db/embedded.js";
import { REPO_ROOT } from "../helpers/cli.js";

const dataDir = tempDataDir("lockstep-embedded-test-");
const started: EmbeddedServer[] = [];
afterAll(async () => {
  for (const s of started) await s.stop();
});

async function selectOne(url: string): Promise<number> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const r = await c.query<{ n: number }>("SELECT 1 AS n");
  await c.end();
  return r.rows[0]!.n;
}

/** Start a server on dataDir in a child process and return the postmaster's pid. */
async function startInChild(): Promise<number> {
  const script = `
    import { startEmbedded } from ${JSON.stringify(path.join(REPO_ROOT, "dist/src/db/embedded.js"))};
    await startEmbedded({ dataDir: ${JSON.stringify(dataDir)}, settings: { shared_preload_libraries: "pg_stat_statements" } });
    process.stdout.write("ready\\n");
    setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on("data", (d: Buffer) => d.toString().includes("ready") && resolve());
    child.on("exit", (code) => reject(new Error(`child exited ${code}`)));
  });
  const postmasterPid = Number(readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
  child.kill("SIGKILL"); // the Lockstep process dies without stopping its server
  await new Promise((r) => child.once("exit", r));
  return postmasterPid;
}

describe("embedded Postgres", () => {
  it("starts real PG 18 with extra server settings", async () => {
    const pid = await startInChild();
    expect(pid).toBeGreaterThan(0);
    // The orphaned server from the killed run still holds the data directory.
    const server = await startEmbedded({ dataDir, settings: { shared_preload_libraries: "pg_stat_statements" } });
    started.push(server);
    const c = new pg.Client({ connectionString: server.url() });
    await c.connect();
    const v = await c.query<{ v: string; libs: string }>(
      "SELECT current_setting('server_version_num') AS v, current_setting('shared_preload_libraries') AS libs",
    );
    await c.end();
    expect(Number(v.rows[0]!.v)).toBeGreaterThanOrEqual(180000);
    expect(v.rows[0]!.libs).toBe("pg_stat_statements");
    await server.stop();
    started.pop();
  });

  it("recovers from a stale postmaster.pid after the server was killed with -9", async () => {
    const pid = await startInChild();
    process.kill(pid, "SIGKILL");
    expect(existsSync(path.join(dataDir, "postmaster.pid"))).toBe(true);
    const server = await startEmbedded({ dataDir });
    started.push(server);
    expect(await selectOne(server.url())).toBe(1);
    await server.stop();
    started.pop();
  });

  it("recovers when the stale pid file names a live process that is not Postgres", async () => {
    const pidFile = path.join(dataDir, "postmaster.pid");
    writeFileSync(pidFile, `${process.pid}\n${dataDir}\n0\n5432\n\n127.0.0.1\n0 0\nready\n`);
    const server = await startEmbedded({ dataDir });
    started.push(server);
    expect(await selectOne(server.url())).toBe(1);
  });
});
