import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";

/** Bolt rejects timestamps older than 5 minutes; this also rejects ones more than 5 minutes ahead. */
export const MAX_CLOCK_SKEW_S = 5 * 60;

export function timestampTooNew(header: string | string[] | undefined, nowMs = Date.now()): boolean {
  const ts = Number(Array.isArray(header) ? header[0] : header);
  return Number.isFinite(ts) && ts > Math.floor(nowMs / 1000) + MAX_CLOCK_SKEW_S;
}

/**
 * Wrap the receiver's request listener: a request stamped in the future is answered 401 before
 * anything reads it. (Everything else, including the signature check, stays Bolt's.)
 */
export function rejectFutureTimestamps(inner: RequestListener): RequestListener {
  return (req: IncomingMessage, res: ServerResponse) => {
    if (req.method === "POST" && timestampTooNew(req.headers["x-slack-request-timestamp"])) {
      res.writeHead(401, { connection: "close" });
      res.end();
      req.resume();
      return;
    }
    inner(req, res);
  };
}
