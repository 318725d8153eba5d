import type pg from "pg";

/** What runs a query: a pg.Client, or a SerialClient around one. */
export interface QueryRunner {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(query: pg.QueryConfig | pg.QueryArrayConfig | string, values?: unknown[]): Promise<pg.QueryResult<R>>;
}

/**
 * A connection shared by concurrent tasks: their queries run one after another. node-pg queues
 * them itself only with a deprecation warning (on stderr), and not at all from pg@9.
 */
export class SerialClient implements QueryRunner {
  private tail: Promise<unknown> = Promise.resolve();

  constructor(readonly client: pg.ClientBase) {}

  query<R extends pg.QueryResultRow = pg.QueryResultRow>(query: pg.QueryConfig | pg.QueryArrayConfig | string, values?: unknown[]): Promise<pg.QueryResult<R>> {
    const run = this.tail.then(() => this.client.query<R>(query as pg.QueryConfig, values));
    this.tail = run.catch(() => undefined);
    return run;
  }
}
