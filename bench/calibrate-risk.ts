/**
 * Calibrates the throughput constants of src/analyze/risk/estimate.ts on embedded Postgres 18.
 * Builds tables of a few sizes and times, on each, a table rewrite, an index build (plain and
 * CONCURRENTLY), a constraint validation, a full scan and a whole-table UPDATE (median of
 * `--reps` runs; the state is reset between runs, untimed). Throughput per operation is the
 * median over sizes of bytes/seconds, with bytes = pg_total_relation_size (what the schema
 * snapshot carries); the JSON shows each size's prediction error against that constant.
 *
 *   npx tsc -p . && node dist/bench/calibrate-risk.js [--reps 3] [rows...]   (default 200000 1000000 3000000)
 */
import pg from "pg";
import { startEmbedded, tempDataDir } from "../src/db/embedded.js";

interface Operation {
  /** untimed: puts the table in the state the operation expects */
  setup?: string[];
  sql: string;
  /** skip above this many rows (slow operations) */
  maxRows?: number;
}

const OPERATIONS: Record<string, Operation> = {
  /** new storage for the heap and every index */
  rewrite: { sql: "VACUUM FULL t" },
  "index-build": { setup: ["DROP INDEX IF EXISTS t_v_idx"], sql: "CREATE INDEX t_v_idx ON t (v)" },
  "index-build-concurrently": { setup: ["DROP INDEX IF EXISTS t_v_idx"], sql: "CREATE INDEX CONCURRENTLY t_v_idx ON t (v)" },
  /** VALIDATE CONSTRAINT: one full scan evaluating the check */
  validate: { setup: ["ALTER TABLE t DROP CONSTRAINT IF EXISTS t_v_check", "ALTER TABLE t ADD CONSTRAINT t_v_check CHECK (v >= 0) NOT VALID"], sql: "ALTER TABLE t VALIDATE CONSTRAINT t_v_check" },
  /** SET NOT NULL without a proving constraint: one full scan */
  scan: { setup: ["ALTER TABLE t ALTER COLUMN payload DROP NOT NULL"], sql: "ALTER TABLE t ALTER COLUMN payload SET NOT NULL" },
  /** one UPDATE of every row (the unbatched backfill); VACUUM FULL first so bloat does not add up */
  "update-all": { setup: ["VACUUM FULL t"], sql: "UPDATE t SET v = v + 1", maxRows: 3_000_000 },
};

interface Sample {
  rows: number;
  bytes: number;
  seconds: Record<string, number>;
}

async function main() {
  const args = process.argv.slice(2);
  const repsAt = args.indexOf("--reps");
  const reps = repsAt >= 0 ? Number(args.splice(repsAt, 2)[1]) : 3;
  const sizes = args.map(Number).filter((n) => n > 0);
  const rowCounts = sizes.length ? sizes : [200_000, 1_000_000, 3_000_000];
  const server = await startEmbedded({ dataDir: tempDataDir("lockstep-calibrate-"), ephemeral: true, settings: { fsync: "on" } });
  const client = new pg.Client({ connectionString: server.url() });
  await client.connect();
  const samples: Sample[] = [];
  try {
    for (const rows of rowCounts) samples.push(await measure(client, rows, reps));
  } finally {
    await client.end();
    await server.stop();
  }
  const fits = Object.fromEntries(Object.keys(OPERATIONS).map((op) => [op, fit(samples, op)]));
  console.log(JSON.stringify({ postgres: 18, settings: "defaults (shared_buffers 128MB, maintenance_work_mem 64MB), fsync on", reps, samples, fits }, null, 2));
}

async function measure(client: pg.Client, rows: number, reps: number): Promise<Sample> {
  await client.query("DROP TABLE IF EXISTS t");
  await client.query("CREATE TABLE t (id bigint PRIMARY KEY, v int NOT NULL, payload text, created_at timestamptz NOT NULL DEFAULT now())");
  await client.query(`INSERT INTO t (id, v, payload) SELECT g, (random() * 1e9)::int, md5(g::text) || md5((g * 7)::text) FROM generate_series(1, $1) g`, [rows]);
  await client.query("VACUUM ANALYZE t");
  const size = await client.query<{ total: string }>("SELECT pg_total_relation_size('t') AS total");
  const seconds: Record<string, number> = {};
  for (const [name, op] of Object.entries(OPERATIONS)) {
    if (op.maxRows && rows > op.maxRows) continue;
    const runs: number[] = [];
    for (let i = 0; i < (op.maxRows ? 1 : reps); i++) {
      for (const s of op.setup ?? []) await client.query(s);
      await client.query("CHECKPOINT");
      const start = process.hrtime.bigint();
      await client.query(op.sql);
      runs.push(Number(process.hrtime.bigint() - start) / 1e9);
    }
    seconds[name] = median(runs);
  }
  await client.query("DROP INDEX IF EXISTS t_v_idx");
  return { rows, bytes: Number(size.rows[0]!.total), seconds };
}

/** throughput = the median over sizes of bytes / seconds; error = (predicted - measured) / measured */
function fit(samples: Sample[], op: string) {
  const measured = samples.filter((s) => s.seconds[op] !== undefined);
  const throughput = median(measured.map((s) => s.bytes / s.seconds[op]!));
  const errors = measured.map((s) => {
    const predicted = s.bytes / throughput;
    return { rows: s.rows, measured: round(s.seconds[op]!), predicted: round(predicted), error: round((predicted - s.seconds[op]!) / s.seconds[op]!) };
  });
  return { mbPerSecond: round(throughput / 1e6), maxRelativeError: Math.max(...errors.map((e) => Math.abs(e.error))), errors };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
