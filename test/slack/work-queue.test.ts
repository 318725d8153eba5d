import { describe, expect, it } from "vitest";
import { workQueue } from "../../src/slack/work-queue.js";

/** A job that records its start and finishes when told. */
function gatedJob(log: string[], name: string) {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  let started!: () => void;
  const running = new Promise<void>((resolve) => (started = resolve));
  const job = async () => {
    log.push(name);
    started();
    await done;
  };
  return { job, finish, running };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe("work queue", () => {
  it("runs at most `concurrency` jobs at once, in order, and idle() waits for all", async () => {
    const log: string[] = [];
    const q = workQueue(2, () => undefined);
    const jobs = ["a", "b", "c"].map((n) => gatedJob(log, n));
    jobs.forEach((j) => q.push(j.job));
    await Promise.all([jobs[0]!.running, jobs[1]!.running]);
    await turn();
    expect(log).toEqual(["a", "b"]);
    let idle = false;
    void q.idle().then(() => (idle = true));
    jobs[0]!.finish();
    await jobs[2]!.running;
    expect(log).toEqual(["a", "b", "c"]);
    jobs[1]!.finish();
    jobs[2]!.finish();
    await q.idle();
    expect(idle).toBe(true);
  });

  it("holds jobs back while acks are being answered, and starts them when the last is", async () => {
    const log: string[] = [];
    const q = workQueue(4, () => undefined, { maxHoldMs: 60_000, quietMs: 0 });
    q.ackStarted();
    q.ackStarted();
    const j = gatedJob(log, "report");
    q.push(j.job);
    await turn();
    await turn();
    expect(log).toEqual([]);
    q.ackFinished();
    await turn();
    await turn();
    expect(log).toEqual([]);
    q.ackFinished();
    await j.running;
    expect(log).toEqual(["report"]);
    j.finish();
    await q.idle();
  });

  it("waits for a quiet moment after the last ack", async () => {
    const log: string[] = [];
    const q = workQueue(1, () => undefined, { maxHoldMs: 60_000, quietMs: 60_000 });
    q.ackStarted();
    q.push(gatedJob(log, "report").job);
    q.ackFinished();
    await turn();
    await turn();
    expect(log).toEqual([]);
    // a shorter quiet period lets it go: the same queue shape, quietMs small
    const q2 = workQueue(1, () => undefined, { maxHoldMs: 60_000, quietMs: 5 });
    q2.ackStarted();
    const j = gatedJob(log, "soon");
    q2.push(j.job);
    q2.ackFinished();
    await j.running;
    expect(log).toEqual(["soon"]);
    j.finish();
    await q2.idle();
  });

  it("starts a held job after maxHoldMs even if acks never stop (no starvation)", async () => {
    const log: string[] = [];
    const q = workQueue(1, () => undefined, { maxHoldMs: 5 });
    q.ackStarted();
    const j = gatedJob(log, "report");
    q.push(j.job);
    await j.running;
    expect(log).toEqual(["report"]);
    j.finish();
    await q.idle();
  });

  it("a failing job is reported and does not stop the queue", async () => {
    const errors: unknown[] = [];
    const q = workQueue(1, (e) => errors.push(e));
    const ran: string[] = [];
    q.push(async () => {
      throw new Error("boom");
    });
    q.push(async () => {
      ran.push("next");
    });
    await q.idle();
    expect(errors).toMatchObject([{ message: "boom" }]);
    expect(ran).toEqual(["next"]);
  });
});
