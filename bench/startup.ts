/**
 * Start-up of the CLI when it does no work: `lockstep --help`, `lockstep --version` and a usage error
 * (`lockstep frobnicate`, exit 2), against a bare `node -e ''` as the baseline, the contenders taking
 * turns (node, help, version, usage error, node, ...) after one untimed warm-up round. Goal: each
 * within 2x the bare Node start-up.
 *
 *   npx tsc -p . && node dist/bench/startup.js        # RUNS=20 (default)
 *
 * Prints one JSON line: {machine, runs, node: {wall_s, cpu_s}, help: {...}, version: {...},
 * usage_error: {...}, help_ratio, version_ratio, usage_error_ratio}: wall_s / cpu_s are
 * {min, median, max} in seconds, a ratio is the contender's median wall over bare Node's.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { alternate, machine, ratio, summary, type Contender, type Run } from "./harness.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const CLI = path.join(ROOT, "dist/src/main.js");
const RUNS = Number(process.env.RUNS || 20);

const expect = (name: string, code: number, check: (r: Run) => boolean) => (r: Run) => {
  if (r.code !== code || !check(r)) throw new Error(`${name}: exit ${r.code}\n${r.stdout}\n${r.stderr}`);
};

const contenders: Contender[] = [
  { name: "node", cmd: process.execPath, args: ["-e", ""], verify: expect("node", 0, () => true) },
  { name: "help", cmd: process.execPath, args: [CLI, "--help"], verify: expect("help", 0, (r) => r.stdout.includes("Usage: lockstep")) },
  { name: "version", cmd: process.execPath, args: [CLI, "--version"], verify: expect("version", 0, (r) => /^\d+\.\d+\.\d+/.test(r.stdout)) },
  {
    name: "usage_error",
    cmd: process.execPath,
    args: [CLI, "frobnicate"],
    verify: expect("usage_error", 2, (r) => r.stderr.includes("unknown command")),
  },
];

const all = await alternate(contenders, RUNS);
const s = Object.fromEntries(contenders.map((c) => [c.name, summary(all.get(c.name)!)]));
const ratios = Object.fromEntries(["help", "version", "usage_error"].map((n) => [`${n}_ratio`, ratio(s[n]!.wall_s, s.node!.wall_s)]));
process.stdout.write(`${JSON.stringify({ machine: machine(), runs: RUNS, ...s, ...ratios, load_1m_after: machine().load_1m })}\n`);
