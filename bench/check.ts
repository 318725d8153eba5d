/**
 * `npm run bench:check`: `lockstep check --format json` against squawk's JSON reporter
 * (`squawk --reporter json`), like with like: both write JSON, one invocation each with the same
 * file list, the contenders taking turns (lockstep, squawk, squawk native, lockstep, ...) so that all
 * meet the same changes in machine load, after one untimed warm-up round.
 *
 * Two workloads:
 * - `corpus`: every parseable file of ../shared/corpus in one invocation (`RUNS`, default 5).
 * - `one_file`: one migration file, as a CI step or a pre-commit hook runs it (`ONE_FILE_RUNS`,
 *   default 15). The file is the corpus file of median size (`FILE=path` picks another).
 *
 * Contenders: `lockstep` (node dist/src/main.js), `squawk` (node_modules/.bin/squawk: squawk-cli as
 * npm installs it, a Node launcher that runs the native binary) and `squawk_native` (that binary
 * itself, as a cargo/pip/brew install runs it).
 *
 * Prints one JSON line: {machine, corpus: {files, statements, runs, lockstep: {wall_s, cpu_s},
 * squawk: {...}, squawk_native: {...}, wall_ratio, cpu_ratio, wall_ratio_native, cpu_ratio_native},
 * one_file: {file, statements, runs, ...the same}}. wall_s / cpu_s are {min, median, max} in seconds
 * (cpu_s: user+sys of the child and its descendants); the ratios are lockstep's median over the
 * peer's median. `ONLY=corpus` or `ONLY=one-file` runs one workload.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { alternate, machine, ratio, summary, type Contender, type Run } from "./harness.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const CORPUS = path.resolve(ROOT, "../shared/corpus");
const INDEX = path.join(CORPUS, "index.jsonl");
const SQUAWK = path.join(ROOT, "node_modules/.bin/squawk");
const SQUAWK_NATIVE = path.join(ROOT, "node_modules/@squawk-cli/linux-x64/bin/squawk");
const CLI = path.join(ROOT, "dist/src/main.js");
const RUNS = Number(process.env.RUNS || 5);
const ONE_FILE_RUNS = Number(process.env.ONE_FILE_RUNS || 15);
const ONLY = process.env.ONLY;

interface Report {
  files: Array<{ statements: unknown[] }>;
}

function contenders(files: string[]): Contender[] {
  const lockstep: Contender = {
    name: "lockstep",
    cmd: process.execPath,
    args: [CLI, "check", "--format", "json", "--fail-on", "never", ...files],
    verify(r) {
      const report = JSON.parse(r.stdout) as Report;
      if (r.code !== 0 || report.files.length !== files.length) throw new Error(`lockstep: exit ${r.code}, ${report.files?.length} files\n${r.stderr}`);
    },
  };
  const squawkVerify = (name: string) => (r: Run) => {
    if (r.code > 1) throw new Error(`${name}: exit ${r.code}\n${r.stderr}`);
    JSON.parse(r.stdout); // JSON it must be
  };
  const peers: Contender[] = [{ name: "squawk", cmd: SQUAWK, args: ["--reporter", "json", ...files], verify: squawkVerify("squawk") }];
  if (existsSync(SQUAWK_NATIVE)) {
    peers.push({ name: "squawk_native", cmd: SQUAWK_NATIVE, args: ["--reporter", "json", ...files], verify: squawkVerify("squawk_native") });
  }
  return [lockstep, ...peers];
}

async function compare(files: string[], runs: number) {
  const cs = contenders(files);
  const all = await alternate(cs, runs);
  const s = Object.fromEntries(cs.map((c) => [c.name, summary(all.get(c.name)!)]));
  const lock = s.lockstep!;
  const report = JSON.parse(all.get("lockstep")![0]!.stdout) as Report;
  const ratios: Record<string, number> = {};
  for (const peer of ["squawk", "squawk_native"]) {
    const p = s[peer];
    if (!p) continue;
    const suffix = peer === "squawk" ? "" : "_native";
    ratios[`wall_ratio${suffix}`] = ratio(lock.wall_s, p.wall_s);
    if (lock.cpu_s && p.cpu_s && p.cpu_s.median > 0) ratios[`cpu_ratio${suffix}`] = ratio(lock.cpu_s, p.cpu_s);
  }
  return { statements: report.files.reduce((n, f) => n + f.statements.length, 0), runs, ...s, ...ratios };
}

async function main() {
  if (!existsSync(INDEX)) {
    process.stderr.write(`bench:check skipped: corpus not found at ${INDEX}\n`);
    return;
  }
  const entries = readFileSync(INDEX, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { path: string; parse_ok: boolean; bytes: number })
    .filter((e) => e.parse_ok);
  const out: Record<string, unknown> = { machine: machine() };
  if (ONLY !== "one-file") {
    const files = entries.map((e) => path.join(CORPUS, e.path));
    out.corpus = { files: files.length, ...(await compare(files, RUNS)) };
  }
  if (ONLY !== "corpus") {
    const bySize = [...entries].sort((a, b) => a.bytes - b.bytes || a.path.localeCompare(b.path));
    const file = process.env.FILE ? path.resolve(process.env.FILE) : path.join(CORPUS, bySize[Math.floor(bySize.length / 2)]!.path);
    out.one_file = { file: path.relative(ROOT, file), ...(await compare([file], ONE_FILE_RUNS)) };
  }
  out.load_1m_after = machine().load_1m;
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

await main();
