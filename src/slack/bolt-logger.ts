import { LogLevel, type Logger as BoltLogger } from "@slack/bolt";
import type { Logger } from "pino";
import { redact } from "../redact.js";

/** Bolt's logger interface on top of our pino logger (redacted like every other log line). */
export function boltLogger(log: Logger): BoltLogger {
  const child = log.child({ component: "bolt" });
  const text = (msgs: unknown[]) => redact(msgs.map((m) => (typeof m === "string" ? m : m instanceof Error ? m.message : JSON.stringify(m))).join(" "));
  let level = LogLevel.WARN;
  return {
    debug: (...m: unknown[]) => child.debug(text(m)),
    info: (...m: unknown[]) => child.info(text(m)),
    warn: (...m: unknown[]) => child.warn(text(m)),
    error: (...m: unknown[]) => child.error(text(m)),
    setLevel: (l: LogLevel) => (level = l),
    getLevel: () => level,
    setName: () => undefined,
  };
}
