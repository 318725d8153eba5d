/**
 * `npm run bench:check`: `lockstep check --format json` vs squawk on every parseable corpus file.
 * Prints JSON {files, statements, lockstep_s, squawk_s, ratio}; ratio = lockstep_s / squawk_s.
 * Each tool runs `RUNS` times (default 3), alternating (lockstep, squawk, lockstep, ...) so that both
 * meet the same changes in machine load; the best wall time counts (noisy shared machines).
 * Both get the same file list in one invocation each. Also printed (Linux): the CPU time (user+sys)
 * of the same best runs, `lockstep_cpu_s`, `squawk_cpu_s`, `cpu_ratio` — steadier than wall time
 * when other work shares the machine. `load_before` / `load_after`: the 1-minute load average around
 * the runs (how busy the shared machine was).
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { loadavg } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const CORPUS = path.resolve(ROOT, "../shared/corpus");
const INDEX = path.join(CORPUS, "index.jsonl");
const SQUAWK = path.join(ROOT, "node_modules/.bin/squawk");
const CLI = path.join(ROOT, "dist/src/main.js");
const RUNS = Number(process.env.RUNS || 3);

const CLOCK_TICKS_PER_S = 100; // USER_HZ: the unit of /proc times on Linux

/** CPU seconds (user+sys) of reaped children so far, from /proc/self/stat; undefined off Linux. */
function childrenCpu(): number | undefined {
  try {
    const stat = readFileSync("/proc/self/stat", "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" "); // fields[0] is field 3 (state)
    return (Number(fields[13]) + Number(fields[14])) / CLOCK_TICKS_PER_S; // fields 16, 17: cutime, cstime
  } catch {
    return undefined;
  }
}

function run(cmd: string, args: string[]): Promise<{ seconds: number; cpu?: number; stdout: string; code: number }> {
  return new Promise((resolve, reject) => {
    const cpuStart = childrenCpu();
    const start = process.hrtime.bigint();
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "ignore"] });
    const chunks: Buffer[] = [];
    child.stdout.on("data", (c: Buffer) => chunks.push(c));
    child.on("error", reject);
    child.on("close", (code) => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      const cpuEnd = childrenCpu();
      const cpu = cpuStart !== undefined && cpuEnd !== undefined ? cpuEnd - cpuStart : undefined;
      resolve({ seconds, ...(cpu !== undefined ? { cpu } : {}), stdout: Buffer.concat(chunks).toString(), code: code ?? -1 });
    });
  });
}

type Run = Awaited<ReturnType<typeof run>>;

const faster = (a: Run | undefined, b: Run): Run => (a && a.seconds <= b.seconds ? a : b);

/** Best of RUNS for each command, the commands taking turns. */
async function bestOfEach(commands: Array<[string, string[]]>): Promise<Run[]> {
  const best: Array<Run | undefined> = commands.map(() => undefined);
  for (let i = 0; i < RUNS; i++) {
    for (const [k, [cmd, args]] of commands.entries()) best[k] = faster(best[k], await run(cmd, args));
  }
  return best as Run[];
}

async function main() {
  if (!existsSync(INDEX)) {
    process.stderr.write(`bench:check skipped: corpus not found at ${INDEX}\n`);
    return;
  }
  const files = readFileSync(INDEX, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { path: string; parse_ok: boolean })
    .filter((e) => e.parse_ok)
    .map((e) => path.join(CORPUS, e.path));
  const loadBefore = loadavg()[0]!;
  const [lockstep, squawk] = (await bestOfEach([
    [process.execPath, [CLI, "check", "--format", "json", "--fail-on", "never", ...files]],
    [SQUAWK, files],
  ])) as [Run, Run];
  const report = JSON.parse(lockstep.stdout) as { files: Array<{ statements: unknown[] }> };
  const out = {
    files: files.length,
    statements: report.files.reduce((n, f) => n + f.statements.length, 0),
    lockstep_s: Number(lockstep.seconds.toFixed(3)),
    squawk_s: Number(squawk.seconds.toFixed(3)),
    ratio: Number((lockstep.seconds / squawk.seconds).toFixed(2)),
    ...(lockstep.cpu !== undefined && squawk.cpu !== undefined && squawk.cpu > 0
      ? { lockstep_cpu_s: Number(lockstep.cpu.toFixed(2)), squawk_cpu_s: Number(squawk.cpu.toFixed(2)), cpu_ratio: Number((lockstep.cpu / squawk.cpu).toFixed(2)) }
      : {}),
    load_before: Number(loadBefore.toFixed(2)),
    load_after: Number(loadavg()[0]!.toFixed(2)),
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

await main();
