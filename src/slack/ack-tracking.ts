import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import type { WorkQueue } from "./work-queue.js";

/** Wrap the receiver's request listener: the work queue knows while requests are being answered. */
export function trackAcks(inner: RequestListener, work: Pick<WorkQueue, "ackStarted" | "ackFinished">): RequestListener {
  return (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== "POST") return inner(req, res);
    work.ackStarted();
    // 'close' comes once per response: after it is sent, or when the client went away
    res.once("close", () => work.ackFinished());
    inner(req, res);
  };
}
