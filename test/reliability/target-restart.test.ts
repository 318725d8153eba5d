import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { parseSpec } from "../../src/backfill/spec.js";
import { runBackfill } from "../../src/backfill/engine.js";
import { startEmbedded, tempDataDir, type EmbeddedServer } from "../../src/db/embedded.js";
import { createTestDatabase } from "../helpers/db.js";
import { createUsers, stateFor } from "../backfill/helpers.js";
import { LIMIT, Tally, scale } from "./harness.js";

/**
 * The target database restarted in the middle of a backfill (a second server owned by this
 * test, stopped and started again on the same data directory and port): the run reconnects
 * and finishes, or stops with a clear message and resumes from its checkpoint; every row is
 * changed exactly once either way.
 */
const dataDir = tempDataDir("lockstep-target-restart-");
let server: EmbeddedServer | undefined;

afterAll(async () => {
  await server?.stop();
  // the last start deletes its data directory on stop
  if (server) {
    server = await startEmbedded({ dataDir, port: server.port, ephemeral: true }).catch(() => undefined);
    await server?.stop();
  }
});

describe("target database restarted mid-backfill", () => {
  it("the run reconnects or stops clearly and resumes; every row changed exactly once", async () => {
    const tally = new Tally("faults: target restarted mid-backfill");
    server = await startEmbedded({ dataDir });
    const port = server.port;
    const url = server.url();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const rows = scale(2000, 20000);
    await createUsers(client, "people", rows);
    await client.end();
    const state = await stateFor(await createTestDatabase("restartstate"));
    const spec = parseSpec({ table: "people", set: "normalized_email = lower(email)", batch_size: 100 }, "test");

    let restarted = false;
    const first = await runBackfill({
      targetUrl: url,
      targetLabel: "restarting",
      state,
      pollMs: 20,
      spec,
      afterBatch: async (p) => {
        if (restarted || p.batches < 3) return;
        restarted = true;
        await server!.stop();
        server = await startEmbedded({ dataDir, port });
      },
    }).then(
      (r) => ({ ok: true as const, r }),
      (e: unknown) => ({ ok: false as const, e }),
    );
    tally.add("the server was restarted mid-run", restarted ? undefined : "never restarted");
    let message = "";
    if (first.ok) message = `${first.r.status}${first.r.reason ? `: ${first.r.reason}` : ""}`;
    else message = first.e instanceof Error ? first.e.message : String(first.e);
    tally.add("a clear outcome (done, or stopped with a reason)", first.ok && first.r.status === "done" ? undefined : /target database went away/.test(message) ? undefined : `unclear: ${message}`);
    // resume when it stopped: the same backfill picks up from its checkpoint
    const second = first.ok && first.r.status === "done" ? first.r : await runBackfill({ targetUrl: url, targetLabel: "restarting", state, pollMs: 20, spec, clearPause: true });
    tally.add("finished (after a resume if it stopped)", second.status === "done" && second.remaining === 0 ? undefined : `status ${second.status}, remaining ${second.remaining}`);
    const check = new pg.Client({ connectionString: url });
    await check.connect();
    const [c] = (await check.query<{ lost: number; doubled: number }>("SELECT count(*) FILTER (WHERE touches = 0)::int AS lost, count(*) FILTER (WHERE touches > 1)::int AS doubled FROM people")).rows;
    await check.end();
    tally.lost = c!.lost;
    tally.doubled = c!.doubled;
    tally.add("every row changed exactly once", c!.lost === 0 && c!.doubled === 0 ? undefined : `${c!.lost} lost, ${c!.doubled} doubled`);
    console.log(JSON.stringify({ fault: "target restarted mid-backfill", first_outcome: message.slice(0, 200), resumed: !(first.ok && first.r.status === "done") }));
    expect(tally.done()).toEqual([]);
  }, LIMIT);
});
