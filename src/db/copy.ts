import type { Readable, Writable } from "node:stream";
import type pg from "pg";

/**
 * COPY over the wire protocol with pg's own client: a Submittable (what `client.query()` accepts
 * besides text) that sends the COPY statement and handles the CopyOut / CopyIn messages itself.
 * No extra dependency; backpressure via the socket (paused while `out` is full).
 */

interface Connection {
  query(text: string): void;
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
  sendCopyFail(message: string): void;
  stream: { pause(): void; resume(): void };
}

abstract class CopySubmittable {
  protected error: Error | undefined;
  protected rows = 0;
  private settle!: { resolve: (rows: number) => void; reject: (e: Error) => void };
  readonly done: Promise<number>;
  // pg calls `callback` when it rejects a query before submitting it (e.g. client not connected)
  callback?: (err: Error | null) => void;

  constructor(protected readonly text: string) {
    this.done = new Promise((resolve, reject) => (this.settle = { resolve, reject }));
    this.done.catch(() => undefined);
  }

  submit(connection: Connection): void {
    connection.query(this.text);
  }

  handleCommandComplete(msg: { text?: string }): void {
    const m = /^COPY (\d+)/.exec(msg.text ?? "");
    if (m) this.rows = Number(m[1]);
  }

  /** An ErrorResponse ends the query for pg's client (it routes the next ReadyForQuery elsewhere). */
  handleError(err: Error): void {
    if (this.error) return;
    this.error = err;
    this.onError();
    this.settle.reject(err);
    this.callback?.(err);
  }

  handleReadyForQuery(): void {
    if (this.error) return;
    this.settle.resolve(this.rows);
    this.callback?.(null);
  }

  protected onError(): void {}

  // messages a COPY never gets, but the client may route here
  handleRowDescription(): void {}
  handleDataRow(): void {}
  handleEmptyQuery(): void {}
  handlePortalSuspended(): void {}
  handleCopyData(_msg: { chunk: Buffer }, _c: Connection): void {}
  handleCopyInResponse(_c: Connection): void {}
}

class CopyOut extends CopySubmittable {
  constructor(text: string, private readonly out: Writable) {
    super(text);
  }
  private paused = false;
  override handleCopyData(msg: { chunk: Buffer }, connection: Connection): void {
    // messages already read from the socket keep arriving after pause(): one drain listener is enough
    if (!this.out.write(msg.chunk) && !this.paused) {
      this.paused = true;
      connection.stream.pause();
      this.out.once("drain", () => {
        this.paused = false;
        connection.stream.resume();
      });
    }
  }
  override handleCopyInResponse(connection: Connection): void {
    connection.sendCopyFail("lockstep: expected COPY ... TO STDOUT");
  }
}

class CopyIn extends CopySubmittable {
  constructor(text: string, private readonly input: Readable) {
    super(text);
  }
  override handleCopyInResponse(connection: Connection): void {
    this.input.on("data", (chunk: Buffer | string) => connection.sendCopyFromChunk(typeof chunk === "string" ? Buffer.from(chunk) : chunk));
    this.input.on("end", () => connection.endCopyFrom());
    this.input.on("error", (e: Error) => connection.sendCopyFail(e.message));
  }
  protected override onError(): void {
    this.input.removeAllListeners("data");
    this.input.removeAllListeners("end");
    this.input.pause();
  }
}

/** Run `COPY ... TO STDOUT`, writing the data to `out`. Resolves with the row count. */
export async function copyTo(client: pg.ClientBase, copySql: string, out: Writable): Promise<number> {
  const q = new CopyOut(copySql, out);
  client.query(q as unknown as pg.QueryConfig);
  return q.done;
}

/** Run `COPY ... FROM STDIN`, reading the data from `input`. Resolves with the row count. */
export async function copyFrom(client: pg.ClientBase, copySql: string, input: Readable): Promise<number> {
  const q = new CopyIn(copySql, input);
  client.query(q as unknown as pg.QueryConfig);
  return q.done;
}
