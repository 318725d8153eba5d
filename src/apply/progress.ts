import type { Writable } from "node:stream";
import { progressCadence } from "../progress-cadence.js";
import type { ApplyEvent } from "./types.js";
import { describeBlocker } from "./preflight.js";

export interface ProgressReporter {
  event(e: ApplyEvent): void;
  /** The apply returned: a pending progress line is dropped. */
  close(): Promise<void>;
}

/** Where the run is, as opposed to what happened (a retry, a blocker, a migration done, ...). */
const PROGRESS_EVENTS = new Set<ApplyEvent["type"]>(["statement-start", "statement-done"]);

/**
 * Progress for the CLI: a redrawn bar on a terminal, JSON lines otherwise (one event per line):
 * what happened is written at once, where the run is at most once a second (the latest).
 */
export function progressReporter(out: Writable & { isTTY?: boolean }): ProgressReporter {
  if (!out.isTTY) {
    const line = (e: ApplyEvent) => void out.write(`${JSON.stringify({ at: new Date().toISOString(), ...e })}\n`);
    const position = progressCadence(line);
    return {
      event: (e) => (PROGRESS_EVENTS.has(e.type) ? position.update(e) : line(e)),
      close: () => position.finish(),
    };
  }
  return { event: terminalBar(out), close: async () => undefined };
}

/** A bar redrawn in place, with a line of its own for each thing that happened. */
function terminalBar(out: Writable): (e: ApplyEvent) => void {
  const t0 = Date.now();
  let waits = 0;
  let barShown = false;
  const line = (text: string) => {
    out.write(`${barShown ? "\r\x1b[2K" : ""}${text}\n`);
    barShown = false;
  };
  return (e) => {
    const elapsed = `${((Date.now() - t0) / 1000).toFixed(1)}s`;
    switch (e.type) {
      case "statement-start": {
        const width = 24;
        const filled = Math.round((width * (e.step - 1)) / Math.max(1, e.steps));
        const bar = `[${"#".repeat(filled)}${"-".repeat(width - filled)}]`;
        out.write(`\r\x1b[2K${bar} ${e.step}/${e.steps} ${e.version} #${e.statement + 1} ${e.sql.slice(0, 50)}  ${elapsed}${waits ? `  lock waits ${waits}` : ""}`);
        barShown = true;
        break;
      }
      case "retry":
        waits++;
        line(`lock wait: ${e.reason}; retry ${e.attempt}/${e.of} in ${(e.delayMs / 1000).toFixed(1)}s (${e.version} statement ${e.statement + 1})`);
        break;
      case "preflight":
        line(`preflight (${e.version} statement ${e.statement + 1}): ${e.blockers.length} blocking session(s), action: ${e.action}\n  ${e.blockers.map(describeBlocker).join("\n  ")}`);
        break;
      case "migration-done":
        line(`applied ${e.version} ${e.name} in ${(e.durationMs / 1000).toFixed(2)}s`);
        break;
      case "cleanup":
      case "resolved":
        line(e.message);
        break;
      case "stopped":
        line(`stopped: ${e.reason}`);
        break;
      case "start":
        line(`applying ${e.migrations} migration(s), ${e.steps} statement(s) to ${e.target} (history: ${e.history})`);
        break;
      default:
        break;
    }
  };
}
