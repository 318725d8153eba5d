import { randomBytes } from "node:crypto";
import { readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import type { SchemaSnapshot } from "../analyze/types.js";
import { UserError } from "../errors.js";
import { connect, quoteIdent, readCatalog, withDatabase } from "./connection.js";
import { copySchema, type CopyReport } from "./copy-schema.js";
import { startEmbedded, tempDataDir, type EmbeddedServer } from "./embedded.js";
import { introspect } from "./introspect.js";
import { ScriptSyntaxError, positionIn, splitScript } from "./sql-script.js";

export { copySchema, type CopyReport } from "./copy-schema.js";

/**
 * Throwaway shadow databases: schema copies where statements may run for real (trace, rollback
 * verification, --schema replay). They live on `LOCKSTEP_SHADOW_ADMIN_URL` (a superuser URL) or
 * on an ephemeral embedded server started on first use.
 */
export interface Shadow {
  /** connection URL of the shadow database (holds the superuser password: never print it) */
  url: string;
  name: string;
  /** connected to the shadow database */
  client: pg.Client;
  /** what could not be copied or replayed into the shadow */
  notes: string[];
  drop(): Promise<void>;
}

let embedded: Promise<EmbeddedServer> | undefined;

/** The superuser URL of the server that hosts shadows. */
export async function shadowAdminUrl(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if (env.LOCKSTEP_SHADOW_ADMIN_URL) return env.LOCKSTEP_SHADOW_ADMIN_URL;
  embedded ??= startEmbedded({
    dataDir: tempDataDir("lockstep-shadow-"),
    ephemeral: true,
    // No autovacuum: it would take locks of its own while a trace watches what a statement waits for.
    settings: { autovacuum: "off", max_connections: "200" },
  });
  return (await embedded).url();
}

/** Stop the embedded shadow server if this process started one (commands call it when done). */
export async function closeShadowServer(): Promise<void> {
  const server = embedded;
  embedded = undefined;
  if (server) await (await server).stop();
}

const shadowName = () => `lockstep_shadow_${randomBytes(6).toString("hex")}`;

/**
 * Create an empty shadow database, optionally cloned from a template database on the same server.
 * `database`: an empty database already created on the admin server (spareShadows), used as is.
 */
export async function createShadow(opts: { template?: string; adminUrl?: string; database?: string } = {}): Promise<Shadow> {
  const adminUrl = opts.adminUrl || (await shadowAdminUrl());
  const name = opts.database ?? shadowName();
  if (!opts.database) {
    await withAdmin(adminUrl, (admin) =>
      admin.query(`CREATE DATABASE ${quoteIdent(name)}${opts.template ? ` TEMPLATE ${quoteIdent(opts.template)}` : ""}`),
    );
  }
  const url = withDatabase(adminUrl, name);
  const client = await connect(url, { applicationName: "lockstep-shadow" }).catch(async (e: unknown) => {
    await dropShadowDatabase(adminUrl, name).catch(() => undefined);
    throw e;
  });
  let dropped = false;
  return {
    url,
    name,
    client,
    notes: [],
    async drop() {
      if (dropped) return;
      dropped = true;
      await client.end().catch(() => undefined);
      await withAdmin(adminUrl, (admin) => admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`));
    },
  };
}

/** Drop a shadow database by name (a spare that was handed out but not used). */
export async function dropShadowDatabase(adminUrl: string, name: string): Promise<void> {
  await withAdmin(adminUrl, (admin) => admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`));
}

/** Empty shadow databases created ahead of need. */
export interface SpareShadows {
  /** a spare database's name (the taker uses it as createShadow's `database` and drops it), or undefined when none is ready */
  take(): string | undefined;
  /** the spares ready now, next first */
  ready(): readonly string[];
  /** drop the spares not taken; a creation still running is awaited and dropped too */
  close(): Promise<void>;
}

/**
 * Keep `size` empty databases ready on the shadow server at `adminUrl`, so that a shadow costs no
 * CREATE DATABASE (a few hundred ms) when a report needs one: each taken spare is replaced in the
 * background. A failed creation only means the next shadow is created when needed.
 */
export function spareShadows(adminUrl: string, size = 2): SpareShadows {
  const ready: string[] = [];
  let closed = false;
  let filling: Promise<void> | undefined;
  const fill = (): Promise<void> =>
    (filling ??= (async () => {
      let ok = true;
      try {
        await withAdmin(adminUrl, async (admin) => {
          while (!closed && ready.length < size) {
            const name = shadowName();
            await admin.query(`CREATE DATABASE ${quoteIdent(name)}`);
            ready.push(name);
          }
        });
      } catch {
        ok = false; // the next shadow is created when it is needed, the next take() tries again
      } finally {
        filling = undefined;
      }
      // taken while this run was finishing
      if (ok && !closed && ready.length < size) await fill();
    })());
  void fill();
  return {
    ready: () => ready,
    take() {
      const name = ready.shift();
      if (!closed) void fill();
      return name;
    },
    async close() {
      closed = true;
      await filling;
      const left = ready.splice(0);
      if (left.length === 0) return;
      for (const name of left) await dropShadowDatabase(adminUrl, name).catch(() => undefined);
    },
  };
}

async function withAdmin<T>(adminUrl: string, fn: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = await connect(adminUrl, { applicationName: "lockstep-shadow-admin" });
  try {
    return await fn(admin);
  } finally {
    await admin.end();
  }
}

/**
 * A shadow holding the schema of `url` (copied from its catalog, read-only) or of `schemaFile`
 * (replayed), or an empty one.
 */
export async function shadowFrom(opts: { url?: string; schemaFile?: string; adminUrl?: string; database?: string }): Promise<Shadow> {
  if (opts.url && opts.schemaFile) throw new UserError("usage", "give either --db or --schema, not both");
  const shadow = await createShadow({ adminUrl: opts.adminUrl, ...(opts.database ? { database: opts.database } : {}) });
  try {
    if (opts.url) {
      const report: CopyReport = await readCatalog(opts.url, "lockstep-schema-copy", (source) => copySchema(source, shadow.client));
      shadow.notes.push(...report.skipped.map((s) => `not copied to the shadow database: ${s}`));
    } else if (opts.schemaFile) {
      shadow.notes.push(...(await replaySchemaFile(shadow.client, opts.schemaFile)));
    }
    return shadow;
  } catch (e) {
    await shadow.drop();
    throw e;
  }
}

/** PINNED: replay a schema dump or earlier migrations on a shadow and read its catalog. */
export async function schemaFromSchemaFile(file: string): Promise<SchemaSnapshot> {
  // A server started just for this replay is stopped after it: a running server keeps the CLI alive.
  const startsServer = !embedded && !process.env.LOCKSTEP_SHADOW_ADMIN_URL;
  try {
    const shadow = await shadowFrom({ schemaFile: file });
    try {
      const snapshot = await introspect(shadow.client);
      return { ...snapshot, source: "replay", assumptions: [...snapshot.assumptions, ...shadow.notes] };
    } finally {
      await shadow.drop();
    }
  } finally {
    if (startsServer) await closeShadowServer();
  }
}

/** SQLSTATEs of statements about roles and privileges that a schema-only shadow can do without. */
const SKIPPABLE_NODES = new Set(["GrantStmt", "GrantRoleStmt", "AlterDefaultPrivilegesStmt", "AlterOwnerStmt", "CommentStmt", "SecLabelStmt"]);

/**
 * Run a schema file (or every .sql file of a directory, in name order, down files skipped) on
 * `client`. Statements that only fail for want of a role are skipped and noted (pg_dump files
 * carry OWNER TO and GRANT lines); any other error stops the replay with the file position.
 */
export async function replaySchemaFile(client: pg.ClientBase, file: string): Promise<string[]> {
  const notes: string[] = [];
  for (const f of schemaFiles(file)) {
    const text = readText(f);
    let statements;
    try {
      statements = await splitScript(text);
    } catch (e) {
      if (e instanceof ScriptSyntaxError) throw new UserError("schema-file", `${f}:${e.line}:${e.column}: ${e.message}`);
      throw e;
    }
    for (const s of statements) {
      if (s.node === "CopyStmt" || isOwnerChange(s.node, s.tree)) continue;
      try {
        await client.query(s.sql);
      } catch (e) {
        const err = e as { code?: string; message?: string; position?: string };
        if (err.code === "42704" && (SKIPPABLE_NODES.has(s.node) || /\brole\b/.test(err.message ?? ""))) {
          notes.push(`${path.basename(f)}:${s.line}: skipped (${err.message})`);
          continue;
        }
        const at = err.position ? positionIn(text, s.offset + Number(err.position) - 1) : { line: s.line, column: s.column };
        throw new UserError("schema-file", `${f}:${at.line}:${at.column}: ${err.message ?? String(e)}`, {
          hint: "the schema file is replayed statement by statement on an empty PostgreSQL 18 database",
        });
      }
    }
  }
  return notes;
}

/** ALTER ... OWNER TO: ownership means nothing on a shadow. */
function isOwnerChange(node: string, tree: Record<string, unknown>): boolean {
  if (node === "AlterOwnerStmt") return true;
  if (node !== "AlterTableStmt") return false;
  const cmds = ((tree.AlterTableStmt as { cmds?: Array<{ AlterTableCmd?: { subtype?: string } }> }).cmds ?? []);
  return cmds.length > 0 && cmds.every((c) => c.AlterTableCmd?.subtype === "AT_ChangeOwner");
}

function schemaFiles(file: string): string[] {
  let stat;
  try {
    stat = statSync(file);
  } catch {
    throw new UserError("not-found", `--schema: ${file} does not exist`);
  }
  if (!stat.isDirectory()) return [file];
  const files = readdirSync(file)
    .filter((f) => f.endsWith(".sql") && !/(^|[._])down\.sql$/.test(f))
    .sort((a, b) => a.localeCompare(b, undefined, { numeric: true }))
    .map((f) => path.join(file, f));
  if (files.length === 0) throw new UserError("not-found", `--schema: no .sql files in ${file}`);
  return files;
}

function readText(file: string): string {
  const buf = readFileSync(file);
  const text = buf.toString("utf8");
  if (text.includes("\uFFFD") && !Buffer.from(text, "utf8").equals(buf)) {
    throw new UserError("invalid-utf8", `--schema: ${file} is not valid UTF-8`);
  }
  return text;
}
