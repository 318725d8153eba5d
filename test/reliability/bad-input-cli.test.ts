import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import { beforeAll, describe, expect, it } from "vitest";
import { loadParser, parseSync, skipTrivia } from "../../src/analyze/parse.js";
import { runCli } from "../../src/cli.js";
import { runLockstep } from "../helpers/cli.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { generatedCases, handWrittenCases, type InputCase } from "./cases.js";
import { FULL, LIMIT, Tally, scale } from "./harness.js";
import { canaryFingerprint, installCanary } from "./canary.js";

/**
 * Bad input through the CLI: `lockstep check` on generated and hand-written files and stdin.
 * Each case: a clear error (exit 2, line and column for SQL) or a correct result (the statements
 * Postgres' own parser finds), never an internal error, and nothing executed on the database
 * `--db` points at (a canary database, connected as a superuser).
 */
const tmp = mkdtempSync(path.join(os.tmpdir(), "lockstep-badinput-"));
let canary: TestDatabase;

beforeAll(async () => {
  await loadParser();
  canary = await createTestDatabase("canary");
  await installCanary(canary.client);
});

interface CheckJson {
  files: Array<{ path: string; statements: unknown[]; errors: Array<{ code: string; message: string; line?: number; column?: number }> }>;
}

/** `lockstep check` in this process (the command layer the binary runs), output captured. */
async function checkInProcess(args: string[], stdin?: Buffer): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const input = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (d: Buffer) => (out += d.toString()));
  stderr.on("data", (d: Buffer) => (err += d.toString()));
  input.end(stdin ?? Buffer.alloc(0));
  const code = await runCli(["check", ...args], { stdout, stderr, stdin: input, env: { PATH: process.env.PATH }, cwd: tmp });
  // the oracle below shares this process' parser: a fresh one if that input crashed it
  await loadParser();
  return { code, stdout: out, stderr: err };
}

const SQL_ERRORS = new Set(["syntax-error", "too-deeply-nested", "invalid-utf8"]);

/** What Postgres' parser says of the text: its statement count, or that it is not SQL at all. */
function oracle(given: Buffer): { statements: number } | "rejected" | "unknown" {
  // a leading byte order mark is dropped, as editors on Windows write one
  const bytes = given[0] === 0xef && given[1] === 0xbb && given[2] === 0xbf ? given.subarray(3) : given;
  const text = bytes.toString("utf8");
  if (!bytes.includes(0) && Buffer.from(text, "utf8").equals(bytes) && skipTrivia(bytes, 0) >= bytes.length) return { statements: 0 };
  if (!Buffer.from(text, "utf8").equals(bytes) || bytes.includes(0)) return "rejected";
  try {
    const tree = parseSync(text) as { stmts?: unknown[] };
    return { statements: tree.stmts?.length ?? 0 };
  } catch (e) {
    // a tree too deep for the parser's JSON reader is neither accepted nor a syntax error
    return e instanceof RangeError ? "unknown" : "rejected";
  }
}

/** Judge one `check --format json` result against the oracle; a reason when it is wrong. */
function judge(c: InputCase, r: { code: number; stdout: string; stderr: string }): string | undefined {
  if (r.code === 3 || /internal error/.test(r.stderr)) return `internal error (exit ${r.code}): ${r.stderr.slice(0, 200)}`;
  if (![0, 1, 2].includes(r.code)) return `exit ${r.code}`;
  let json: CheckJson;
  try {
    json = JSON.parse(r.stdout) as CheckJson;
  } catch {
    return `stdout is not JSON (exit ${r.code}): ${r.stdout.slice(0, 120)} ${r.stderr.slice(0, 120)}`;
  }
  const file = json.files[0];
  if (json.files.length !== 1 || !file) return `expected one file, got ${json.files.length}`;
  const errors = file.errors;
  if (errors.some((e) => e.code === "internal-error")) return `internal-error: ${errors[0]!.message}`;
  if ((r.code === 2) !== errors.length > 0) return `exit ${r.code} with ${errors.length} errors`;
  for (const e of errors) {
    if (!e.message) return `error ${e.code} without a message`;
    if (SQL_ERRORS.has(e.code) && !(Number(e.line) >= 1 && Number(e.column) >= 1)) return `${e.code} without line/column`;
  }
  const expected = oracle(c.bytes);
  if (expected === "rejected" && errors.length === 0) return "accepted input Postgres rejects";
  if (typeof expected === "object") {
    if (errors.some((e) => e.code === "syntax-error")) return `syntax error on SQL Postgres parses: ${errors[0]!.message}`;
    const deep = errors.some((e) => e.code === "too-deeply-nested");
    if (!deep && file.statements.length !== expected.statements) return `${file.statements.length} statements, Postgres' parser finds ${expected.statements}`;
  }
  return undefined;
}

describe("bad input through `lockstep check`", () => {
  it("generated cases (fixed seed) and hand-written ones: a clear error or a correct result, never a crash", async () => {
    const tally = new Tally("bad input: CLI check (in-process)");
    const cases = [...generatedCases(scale(520, 3000)), ...handWrittenCases(false)];
    expect(cases.length).toBeGreaterThanOrEqual(500);
    for (const [i, c] of cases.entries()) {
      // files for most, stdin for every fifth (the `-` path)
      await tally.run(c.name, async () => {
        if (i % 5 === 4) return judge(c, await checkInProcess(["-", "--format", "json", "--fail-on", "never"], c.bytes));
        const file = path.join(tmp, `case-${i}.sql`);
        writeFileSync(file, c.bytes);
        return judge(c, await checkInProcess([file, "--format", "json", "--fail-on", "never"]));
      });
    }
    expect(tally.done()).toEqual([]);
  }, LIMIT);

  it("with --db on a canary database (superuser login): every case reads, none writes or changes anything", async () => {
    const tally = new Tally("bad input: CLI check --db (nothing executed)");
    const before = await canaryFingerprint(canary.client);
    const cases = [...generatedCases(scale(24, 400), 1616), ...handWrittenCases(false)].filter((c) => c.bytes.length < 100_000);
    for (const [i, c] of cases.entries()) {
      const file = path.join(tmp, `db-case-${i}.sql`);
      writeFileSync(file, c.bytes);
      await tally.run(c.name, async () => {
        const r = await checkInProcess([file, "--format", "json", "--fail-on", "never", "--db", canary.url]);
        // the database adds facts, so Postgres' parser is not the whole oracle here: no crash, JSON out
        if (r.code === 3 || /internal error/.test(r.stderr)) return `internal error: ${r.stderr.slice(0, 200)}`;
        if (r.stderr.includes(canary.url)) return "printed the connection string";
        if (![0, 1, 2].includes(r.code)) return `exit ${r.code}`;
        try {
          const json = JSON.parse(r.stdout) as CheckJson;
          const internal = json.files[0]?.errors.find((e) => e.code === "internal-error");
          return internal ? `internal-error: ${internal.message}` : undefined;
        } catch {
          return `stdout is not JSON (exit ${r.code}): ${r.stderr.slice(0, 200)}`;
        }
      });
    }
    const after = await canaryFingerprint(canary.client);
    tally.add("canary unchanged (tables, rows, statements run)", JSON.stringify(after) === JSON.stringify(before) ? undefined : `changed: ${JSON.stringify({ before, after })}`);
    // the canary notices a write, even one that changes no row
    await canary.client.query("UPDATE users SET email = email WHERE false");
    const written = await canaryFingerprint(canary.client);
    tally.add("canary notices a write", written.writes !== after.writes && written.writesRun.length > 0 ? undefined : "a write went unnoticed");
    expect(tally.done()).toEqual([]);
  }, LIMIT);

  it("the real binary: a batch of cases in one process, stdin, a 10 MB migration and 100k statements under a bounded heap", async () => {
    const tally = new Tally("bad input: CLI check (binary)");
    const sample = generatedCases(scale(24, 200), 99);
    const dir = path.join(tmp, "batch");
    mkdirSync(dir);
    const files = sample.map((c, i) => {
      const f = path.join(dir, `b${i}.sql`);
      writeFileSync(f, c.bytes);
      return f;
    });
    const batch = await runLockstep(["check", ...files, "--format", "json", "--fail-on", "never"]);
    const json = (() => {
      try {
        return JSON.parse(batch.stdout) as CheckJson;
      } catch {
        return undefined;
      }
    })();
    tally.add("batch: one JSON report", json && batch.code !== 3 ? undefined : `exit ${batch.code}: ${batch.stderr.slice(0, 200)}`);
    sample.forEach((c, i) => {
      const entry = json?.files.find((f) => f.path === files[i]);
      tally.add(`batch ${c.name}`, entry ? (entry.errors.some((e) => e.code === "internal-error") ? "internal-error" : undefined) : "missing from the report");
    });
    // the 10 MB migration and 100k statements (seconds each, ~1.3 GB) in the full run only
    for (const c of handWrittenCases(FULL).filter((c) => FULL || c.name.startsWith("very long") || c.name === "empty")) {
      await tally.run(`binary ${c.name}`, async () => {
        const r = await runLockstep(["check", "-", "--format", "json", "--fail-on", "never"], { input: c.bytes, env: { NODE_OPTIONS: "--max-old-space-size=2048" } });
        await loadParser();
        return judge(c, r);
      });
    }
    expect(tally.done()).toEqual([]);
  }, LIMIT);
});

describe("the parser survives the inputs that crash it", () => {
  it("after inputs nested tens of thousands of levels deep, the same process still reads good SQL right", async () => {
    const tally = new Tally("bad input: parser survives crashes");
    // 1 + 1 + ... twenty thousand times overflows the parser's stack inside its WebAssembly;
    // some dozens of those used to leave it failing on any SQL ("memory access out of bounds")
    const deep = [`SELECT 1${" + 1".repeat(20_000)};\n`, `SELECT ${"ARRAY[".repeat(20_000)}1${"]".repeat(20_000)};\n`, `SELECT 1${" + 1".repeat(20_000)};\n`];
    const good = path.join(tmp, "good.sql");
    writeFileSync(good, "ALTER TABLE users ADD COLUMN a text;\nCREATE INDEX CONCURRENTLY i ON users (a);\n");
    for (let round = 0; round < scale(80, 200); round++) {
      const file = path.join(tmp, `deep-${round}.sql`);
      writeFileSync(file, deep[round % deep.length]!);
      await tally.run(`deep input, round ${round}`, async () => {
        const r = await checkInProcess([file, "--format", "json", "--fail-on", "never"]);
        return r.code === 2 ? undefined : `exit ${r.code}: ${r.stderr.slice(0, 200)}`;
      });
      await tally.run(`good SQL after round ${round}`, async () => {
        const r = await checkInProcess([good, "--format", "json", "--fail-on", "never"]);
        const file = (JSON.parse(r.stdout) as CheckJson).files[0]!;
        return r.code === 0 && file.errors.length === 0 && file.statements.length === 2 ? undefined : `exit ${r.code}, ${JSON.stringify(file.errors).slice(0, 200)}`;
      });
    }
    expect(tally.done()).toEqual([]);
  }, LIMIT);
});

describe("bad arguments, paths and configs", () => {
  it("unknown commands and targets, escaping paths, malformed YAML configs, empty env vars: exit 2 with one clear line", async () => {
    const tally = new Tally("bad input: CLI arguments, paths, configs");
    const root = path.join(tmp, "proj");
    mkdirSync(path.join(root, "migrations"), { recursive: true });
    writeFileSync(path.join(root, "migrations", "001.sql"), "SELECT 1;\n");
    writeFileSync(path.join(tmp, "outside.sql"), "DROP TABLE users;\n");
    symlinkSync(path.join(tmp, "outside.sql"), path.join(root, "migrations", "002_link.sql"));
    const configs: Record<string, string> = {
      "tab-indented.yml": "targets:\n\tprod:\n\t\turl_env: X\n",
      "unclosed.yml": "targets: { prod: { url_env: X\n",
      "wrong-types.yml": "targets:\n  prod:\n    url_env: [1, 2]\n    migrations: 7\n",
      "binary.yml": "\u0000\u0001\u0002",
      "huge-alias.yml": "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n",
      "unknown-key.yml": "targets:\n  prod:\n    url_env: X\n    migrations: migrations\n    aproovals: {}\n",
      "empty-url-env.yml": "targets:\n  prod:\n    url_env: ''\n",
    };
    for (const [name, text] of Object.entries(configs)) writeFileSync(path.join(root, name), text);
    const runs: Array<[string, string[], NodeJS.ProcessEnv?]> = [
      ["unknown command", ["frobnicate"]],
      ["unknown flag", ["check", "--frobnicate", "x.sql"]],
      ["missing file", ["check", "no-such-file.sql"]],
      ["unknown target", ["check", "--target", "nope", "migrations/001.sql"]],
      ["apply unknown target", ["apply", "nope"]],
      ["bad --pg-version", ["check", "--pg-version", "'; DROP TABLE users; --", "migrations/001.sql"]],
      ["bad --db URL", ["check", "--db", "postgres://u:hunter2-canary@[::1", "migrations/001.sql"]],
      ["empty LOCKSTEP_SHADOW_ADMIN_URL and DATABASE_URL", ["check", "migrations/001.sql"], { LOCKSTEP_SHADOW_ADMIN_URL: "", DATABASE_URL: "", LOCKSTEP_CONFIG: "" }],
      ...Object.keys(configs).map((name): [string, string[]] => [`config ${name}`, ["--config", name, "config"]]),
    ];
    for (const [name, args, env] of runs) {
      await tally.run(name, async () => {
        const r = await runLockstep(args, { cwd: root, env });
        if (r.code === 3 || /internal error/.test(r.stderr)) return `internal error: ${r.stderr.slice(0, 300)}`;
        if (name.startsWith("empty LOCKSTEP")) return r.code === 0 ? undefined : `exit ${r.code}: ${r.stderr.slice(0, 200)}`;
        if (name === "config unknown-key.yml" || name === "config empty-url-env.yml") return r.code === 0 || r.code === 2 ? undefined : `exit ${r.code}`;
        if (r.code !== 2) return `exit ${r.code}, expected 2: ${r.stdout.slice(0, 100)} ${r.stderr.slice(0, 200)}`;
        if (!r.stderr.trim() && !r.stdout.trim()) return "no message";
        if (r.stderr.includes("hunter2-canary")) return "printed the password";
        return undefined;
      });
    }
    expect(tally.done()).toEqual([]);
  }, LIMIT);
});
