import { performance } from "node:perf_hooks";
import pg from "pg";

/**
 * A small simulated application on the demo target: a few connections looking users up, recording
 * logins (UPDATE users) and taking orders (INSERT orders), at a steady pace, for as long as the demo
 * runs. It makes the tables busy in pg_stat_user_tables, and it is the stopwatch of the live
 * comparison: `measureStall` runs a statement while extra writers update a table, and reports the
 * longest time in which none of their writes succeeded.
 */
export interface SimulatedApp {
  /** queries that succeeded and failed so far */
  counts(): { ok: number; failed: number };
  measureStall<T>(table: string, maxId: number, contender: () => Promise<T>): Promise<Stall<T>>;
  stop(): Promise<void>;
}

export interface Stall<T> {
  result: T;
  /** the contender's own duration */
  ms: number;
  /** the longest gap between successful writes to the table while the contender ran */
  longestStallMs: number;
  /** writes that succeeded while it ran */
  writes: number;
}

export const APP_NAME = "demo-app";
/** pause between one connection's queries (a steady load, not a benchmark) */
const PACE_MS = 5;
/** writers on the measured table: the stall is the time in which NONE of them got a write through */
const WATCH_WRITERS = 2;

export async function startSimulatedApp(url: string, opts: { users: number; connections?: number }): Promise<SimulatedApp> {
  const loops: Loop[] = [];
  const tally = { ok: 0, failed: 0 };
  const n = opts.connections ?? 3;
  for (let i = 0; i < n; i++) {
    const work = i % 3 === 2 ? takeOrder(opts.users) : i % 3 === 1 ? recordLogin("users", opts.users) : lookUp(opts.users);
    loops.push(await Loop.start(url, work, tally));
  }
  return {
    counts: () => ({ ...tally }),
    async measureStall<T>(table: string, maxId: number, contender: () => Promise<T>): Promise<Stall<T>> {
      const writers: Loop[] = [];
      for (let i = 0; i < WATCH_WRITERS; i++) writers.push(await Loop.start(url, recordLogin(table, maxId), tally));
      const done: number[] = [];
      for (const w of writers) w.onWrite = (at) => done.push(at);
      // a write completed before the start: the gap is measured from the contender's start
      await untilTrue(() => done.length >= WATCH_WRITERS, 10_000);
      const start = performance.now();
      let result: T;
      try {
        result = await contender();
      } catch (e) {
        await Promise.all(writers.map((w) => w.stop()));
        throw e;
      }
      const end = performance.now();
      try {
        // the writes the contender held back complete right after it: wait for the first of them
        await untilTrue(() => done.some((t) => t > end), 30_000);
      } finally {
        await Promise.all(writers.map((w) => w.stop()));
      }
      return { result, ms: end - start, longestStallMs: longestGap(done, start, end), writes: done.filter((t) => t >= start && t <= end).length };
    },
    async stop() {
      await Promise.all(loops.splice(0).map((l) => l.stop()));
    },
  };
}

/**
 * The longest time between `start` and the first write after `end` in which no write completed:
 * from `start` to the first completion, between completions, up to the first one after `end`.
 */
export function longestGap(completions: number[], start: number, end: number): number {
  let previous = start;
  let longest = 0;
  for (const t of [...completions].sort((x, y) => x - y)) {
    if (t <= start) continue;
    longest = Math.max(longest, t - previous);
    previous = t;
    if (t > end) return longest;
  }
  return Math.max(longest, end - previous);
}

type Work = (client: pg.Client) => Promise<"read" | "write">;

const randomId = (max: number) => 1 + Math.floor(Math.random() * max);

function lookUp(users: number): Work {
  return async (c) => {
    const id = randomId(users);
    await c.query("SELECT id, email, username FROM users WHERE id = $1", [id]);
    await c.query("SELECT count(*) FROM orders WHERE user_id = $1", [id]);
    return "read";
  };
}

function recordLogin(table: string, users: number): Work {
  const sql = `UPDATE ${table} SET last_seen_at = now() WHERE id = $1`;
  return async (c) => {
    await c.query(sql, [randomId(users)]);
    return "write";
  };
}

function takeOrder(users: number): Work {
  return async (c) => {
    await c.query("INSERT INTO orders (user_id, total_cents) VALUES ($1, $2)", [randomId(users), 100 + Math.floor(Math.random() * 9900)]);
    return "write";
  };
}

/** One connection doing one kind of work over and over until stopped; errors are counted, not thrown. */
class Loop {
  onWrite?: (at: number) => void;
  private stopping = false;
  private running: Promise<void> = Promise.resolve();

  private constructor(private readonly client: pg.Client, private readonly work: Work, private readonly tally: { ok: number; failed: number }) {}

  static async start(url: string, work: Work, tally: { ok: number; failed: number }): Promise<Loop> {
    const client = new pg.Client({ connectionString: url, application_name: APP_NAME, statement_timeout: 60_000 });
    // the server going away at the end (or on Ctrl-C) is not worth a stack trace
    client.on("error", () => undefined);
    await client.connect();
    const loop = new Loop(client, work, tally);
    loop.running = loop.run();
    return loop;
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      try {
        const kind = await this.work(this.client);
        this.tally.ok++;
        if (kind === "write") this.onWrite?.(performance.now());
      } catch {
        if (this.stopping) return;
        this.tally.failed++;
      }
      await new Promise((r) => setTimeout(r, PACE_MS));
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.running;
    await this.client.end().catch(() => undefined);
  }
}

async function untilTrue(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("the simulated application made no write in time");
    await new Promise((r) => setTimeout(r, 5));
  }
}
