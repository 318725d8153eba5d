import type { MessagePort } from "node:worker_threads";
import type { CheckReport } from "../analyze/types.js";
import { UserError, isUserError, type ExitCodeValue } from "../errors.js";
import type { Analyzer, CheckInput } from "./run-check.js";

/**
 * The message protocol between the bot's event loop and its analysis workers (both sides), and
 * the worker side's loop. Only plain data crosses: structured clone turns a Buffer into a
 * Uint8Array and an Error into a bare Error, so both are rebuilt on arrival.
 */
export interface AnalysisRequest {
  id: number;
  input: CheckInput;
}

export type AnalysisReply = { id: number; report: CheckReport } | { id: number; error: SerializedError };

export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  /** set for a UserError: it is told to the user as such */
  user?: { code: string; hint?: string; exitCode: ExitCodeValue };
}

export function serializeError(e: unknown): SerializedError {
  const err = e instanceof Error ? e : new Error(String(e));
  return {
    name: err.name,
    message: err.message,
    stack: err.stack,
    ...(isUserError(err) ? { user: { code: err.code, hint: err.hint, exitCode: err.exitCode } } : {}),
  };
}

export function reviveError(s: SerializedError): Error {
  if (s.user) return new UserError(s.user.code, s.message, { hint: s.user.hint, exitCode: s.user.exitCode });
  const err = new Error(s.message);
  err.name = s.name;
  if (s.stack) err.stack = s.stack;
  return err;
}

function reviveInput(input: CheckInput): CheckInput {
  return { ...input, files: input.files.map((f) => ({ ...f, bytes: Buffer.from(f.bytes.buffer, f.bytes.byteOffset, f.bytes.byteLength) })) };
}

/** The worker's side: answer every request on `port` with `analyze`'s report or error, several at a time. */
export function serveAnalyses(port: MessagePort, analyze: Analyzer): void {
  port.on("message", (req: AnalysisRequest) => {
    analyze(reviveInput(req.input)).then(
      (report) => port.postMessage({ id: req.id, report } satisfies AnalysisReply),
      (e: unknown) => port.postMessage({ id: req.id, error: serializeError(e) } satisfies AnalysisReply),
    );
  });
}
