import type { webApi } from "@slack/bolt";
import type { ApplyRequest, CheckRecord } from "../store/checks.js";
import type { ThreadRef } from "./thread.js";

/** What an apply handler gets when someone clicks Apply on a valid approval. */
export interface ApplyRequestedEvent {
  request: ApplyRequest;
  check: CheckRecord;
  /** the report's thread: post progress here (postInThread / updateInThread) */
  thread: ThreadRef;
  client: webApi.WebClient;
}

export type ApplyRequestedHandler = (event: ApplyRequestedEvent) => Promise<void>;

const handlers = new Set<ApplyRequestedHandler>();

/**
 * Plug in the apply feature: called after the Apply click is recorded (apply_requests row,
 * check status apply-requested). Returns a function that unregisters the handler.
 */
export function onApplyRequested(handler: ApplyRequestedHandler): () => void {
  handlers.add(handler);
  return () => handlers.delete(handler);
}

export async function emitApplyRequested(event: ApplyRequestedEvent): Promise<number> {
  for (const h of handlers) await h(event);
  return handlers.size;
}
