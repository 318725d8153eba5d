/**
 * bench/backfill.ts: the same normalized_email backfill done three ways on identical tables:
 *   single_update: one UPDATE of the whole table (one transaction, every row locked until the end)
 *   lockstep_cli:  the whole `lockstep backfill --db ... --table users --set ...` process, start-up included
 *   lockstep:      runBackfill() in this process (keyset batches, adaptive size, checkpoints, final
 *                  verification); lockstep_s with the default single walker, lockstep_2_workers_s with --workers 2
 *   seed_loop:     the founding doc's DO-block loop (LIMIT ... FOR UPDATE SKIP LOCKED, COMMIT per batch)
 * Run: npx tsc -p . && node dist/bench/backfill.js [rows ...]   (default: 200000 2000000)
 * Prints a JSON array, one object per size. Its own embedded server, fsync on for every contender.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { runBackfill } from "../src/backfill/engine.js";
import { loadParser } from "../src/backfill/expressions.js";
import { parseSpec } from "../src/backfill/spec.js";
import { startEmbedded, tempDataDir } from "../src/db/embedded.js";
import { ensureDatabase } from "../src/store/state-db.js";
import { openStore } from "../src/store/store.js";
import { machine, run as runProcess } from "./harness.js";

const SEED_BATCH = 10_000;
const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../src/main.js");
const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);

async function main() {
  // Process start-up, not per backfill (the single UPDATE's connection is open before its clock
  // starts too): the expression parser's WebAssembly is loaded before any contender is timed.
  await loadParser();
  const server = await startEmbedded({
    dataDir: tempDataDir("lockstep-bench-"),
    ephemeral: true,
    settings: { fsync: "on", max_wal_size: "4GB", shared_buffers: "256MB" },
  });
  try {
    await ensureDatabase(server.url(), "bench");
    await ensureDatabase(server.url(), "state");
    const url = server.url("bench");
    const store = await openStore(server.url("state"), { startQueue: false });
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    const results = [];
    for (const rows of sizes.length ? sizes : [200_000, 2_000_000]) {
      await db.query(`DROP TABLE IF EXISTS src; CREATE UNLOGGED TABLE src AS
        SELECT g::bigint AS id, 'User.' || g || '@Example.COM' AS email FROM generate_series(1, ${rows}) g`);
      const fresh = async () => {
        await db.query(`DROP TABLE IF EXISTS users;
          CREATE TABLE users (id bigint PRIMARY KEY, email text, normalized_email text);
          INSERT INTO users (id, email) SELECT id, email FROM src;`);
        await db.query("VACUUM ANALYZE users");
        await db.query("CHECKPOINT");
      };
      const timed = async (fn: () => Promise<unknown>) => {
        await fresh();
        const t0 = performance.now();
        const out = await fn();
        const s = (performance.now() - t0) / 1000;
        const wrong = await db.query("SELECT count(*)::int AS n FROM users WHERE normalized_email IS DISTINCT FROM lower(email)");
        if (wrong.rows[0].n !== 0) throw new Error(`a contender left ${wrong.rows[0].n} rows undone`);
        return { s, out };
      };

      const single = await timed(() => db.query("UPDATE users SET normalized_email = lower(email)"));
      const lockstepRun = (workers: number) =>
        timed(() =>
          runBackfill({
            spec: parseSpec({ table: "users", set: "normalized_email = lower(email)", target_batch_ms: 200, workers }, "bench"),
            targetUrl: url,
            targetLabel: `bench-${rows}-${workers}-${Date.now()}`,
            state: store.pool,
          }),
        );
      // the whole `lockstep backfill` process, start-up included, as a user runs it
      const cliRun = () =>
        timed(async () => {
          const r = await runProcess(process.execPath, [CLI, "backfill", "--db", url, "--table", "users", "--set", "normalized_email = lower(email)", "--target-batch-ms", "200", "--format", "json"], {
            env: { ...process.env, DATABASE_URL: server.url("state"), LOCKSTEP_CONFIG: "", LOCKSTEP_LOG_LEVEL: "error" },
          });
          if (r.code !== 0) throw new Error(`lockstep backfill: exit ${r.code}\n${r.stderr}`);
          return JSON.parse(r.stdout.trim().split("\n").at(-1)!) as { max_batch_ms?: number; batches?: number; status?: string };
        });
      const cli = await cliRun();
      const lockstep = await lockstepRun(1);
      const parallel = await lockstepRun(2);
      const seed = await timed(() =>
        db.query(`DO $$
          BEGIN
            LOOP
              UPDATE users SET normalized_email = lower(email)
               WHERE id IN (SELECT id FROM users WHERE normalized_email IS NULL LIMIT ${SEED_BATCH} FOR UPDATE SKIP LOCKED);
              EXIT WHEN NOT FOUND;
              COMMIT;
            END LOOP;
          END $$`),
      );
      const run = lockstep.out as Awaited<ReturnType<typeof runBackfill>>;
      const parallelRun = parallel.out as Awaited<ReturnType<typeof runBackfill>>;
      const result = {
        rows,
        single_update_s: round(single.s),
        lockstep_s: round(lockstep.s),
        seed_loop_s: round(seed.s),
        lockstep_vs_single: round(lockstep.s / single.s),
        lockstep_cli_s: round(cli.s),
        lockstep_cli_vs_single: round(cli.s / single.s),
        // throughput (rows/s) relative to the single UPDATE's: >= 1 is as fast or faster
        lockstep_cli_throughput_vs_single: round(single.s / cli.s),
        lockstep_cli_max_batch_ms: (cli.out as { max_batch_ms?: number }).max_batch_ms,
        max_batch_ms: run.max_batch_ms,
        lockstep_batches: run.batches,
        lockstep_status: run.status,
        lockstep_2_workers_s: round(parallel.s),
        lockstep_2_workers_vs_single: round(parallel.s / single.s),
        lockstep_2_workers_max_batch_ms: parallelRun.max_batch_ms,
        seed_loop_batch: SEED_BATCH,
      };
      results.push({ ...result, machine: machine() });
      process.stderr.write(`${JSON.stringify(result)}\n`);
    }
    await db.end();
    await store.close();
    process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  } finally {
    await server.stop();
  }
}

const round = (n: number) => Math.round(n * 1000) / 1000;

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exitCode = 1;
});
