/**
 * Calibrates the throughput constants of src/analyze/risk/estimate.ts on embedded Postgres 18.
 * Builds tables of a few sizes, times a table rewrite, an index build (plain and CONCURRENTLY),
 * a constraint validation and a full scan on each, fits `seconds = bytes / throughput` per
 * operation (bytes = pg_total_relation_size) and prints JSON with the fitted throughputs and the fit's error per size.
 *
 *   npx tsc -p . && node dist/bench/calibrate-risk.js [rows...]     (default 200000 1000000 3000000)
 */
import pg from "pg";
import { startEmbedded, tempDataDir } from "../src/db/embedded.js";

const OPERATIONS = {
  /** ALTER COLUMN TYPE with a conversion: new heap + every index rebuilt */
  rewrite: "ALTER TABLE t ALTER COLUMN v TYPE bigint",
  "index-build": "CREATE INDEX t_v_idx ON t (v)",
  "index-build-concurrently": "CREATE INDEX CONCURRENTLY t_v_cidx ON t (v)",
  /** VALIDATE CONSTRAINT: one full scan evaluating the check */
  validate: "ALTER TABLE t VALIDATE CONSTRAINT t_v_check",
  /** SET NOT NULL without a proving constraint: one full scan */
  "full-scan": "ALTER TABLE t ALTER COLUMN payload SET NOT NULL",
  /** one UPDATE of every row: new row versions + index entries (the unbatched backfill) */
  "update-all": "UPDATE t SET v = v + 1",
} as const;
type Operation = keyof typeof OPERATIONS;


interface Sample {
  rows: number;
  heapBytes: number;
  totalBytes: number;
  seconds: Record<Operation, number>;
}

async function main() {
  const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
  const rowCounts = sizes.length ? sizes : [200_000, 1_000_000, 3_000_000];
  const server = await startEmbedded({ dataDir: tempDataDir("lockstep-calibrate-"), ephemeral: true, settings: { fsync: "on" } });
  const client = new pg.Client({ connectionString: server.url() });
  await client.connect();
  const samples: Sample[] = [];
  try {
    for (const rows of rowCounts) samples.push(await measure(client, rows));
  } finally {
    await client.end();
    await server.stop();
  }
  const fits = Object.fromEntries(
    (Object.keys(OPERATIONS) as Operation[]).map((op) => [op, fit(samples, op)]),
  );
  console.log(JSON.stringify({ postgres: 18, settings: "defaults (maintenance_work_mem 64MB), fsync on", samples, fits }, null, 2));
}

async function measure(client: pg.Client, rows: number): Promise<Sample> {
  await client.query("DROP TABLE IF EXISTS t");
  await client.query("CREATE TABLE t (id bigint PRIMARY KEY, v int NOT NULL, payload text, created_at timestamptz NOT NULL DEFAULT now())");
  await client.query(
    `INSERT INTO t (id, v, payload) SELECT g, (random() * 1e9)::int, md5(g::text) || md5((g * 7)::text) FROM generate_series(1, $1) g`,
    [rows],
  );
  await client.query("ALTER TABLE t ADD CONSTRAINT t_v_check CHECK (v >= 0) NOT VALID");
  await client.query("VACUUM ANALYZE t");
  const size = await client.query<{ heap: string; total: string }>(
    "SELECT pg_table_size('t') AS heap, pg_total_relation_size('t') AS total",
  );
  const seconds = {} as Record<Operation, number>;
  for (const [op, sql] of Object.entries(OPERATIONS) as [Operation, string][]) {
    await client.query("CHECKPOINT");
    const start = process.hrtime.bigint();
    await client.query(sql);
    seconds[op] = Number(process.hrtime.bigint() - start) / 1e9;
  }
  return { rows, heapBytes: Number(size.rows[0]!.heap), totalBytes: Number(size.rows[0]!.total), seconds };
}

/**
 * Least squares through the origin: seconds = bytes / throughput, against pg_total_relation_size
 * (the `bytes` the schema snapshot carries), so the constants apply to it directly.
 */
function fit(samples: Sample[], op: Operation) {
  const bytes = (s: Sample) => s.totalBytes;
  const sxy = samples.reduce((a, s) => a + bytes(s) * s.seconds[op], 0);
  const sxx = samples.reduce((a, s) => a + bytes(s) ** 2, 0);
  const throughput = sxx / sxy; // bytes per second
  const errors = samples.map((s) => {
    const predicted = bytes(s) / throughput;
    return { rows: s.rows, measured: round(s.seconds[op]), predicted: round(predicted), error: round((predicted - s.seconds[op]) / s.seconds[op]) };
  });
  return {
    mbPerSecond: round(throughput / 1e6),
    maxRelativeError: Math.max(...errors.map((e) => Math.abs(e.error))),
    errors,
  };
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
