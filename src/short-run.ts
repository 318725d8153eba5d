import { setFlagsFromString } from "node:v8";

/**
 * V8 tiering for a CLI run that lasts about a second (`check` in CI). By default TurboFan starts
 * optimising functions early and inlines deeply, then re-optimises them as new statement shapes
 * deoptimise them: on the corpus that compilation cost about as much CPU on background threads as
 * the whole analysis on the main thread. Optimising only functions that stay hot, with less inlining,
 * keeps the main thread as fast and saves most of that (measured with per-thread CPU time; see the
 * commit). Only for short runs: the long-running bot keeps V8's defaults. Call before the work starts.
 */
export function tuneForShortRun(): void {
  setFlagsFromString("--interrupt-budget=200000"); // default 66 KB of bytecode executed before tiering up
  setFlagsFromString("--max-inlined-bytecode-size-cumulative=150"); // default 920
}
