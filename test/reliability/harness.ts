import { appendFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { inject } from "vitest";
import { REPO_ROOT } from "../helpers/cli.js";

/**
 * The reliability suite. `npm test` runs a small fixed-seed subset of every category;
 * `npm run test:reliability` (LOCKSTEP_RELIABILITY=full) runs the large case counts and prints
 * the summary table (category, cases tried, passed, failed, rows or migrations lost or doubled).
 */
export const FULL = process.env.LOCKSTEP_RELIABILITY === "full";

/** How many cases: `subset` under `npm test`, `full` under `npm run test:reliability`. */
export function scale(subset: number, full: number): number {
  return FULL ? full : subset;
}

/** A test's time limit: vitest's default under npm test, half an hour for the full run (a hang guard, not a timing). */
export const LIMIT = FULL ? 1_800_000 : 60_000;

/** A small deterministic PRNG (mulberry32): the same seed gives the same cases on every machine. */
export function prng(seed: number) {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!,
    bytes: (n: number) => Buffer.from(Array.from({ length: n }, () => Math.floor(next() * 256))),
  };
}

export interface CategoryRow {
  category: string;
  tried: number;
  passed: number;
  failed: number;
  /** rows or migrations lost (0 when the category moves none) */
  lost?: number;
  /** rows or migrations applied or changed more than once */
  doubled?: number;
  /** what failed, for the report (first few) */
  failures?: string[];
}

/** Add a category's counts to this run's summary table (printed when the run ends). */
export function record(row: CategoryRow): void {
  const file = inject("reliabilityReport");
  appendFileSync(file, `${JSON.stringify({ lost: 0, doubled: 0, ...row, failures: row.failures?.slice(0, 5) })}\n`);
}

/**
 * Tally cases: run each, count passes and failures (a failure is a thrown error or a returned
 * reason). Records the category and returns the failures so the test can assert there are none.
 */
export class Tally {
  tried = 0;
  passed = 0;
  readonly failures: string[] = [];
  lost = 0;
  doubled = 0;
  constructor(readonly category: string) {}

  async run(name: string, fn: () => Promise<string | undefined | void> | string | undefined | void): Promise<void> {
    this.tried++;
    try {
      const reason = await fn();
      if (reason) this.failures.push(`${name}: ${reason}`);
      else this.passed++;
    } catch (e) {
      this.failures.push(`${name}: ${e instanceof Error ? e.message : String(e)}`.slice(0, 500));
    }
  }

  /** Count a case decided elsewhere. */
  add(name: string, failure: string | undefined): void {
    this.tried++;
    if (failure) this.failures.push(`${name}: ${failure}`);
    else this.passed++;
  }

  done(): string[] {
    record({ category: this.category, tried: this.tried, passed: this.passed, failed: this.failures.length, lost: this.lost, doubled: this.doubled, failures: this.failures });
    return this.failures;
  }
}

/** Real migration files from the shared corpus (read in place, never copied). */
export function corpusFiles(): string[] {
  const root = path.resolve(REPO_ROOT, "../shared/corpus");
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".sql")) out.push(p);
    }
  };
  try {
    walk(root);
  } catch {
    return [];
  }
  return out.sort();
}
