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
  /**
   * Hand the shadow to a login role of its own, without superuser, and reconnect `client` (and
   * `url`) as that role: statements from users (pasted in Slack, from a migration) then run
   * with no way to the server's files or programs (COPY ... PROGRAM, pg_read_file, untrusted
   * languages, ALTER SYSTEM), while they may still change every object of the copied schema.
   */
  restrict(): Promise<void>;
  drop(): Promise<void>;
}

/**
 * Every object of the copied schema, given to `role` (ownership is what lets a statement alter
 * or drop it). Objects an extension owns, and any the owner cannot change, stay as they are.
 */
const GIVE_TO_ROLE = `
DO $give$
DECLARE
  r record;
  role text := current_setting('lockstep.shadow_role');
BEGIN
  FOR r IN SELECT format('ALTER SCHEMA %I OWNER TO %I', n.nspname, role) AS sql
             FROM pg_namespace n
            WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_(toast|temp)'
              AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_namespace'::regclass AND d.objid = n.oid AND d.deptype = 'e')
           UNION ALL
           SELECT format('ALTER %s %s OWNER TO %I',
                         CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'f' THEN 'FOREIGN TABLE' WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END,
                         c.oid::regclass, role)
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
              AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_(toast|temp)'
              AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('e', 'a', 'i'))
           UNION ALL
           SELECT format('ALTER %s %s OWNER TO %I', CASE p.prokind WHEN 'a' THEN 'AGGREGATE' WHEN 'p' THEN 'PROCEDURE' ELSE 'FUNCTION' END, p.oid::regprocedure, role)
             FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_(toast|temp)'
              AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
           UNION ALL
           SELECT format('ALTER %s %s OWNER TO %I', CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END, t.oid::regtype, role)
             FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
            WHERE (t.typtype IN ('e', 'd', 'r') OR (t.typtype = 'c' AND (SELECT c.relkind FROM pg_class c WHERE c.oid = t.typrelid) = 'c'))
              AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_(toast|temp)'
              AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e')
  LOOP
    BEGIN
      EXECUTE r.sql;
    EXCEPTION WHEN OTHERS THEN
      NULL;
    END;
  END LOOP;
END
$give$`;

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
  let role: string | undefined;
  const client = await connect(url, { applicationName: "lockstep-shadow" }).catch(async (e: unknown) => {
    await dropShadowDatabase(adminUrl, name).catch(() => undefined);
    throw e;
  });
  let dropped = false;
  const shadow: Shadow = {
    url,
    name,
    client,
    notes: [],
    async restrict() {
      if (role) return;
      role = name;
      const password = randomBytes(24).toString("hex");
      await withAdmin(adminUrl, async (admin) => {
        await admin.query(`CREATE ROLE ${quoteIdent(role!)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD '${password}'`);
        await admin.query(`ALTER DATABASE ${quoteIdent(name)} OWNER TO ${quoteIdent(role!)}`);
      });
      await shadow.client.query("SELECT set_config('lockstep.shadow_role', $1, false)", [role]);
      await shadow.client.query(GIVE_TO_ROLE);
      const restricted = new URL(url);
      restricted.username = role;
      restricted.password = password;
      const client = await connect(restricted.toString(), { applicationName: "lockstep-shadow" });
      await shadow.client.end().catch(() => undefined);
      shadow.client = client;
      shadow.url = restricted.toString();
    },
    async drop() {
      if (dropped) return;
      dropped = true;
      await shadow.client.end().catch(() => undefined);
      await withAdmin(adminUrl, async (admin) => {
        await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
        if (role) await admin.query(`DROP ROLE IF EXISTS ${quoteIdent(role)}`);
      });
    },
  };
  return shadow;
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
export async function shadowFrom(opts: { url?: string; schemaFile?: string; adminUrl?: string; restricted?: boolean; database?: string }): Promise<Shadow> {
  if (opts.url && opts.schemaFile) throw new UserError("usage", "give either --db or --schema, not both");
  const shadow = await createShadow({ adminUrl: opts.adminUrl, ...(opts.database ? { database: opts.database } : {}) });
  try {
    if (opts.url) {
      const report: CopyReport = await readCatalog(opts.url, "lockstep-schema-copy", (source) => copySchema(source, shadow.client));
      shadow.notes.push(...report.skipped.map((s) => `not copied to the shadow database: ${s}`));
    } else if (opts.schemaFile) {
      shadow.notes.push(...(await replaySchemaFile(shadow.client, opts.schemaFile)));
    }
    if (opts.restricted) await shadow.restrict();
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
