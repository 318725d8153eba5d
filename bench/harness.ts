/**
 * Shared by the process benchmarks: run a command as a child process, time its wall clock and its
 * CPU (user+sys), run several contenders in turns (a, b, c, a, b, c, ...) so that all of them meet the
 * same changes in machine load, and summarise each as min/median/max.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";

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

export interface Run {
  /** wall seconds from spawn to exit */
  seconds: number;
  /** user+sys CPU seconds of the child and its descendants (10 ms resolution; Linux only) */
  cpu?: number;
  stdout: string;
  stderr: string;
  code: number;
}

/** Run one command to its end; one run at a time (the CPU figure is the difference of the reaped children's totals). */
export function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const cpuStart = childrenCpu();
    const start = process.hrtime.bigint();
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], env: opts.env ?? process.env, cwd: opts.cwd });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (c: Buffer) => out.push(c));
    child.stderr.on("data", (c: Buffer) => err.push(c));
    child.on("error", reject);
    child.on("close", (code) => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      const cpuEnd = childrenCpu();
      const cpu = cpuStart !== undefined && cpuEnd !== undefined ? cpuEnd - cpuStart : undefined;
      resolve({
        seconds,
        ...(cpu !== undefined ? { cpu } : {}),
        stdout: Buffer.concat(out).toString(),
        stderr: Buffer.concat(err).toString(),
        code: code ?? -1,
      });
    });
  });
}

export interface Contender {
  name: string;
  cmd: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  /** throws when a run's output is wrong (a fast wrong answer must not count) */
  verify?(r: Run): void;
}

/** `runs` rounds; in each, every contender once, in turns. Returns every run of each contender by name. */
export async function alternate(contenders: Contender[], runs: number, warmup = 1): Promise<Map<string, Run[]>> {
  const all = new Map<string, Run[]>(contenders.map((c) => [c.name, []]));
  for (let i = 0; i < warmup + runs; i++) {
    for (const c of contenders) {
      const r = await run(c.cmd, c.args, { env: c.env });
      c.verify?.(r);
      if (i >= warmup) all.get(c.name)!.push(r);
    }
  }
  return all;
}

export interface Stats {
  min: number;
  median: number;
  max: number;
}

export function stats(values: number[], digits = 3): Stats {
  const v = [...values].sort((a, b) => a - b);
  const mid = v.length / 2;
  const median = v.length % 2 ? v[Math.floor(mid)]! : (v[mid - 1]! + v[mid]!) / 2;
  const r = (n: number) => Number(n.toFixed(digits));
  return { min: r(v[0]!), median: r(median), max: r(v.at(-1)!) };
}

/** wall and CPU min/median/max of a contender's runs */
export function summary(runs: Run[]): { wall_s: Stats; cpu_s?: Stats } {
  const cpu = runs.every((r) => r.cpu !== undefined) ? { cpu_s: stats(runs.map((r) => r.cpu!), 2) } : {};
  return { wall_s: stats(runs.map((r) => r.seconds)), ...cpu };
}

/** a / b of the medians */
export function ratio(a: Stats, b: Stats): number {
  return Number((a.median / b.median).toFixed(2));
}

/** what the figures need beside them: cores, load, date */
export function machine(): { cores: number; cpu_model: string; load_1m: number; date: string; node: string } {
  return {
    cores: cpus().length,
    cpu_model: cpus()[0]?.model ?? "unknown",
    load_1m: Number(loadavg()[0]!.toFixed(2)),
    date: new Date().toISOString().slice(0, 10),
    node: process.version,
  };
}
