import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../helpers/cli.js";
import { until } from "../helpers/until.js";

const DEMO = path.join(REPO_ROOT, "dist/src/demo/main.js");
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

interface Demo {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number>;
  cwd: string;
}

/** `npm run demo` as a user runs it, in a fresh directory (its embedded server lives in ./.lockstep/pg). */
function startDemo(args: string[]): Demo {
  const cwd = mkdtempSync(path.join(os.tmpdir(), "lockstep-demo-"));
  dirs.push(cwd);
  const child = spawn(process.execPath, [DEMO, ...args], { cwd, env: { ...process.env, LOCKSTEP_CONFIG: "" }, stdio: ["ignore", "pipe", "pipe"] });
  let text = "";
  child.stdout!.on("data", (d: Buffer) => (text += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (text += d.toString()));
  const exited = new Promise<number>((resolve) => child.on("close", (code, signal) => resolve(code ?? (signal ? 128 : -1))));
  return { child, output: () => text, exited, cwd };
}

/** Postgres processes whose data directory is under `dir` (none may be left running). */
function postgresUnder(dir: string): string[] {
  return readdirSync("/proc").filter((pid) => {
    if (!/^\d+$/.test(pid)) return false;
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
      return cmdline.includes("postgres") && cmdline.includes(dir);
    } catch {
      return false;
    }
  });
}

describe("npm run demo", () => {
  it("tells the whole story on a busy table, measures the stalls, and with --keep leaves the database up until Ctrl-C", async () => {
    const demo = startDemo(["--users", "20000", "--keep"]);
    const url = await until(() => /LOCKSTEP_DEMO_URL='([^']+)'/.exec(demo.output())?.[1], "the --keep connection line", 170_000);
    const out = demo.output();
    for (let n = 1; n <= 7; n++) expect(out).toContain(`== ${n}/7`);
    // the simulated application makes users busy: the blocking index and the NOT NULL column read as risks
    expect(out).toMatch(/ShareLock on public\.users \([\d.]+ [kM]B, busy\) blocks writes/);
    expect(out).toMatch(/000003_add_role medium, 000004_index_users_email medium/);
    expect(out).toMatch(/3 errors and \d+ warnings/);
    expect(out).toContain("$ lockstep plan examples/migrations/000004_index_users_email.up.sql".replace("examples", path.relative(demo.cwd, path.join(REPO_ROOT, "examples"))));
    // numbered after the examples' last migration (000008), the NOT NULL plan's files after the index plan's
    expect(out).toMatch(/000009_index_users_email_index_idx_users_email\.up\.sql/);
    expect(out).toMatch(/000010_add_role_add_users_role_nullable\.up\.sql/);
    expect(out).toMatch(/applied 6 migration\(s\) to demo/);
    expect(out).toMatch(/backfill +done: 20,000 rows in \d+ batches/);
    expect(out).toMatch(/CREATE INDEX: writes stalled [\d.]+ m?s; CREATE INDEX CONCURRENTLY: longest stall [\d.]+ m?s/);
    expect(out).toMatch(/app +[\d,]+ queries answered, 0 failed/);
    expect(out).toContain("npx lockstep sandbox");
    expect(out).not.toMatch(/\n\s+at .*\.js:\d+/); // no stack trace

    // the printed URL works, and the demo's changes are there
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    const r = await c.query("SELECT count(*)::int AS n, count(normalized_email)::int AS filled FROM users");
    await c.end();
    expect(r.rows[0]).toEqual({ n: 20_000, filled: 20_000 });

    demo.child.kill("SIGINT");
    await demo.exited;
    await until(() => postgresUnder(demo.cwd).length === 0, "the demo's postgres to stop", 30_000);
  }, 240_000);

  it("Ctrl-C in the middle leaves nothing running", async () => {
    const demo = startDemo(["--users", "20000"]);
    await until(() => demo.output().includes("== 2/7"), "step 2", 120_000);
    demo.child.kill("SIGINT");
    await demo.exited;
    expect(demo.output()).toContain("demo interrupted");
    expect(demo.output()).not.toMatch(/^demo: |internal error/m); // the interruption is not reported as a failure
    await until(() => postgresUnder(demo.cwd).length === 0, "the demo's postgres to stop", 30_000);
  }, 180_000);

  it("a bad option is one line and exit code 2", async () => {
    const demo = startDemo(["--users", "lots"]);
    expect(await demo.exited).toBe(2);
    expect(demo.output()).toContain('demo: --users must be a whole number of at least 1000 (got "lots")');
    expect(demo.output()).not.toMatch(/\n\s+at /);
  });
});
