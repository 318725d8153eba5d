import pg from "pg";
import type PgBoss from "pg-boss";
import { pgErrorWords } from "../errors.js";

export type Health = { ok: true } | { ok: false; reason: string };

/** What GET /healthz answers: 200 only while the bot can serve, else 503 with a short reason. */
export interface BotHealth {
  check(): Promise<Health>;
  /** Start-up is over: the bot serves. */
  serving(): void;
  /** Shutting down: unhealthy from now on. */
  stopping(): void;
  close(): Promise<void>;
}

/** How long the state database has to answer a health probe. */
const PROBE_TIMEOUT_MS = 2000;

/**
 * The bot can serve while its start-up is over (the job workers started), its job queue runs, and
 * the state database answers. The probe has a connection of its own, so a busy state pool cannot
 * make a healthy bot look dead.
 */
export function botHealth(stateUrl: string, boss: PgBoss): BotHealth {
  let phase: "starting" | "serving" | "stopping" = "starting";
  let queueStopped = false;
  boss.on("stopped", () => (queueStopped = true));
  const probe = new pg.Pool({
    connectionString: stateUrl,
    max: 1,
    connectionTimeoutMillis: PROBE_TIMEOUT_MS,
    query_timeout: PROBE_TIMEOUT_MS,
    idleTimeoutMillis: 30_000,
    application_name: "lockstep-health",
  });
  // an idle probe connection that dies (server restart) is replaced by the next probe
  probe.on("error", () => undefined);

  return {
    async check() {
      if (phase !== "serving") return { ok: false, reason: phase };
      if (queueStopped) return { ok: false, reason: "the job queue stopped: no apply or backfill worker runs" };
      try {
        await probe.query("SELECT 1");
      } catch (e) {
        const err = e as { code?: string; message?: string };
        return { ok: false, reason: `the state database is unreachable (${pgErrorWords(err.code) ?? err.code ?? "no answer"})` };
      }
      return { ok: true };
    },
    serving() {
      if (phase === "starting") phase = "serving";
    },
    stopping() {
      phase = "stopping";
    },
    close: () => probe.end(),
  };
}
