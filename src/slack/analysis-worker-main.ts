import { parentPort } from "node:worker_threads";
import { loadParser } from "../analyze/parse.js";
import { serveAnalyses } from "./analysis-worker.js";
import { runCheck } from "./run-check.js";

// The entry of an analysis worker thread (see analysis-pool.ts).
if (!parentPort) throw new Error("analysis-worker-main runs in a worker thread");
serveAnalyses(parentPort, runCheck);
// ready before the first request: the parser, and the rollback verification's modules
void loadParser().catch(() => undefined);
void import("../plan/check-verify.js").catch(() => undefined);
