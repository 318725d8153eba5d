import { createRequire } from "node:module";
import type { Logger } from "pino";
import { redact } from "./redact.js";

/**
 * One logger for the process. Logs go to stderr so stdout stays clean for command output.
 * Every string that reaches the log is passed through redact() (connection strings, tokens),
 * and well-known secret keys are censored outright.
 */
export function createLogger(opts: { level?: string; name?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  const { pino } = createRequire(import.meta.url)("pino") as typeof import("pino");
  return pino(
    {
      name: opts.name ?? "lockstep",
      level: opts.level ?? (process.env.LOCKSTEP_LOG_LEVEL || "warn"),
      redact: {
        paths: ["password", "*.password", "token", "*.token", "url", "*.url", "connectionString", "*.connectionString", "headers.authorization"],
        censor: (value: unknown) => (typeof value === "string" ? redact(value) : "[redacted]"),
      },
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((a) => (typeof a === "string" ? redact(a) : a)) as Parameters<typeof method>);
        },
      },
      formatters: {
        log(obj) {
          if (obj.err instanceof Error) {
            const e = obj.err;
            return { ...obj, err: { type: e.name, message: redact(e.message), stack: e.stack ? redact(e.stack) : undefined } };
          }
          return obj;
        },
      },
    },
    // tests capture the log (to prove no secret reaches it); otherwise stderr
    opts.destination ?? pino.destination(2),
  );
}

let logger: Logger | undefined;
const instance = (): Logger => (logger ??= createLogger());

/** The process logger, created on first use (`check` never logs: it does not load pino at all). */
export const log: Logger = new Proxy({} as Logger, {
  get(_, prop) {
    const l = instance();
    const value: unknown = Reflect.get(l, prop, l);
    return typeof value === "function" ? value.bind(l) : value;
  },
  set: (_, prop, value) => Reflect.set(instance(), prop, value),
  has: (_, prop) => Reflect.has(instance(), prop),
});
