import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import type { AnalysisError } from "./types.js";

/** Migration layouts Lockstep recognises. */
export type Layout =
  | "golang-migrate"
  | "flyway"
  | "diesel"
  | "prisma"
  | "drizzle"
  | "dbmate"
  | "synapse"
  | "popx"
  | "plain";

/**
 * How the tool that runs the file sends it to Postgres:
 * - "transaction": the tool wraps the whole file in BEGIN/COMMIT
 * - "implicit": the file is sent as one multi-statement query, which Postgres runs as one implicit
 *   transaction block when it holds more than one statement
 * - "none": each statement commits on its own (psql -f, autocommit files)
 * - "transaction-unless-non-transactional": Flyway: a transaction, unless the file holds a statement
 *   that cannot run in one (then the file runs without)
 */
export type TransactionWrap = "transaction" | "implicit" | "none" | "transaction-unless-non-transactional";

export interface SourceFile {
  /** as given by the user (joined with the directory's relative path); "-" for stdin */
  path: string;
  layout: Layout;
  wrap: TransactionWrap;
  /** decoded SQL text (only the up section for dbmate, other parts blanked to keep positions) */
  text?: string;
  errors: AnalysisError[];
}

/** Files larger than this are refused (too-large) rather than parsed. */
export const MAX_FILE_BYTES = 64 * 1024 * 1024;

const DOWN_FILE = /\.down\.sql$/i;
const GOLANG_MIGRATE = /^\d+_.+\.(up|down)\.sql$/i;
const POPX = /\.(postgres\.)?(autocommit\.)?(up|down)\.sql$/i;
const FLYWAY = /^[VR]\d*[\d_.]*__.+\.sql$/;
const DRIZZLE = /^\d{4}_.+\.sql$/;
const DBMATE_UP = /^--\s*migrate:up\b(.*)$/m;

export interface ReadOptions {
  cwd?: string;
  stdin?: NodeJS.ReadableStream;
  /** force a layout (e.g. from lockstep.yml) instead of detecting it */
  layout?: string;
}

/** Expand user inputs (files, directories, "-") into source files in the order they run. */
export async function readSources(inputs: string[], opts: ReadOptions = {}): Promise<SourceFile[]> {
  return (await listSources(inputs, opts)).map((s) => ("abs" in s ? readListed(s) : s));
}

/** A file to read (listSources), not read yet: readListed() reads it, here or in a worker thread. */
export interface ListedFile {
  display: string;
  abs: string;
  /** the forced layout, if any */
  layout?: string;
  /** from a stat the lister already made */
  size?: number;
}

/**
 * readSources in two steps: the inputs expanded into files in the order they run (stdin and
 * problems such as a missing file already as SourceFiles), each file read later by readListed().
 */
export async function listSources(inputs: string[], opts: ReadOptions = {}): Promise<Array<SourceFile | ListedFile>> {
  const cwd = opts.cwd ?? process.cwd();
  const out: Array<SourceFile | ListedFile> = [];
  const layout = opts.layout !== undefined ? { layout: opts.layout } : {};
  for (const input of inputs) {
    if (input === "-") {
      const buf = opts.stdin ? await readStream(opts.stdin) : Buffer.alloc(0);
      out.push(sourceFromBuffer("-", buf, opts.layout ? asLayout(opts.layout) : "plain"));
      continue;
    }
    const abs = path.resolve(cwd, input);
    let st;
    try {
      st = statSync(abs);
    } catch {
      out.push({ path: input, layout: "plain", wrap: "none", errors: [{ code: "not-found", message: `${input}: no such file or directory` }] });
      continue;
    }
    if (st.isDirectory()) {
      const files = listMigrationFiles(abs);
      if (files.length === 0) {
        out.push({ path: input, layout: "plain", wrap: "none", errors: [{ code: "no-migrations", message: `${input}: no .sql migration files found` }] });
      }
      for (const f of files) out.push({ display: path.join(input, path.relative(abs, f)), abs: f, ...layout });
    } else {
      out.push({ display: input, abs, ...layout, size: st.size });
    }
  }
  return out;
}

/** Read and classify one listed file. */
export function readListed(f: ListedFile): SourceFile {
  return readSourceFile(f.display, f.abs, f.layout, f.size);
}

/** `size`: when the caller has just stat'ed the file (one stat per file, not two). */
function readSourceFile(display: string, abs: string, forced?: string, knownSize?: number): SourceFile {
  let buf: Buffer;
  try {
    const size = knownSize ?? statSync(abs).size;
    if (size > MAX_FILE_BYTES) {
      return { path: display, layout: "plain", wrap: "none", errors: [{ code: "too-large", message: `${display}: ${size} bytes is over the ${MAX_FILE_BYTES}-byte limit` }] };
    }
    buf = readFileSync(abs);
  } catch (e) {
    return { path: display, layout: "plain", wrap: "none", errors: [{ code: "unreadable", message: `${display}: ${(e as Error).message}` }] };
  }
  return sourceFromBuffer(display, buf, forced ? asLayout(forced) : detectLayout(abs, buf), abs);
}

/** Reusable: decode() without `stream` keeps no state between calls. */
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** Decode and classify one file's bytes. `abs` (when a real file) lets layouts read siblings. */
export function sourceFromBuffer(display: string, buf: Buffer, layout: Layout, abs?: string): SourceFile {
  const file: SourceFile = { path: display, layout, wrap: "none", errors: [] };
  if (buf.includes(0)) {
    file.errors.push({ code: "binary-file", message: `${display}: looks like a binary file (contains NUL bytes), not SQL` });
    return file;
  }
  let text: string;
  try {
    text = strictUtf8.decode(buf);
  } catch {
    const at = firstInvalidUtf8(buf);
    file.errors.push({ code: "invalid-utf8", message: `${display}: not valid UTF-8 (first bad byte at offset ${at})`, ...lineColumnAt(buf, at) });
    return file;
  }
  if (text.charCodeAt(0) === 0xfeff) text = ` ${text.slice(1)}`; // BOM: keep positions
  file.wrap = transactionWrap(layout, abs, text);
  file.text = layout === "dbmate" ? dbmateUpSection(text) : text;
  return file;
}

function asLayout(name: string): Layout {
  const known: Layout[] = ["golang-migrate", "flyway", "diesel", "prisma", "drizzle", "dbmate", "synapse", "popx", "plain"];
  return (known as string[]).includes(name) ? (name as Layout) : "plain";
}

/** Detect the layout of one file from its name, its folder and (for dbmate) its content. */
export function detectLayout(abs: string, buf?: Buffer): Layout {
  const base = path.basename(abs);
  const dir = path.dirname(abs);
  if (base.endsWith(".sql.postgres")) return "synapse";
  if ((base === "up.sql" || base === "down.sql") && (existsSync(path.join(dir, "up.sql")) || existsSync(path.join(dir, "down.sql")))) return "diesel";
  if (base === "migration.sql") return "prisma";
  if (FLYWAY.test(base)) return "flyway";
  if (/\.autocommit\.(up|down)\.sql$/i.test(base) || /\.postgres\.(up|down)\.sql$/i.test(base)) return "popx";
  if (GOLANG_MIGRATE.test(base)) return "golang-migrate";
  if (DRIZZLE.test(base) && existsSync(path.join(dir, "meta", "_journal.json"))) return "drizzle";
  const head = (buf ?? safeRead(abs)).subarray(0, 64 * 1024).toString("utf8");
  if (DBMATE_UP.test(head)) return "dbmate";
  if (/(^|\/)delta\/\d+\//.test(abs.split(path.sep).join("/"))) return "synapse";
  return "plain";
}

/** The file's bytes; empty when it cannot be read. Asks existsSync first: most probed files (a diesel
 * migration's metadata.toml, a Flyway script's .conf) do not exist, and a failed read throws. */
function safeRead(abs: string): Buffer {
  try {
    return existsSync(abs) ? readFileSync(abs) : Buffer.alloc(0);
  } catch {
    return Buffer.alloc(0);
  }
}

/** The transaction semantics of each tool (see TransactionWrap). */
function transactionWrap(layout: Layout, abs: string | undefined, text: string): TransactionWrap {
  switch (layout) {
    case "golang-migrate": // the postgres driver sends the file as one Exec: one implicit transaction
    case "prisma": // migrate deploy sends migration.sql as one script
      return "implicit";
    case "flyway":
      if (abs && /executeInTransaction\s*=\s*false/.test(safeRead(`${abs}.conf`).toString())) return "none";
      return "transaction-unless-non-transactional";
    case "diesel":
      if (abs && /run_in_transaction\s*=\s*false/.test(safeRead(path.join(path.dirname(abs), "metadata.toml")).toString())) return "none";
      return "transaction";
    case "popx": // ory kratos/hydra: a transaction per file, except `.autocommit.` files
      return abs && /\.autocommit\./i.test(path.basename(abs)) ? "none" : "transaction";
    case "dbmate": {
      const m = DBMATE_UP.exec(text);
      return m && /transaction:\s*false/.test(m[1] ?? "") ? "none" : "transaction";
    }
    case "drizzle": // drizzle-kit migrate runs all pending migrations in one transaction
    case "synapse": // synapse applies each delta inside a transaction
      return "transaction";
    default:
      return "none"; // psql -f: each statement commits on its own unless BEGIN is explicit
  }
}

/** Keep only the `-- migrate:up` section; blank everything else but keep line/column positions. */
export function dbmateUpSection(text: string): string {
  const lines = text.split("\n");
  let inUp = false;
  return lines
    .map((l) => {
      if (/^--\s*migrate:up\b/.test(l)) inUp = true;
      else if (/^--\s*migrate:down\b/.test(l)) inUp = false;
      return inUp ? l : l.replace(/[^\r]/g, " ");
    })
    .join("\n");
}

/** Every migration file under a directory, up direction only, in the order the tool applies them. */
export function listMigrationFiles(dir: string): string[] {
  const found: string[] = [];
  walk(dir, found, 0);
  const ups = found.filter((f) => {
    const base = path.basename(f);
    if (DOWN_FILE.test(base) || base === "down.sql" || FLYWAY_UNDO.test(base)) return false;
    return base.endsWith(".sql") || base.endsWith(".sql.postgres");
  });
  const journalOrder = drizzleJournalOrder(dir);
  return ups.sort((a, b) => {
    if (journalOrder) {
      const ia = journalOrder.get(path.basename(a, ".sql")) ?? Infinity;
      const ib = journalOrder.get(path.basename(b, ".sql")) ?? Infinity;
      if (ia !== ib) return ia - ib;
    }
    return flywayCompare(path.basename(a), path.basename(b)) || naturalCompare(path.relative(dir, a), path.relative(dir, b));
  });
}

function walk(dir: string, out: string[], depth: number): void {
  if (depth > 8) return;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    if (e.name.startsWith(".") || e.name === "node_modules") continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, out, depth + 1);
    else if (e.isFile()) out.push(p);
  }
}

function drizzleJournalOrder(dir: string): Map<string, number> | undefined {
  const journal = path.join(dir, "meta", "_journal.json");
  if (!existsSync(journal)) return undefined;
  try {
    const j = JSON.parse(readFileSync(journal, "utf8")) as { entries?: Array<{ idx: number; tag: string }> };
    return new Map((j.entries ?? []).map((e) => [e.tag, e.idx]));
  } catch {
    return undefined;
  }
}

const FLYWAY_UNDO = /^U\d+(?:[._]\d+)*__.+\.sql$/;
const FLYWAY_VERSION = /^V(\d+(?:[._]\d+)*)__/;
const FLYWAY_REPEATABLE = /^R__/;

/**
 * Flyway's order for two of its file names (0 when either is not one): versioned migrations by
 * version, part by part (1 < 1.1 < 1.2 < 2 < 10), then repeatable ones (R__) after all of them.
 */
function flywayCompare(a: string, b: string): number {
  const va = flywayVersion(a);
  const vb = flywayVersion(b);
  if (va && vb) return compareDotted(va, vb);
  if (va && FLYWAY_REPEATABLE.test(b)) return -1;
  if (vb && FLYWAY_REPEATABLE.test(a)) return 1;
  return 0;
}

/** The version of a versioned Flyway file name as Flyway records it (V1_2__x.sql -> "1.2"). */
export function flywayVersion(name: string): string | undefined {
  return FLYWAY_VERSION.exec(name)?.[1]?.replace(/_/g, ".");
}

/** Flyway-style version order: 1.2 < 1.10, leading zeros ignored, 1 = 1.0. */
export function compareDotted(a: string, b: string): number {
  const pa = a.split(".").map((p) => BigInt(p));
  const pb = b.split(".").map((p) => BigInt(p));
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? 0n;
    const y = pb[i] ?? 0n;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** Compare paths with digit runs as numbers (V2 < V10, 9_x < 10_x); see flywayCompare for Flyway's versions. */
export function naturalCompare(a: string, b: string): number {
  const ta = a.split(/(\d+)/);
  const tb = b.split(/(\d+)/);
  for (let i = 0; i < Math.min(ta.length, tb.length); i++) {
    const x = ta[i]!;
    const y = tb[i]!;
    if (x === y) continue;
    if (i % 2 === 1) {
      const d = Number(x) - Number(y);
      if (d !== 0) return d;
    }
    return x < y ? -1 : 1;
  }
  return ta.length - tb.length;
}

function readStream(stream: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on("data", (c: Buffer | string) => chunks.push(typeof c === "string" ? Buffer.from(c) : c));
    stream.on("end", () => resolve(Buffer.concat(chunks)));
    stream.on("error", reject);
  });
}

function firstInvalidUtf8(buf: Buffer): number {
  // binary search for the longest valid prefix
  let lo = 0;
  let hi = buf.length;
  const dec = new TextDecoder("utf-8", { fatal: true });
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    try {
      dec.decode(buf.subarray(0, mid), { stream: true });
      lo = mid;
    } catch {
      hi = mid - 1;
    }
  }
  return lo;
}

function lineColumnAt(buf: Buffer, offset: number): { line: number; column: number } {
  const before = buf.subarray(0, offset).toString("utf8");
  const lines = before.split("\n");
  return { line: lines.length, column: [...lines[lines.length - 1]!].length + 1 };
}
