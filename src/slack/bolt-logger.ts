import { LogLevel, type Logger as BoltLogger } from "@slack/bolt";
import type { Logger } from "pino";
import { redact } from "../redact.js";

/** Bolt's logger interface on top of our pino logger (redacted like every other log line). */
export function boltLogger(log: Logger): BoltLogger {
  const child = log.child({ component: "bolt" });
  const text = (msgs: unknown[]) => redact(msgs.map((m) => (typeof m === "string" ? m : m instanceof Error ? m.message : JSON.stringify(m))).join(" "));
  // Bolt logs at debug on every request: format (and redact) only what will be written
  const write = (lvl: "debug" | "info" | "warn" | "error", m: unknown[]) => {
    if (child.isLevelEnabled(lvl)) child[lvl](text(m));
  };
  let level = LogLevel.WARN;
  return {
    debug: (...m: unknown[]) => write("debug", m),
    info: (...m: unknown[]) => write("info", m),
    warn: (...m: unknown[]) => write("warn", m),
    error: (...m: unknown[]) => write("error", m),
    setLevel: (l: LogLevel) => (level = l),
    getLevel: () => level,
    setName: () => undefined,
  };
}
