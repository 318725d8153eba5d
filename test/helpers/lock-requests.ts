import type pg from "pg";
import type { LockMode } from "../../src/analyze/types.js";
import { connect } from "../../src/db/connection.js";
import { lockTableMode } from "../../src/trace/lock-modes.js";

export interface LockRequest {
  relation: string;
  mode: LockMode;
}

/**
 * Postgres' own answer for statements that take their locks in several internal transactions
 * (CLUSTER or REINDEX of a partitioned table, DETACH ... CONCURRENTLY): every relation in
 * `relations` is held in `holdMode` by a session of its own; the statement runs, and each time it
 * waits on one of those sessions the relation and the mode it asked for are recorded and that
 * session lets go. A request is seen only if it conflicts with `holdMode`.
 */
export async function lockRequests(url: string, sql: string, relations: string[], holdMode: LockMode, deadlineMs = 60_000): Promise<LockRequest[]> {
  const holders = new Map<number, { client: pg.Client; relation: string }>();
  const runner = await connect(url, { applicationName: "lock-requests-runner" });
  const watcher = await connect(url, { applicationName: "lock-requests-watcher" });
  const seen: LockRequest[] = [];
  try {
    const oids = new Map<number, string>();
    for (const relation of relations) {
      const client = await connect(url, { applicationName: "lock-requests-holder" });
      await client.query("BEGIN");
      await client.query(`LOCK TABLE ONLY ${relation} IN ${lockTableMode(holdMode)} MODE`);
      const { rows } = await client.query<{ oid: number }>("SELECT $1::regclass::oid::int AS oid", [relation]);
      holders.set(pid(client), { client, relation });
      oids.set(rows[0]!.oid, relation);
    }
    let finished = false;
    const run = runner.query(sql).then(
      () => (finished = true),
      (e: Error) => {
        finished = true;
        throw e;
      },
    );
    run.catch(() => undefined);
    const deadline = Date.now() + deadlineMs;
    while (!finished) {
      if (Date.now() > deadline) throw new Error(`timed out running ${sql}`);
      const { rows } = await watcher.query<{ relation: number | null; mode: LockMode; blockers: number[] }>(
        "SELECT l.relation::int AS relation, l.mode, pg_blocking_pids(l.pid) AS blockers FROM pg_locks l WHERE l.pid = $1 AND NOT l.granted",
        [pid(runner)],
      );
      for (const r of rows) {
        const holder = r.blockers.map((b) => holders.get(b)).find(Boolean);
        if (!holder) continue;
        // a wait on a relation lock is a request; a wait for the holder's transaction (CONCURRENTLY) is not
        if (r.relation !== null && oids.has(r.relation)) seen.push({ relation: oids.get(r.relation)!, mode: r.mode });
        await holder.client.query("ROLLBACK");
        await holder.client.end();
        holders.delete(pid(holder.client));
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await run;
    return seen;
  } finally {
    for (const h of holders.values()) await h.client.end().catch(() => undefined);
    await runner.end().catch(() => undefined);
    await watcher.end().catch(() => undefined);
  }
}

function pid(c: pg.Client): number {
  return (c as unknown as { processID: number }).processID;
}
