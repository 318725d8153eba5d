import pg from "pg";
import { defaultDataDir, startEmbedded, type EmbeddedServer } from "../db/embedded.js";
import { connectionError, quoteIdent } from "../db/connection.js";
import type { Config } from "../config.js";

export interface StateDatabase {
  url: string;
  /** Present when Lockstep started its own embedded server for the state. */
  server?: EmbeddedServer;
  close(): Promise<void>;
}

export const STATE_DATABASE_NAME = "lockstep";

/** The bot's own state: DATABASE_URL when set, else the embedded server in state.data_dir. */
export async function openStateDatabase(config: Config, env: NodeJS.ProcessEnv = process.env): Promise<StateDatabase> {
  if (env.DATABASE_URL) return { url: env.DATABASE_URL, close: async () => undefined };
  const server = await startEmbedded({ dataDir: defaultDataDir(config.state.data_dir) });
  await ensureDatabase(server.url(), STATE_DATABASE_NAME);
  return { url: server.url(STATE_DATABASE_NAME), server, close: () => server.stop() };
}

/** CREATE DATABASE unless it exists (two starters racing is fine: the loser sees 42P04). */
export async function ensureDatabase(adminUrl: string, name: string, template?: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  try {
    await client.connect();
  } catch (e) {
    throw connectionError(adminUrl, e);
  }
  try {
    const exists = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    if (exists.rowCount === 0) {
      await client
        .query(`CREATE DATABASE ${quoteIdent(name)}${template ? ` TEMPLATE ${quoteIdent(template)}` : ""}`)
        .catch((e: { code?: string }) => {
          if (e.code !== "42P04") throw e;
        });
    }
  } finally {
    await client.end();
  }
}
