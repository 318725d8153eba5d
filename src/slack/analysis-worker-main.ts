import { parentPort } from "node:worker_threads";
import { serveAnalyses } from "./analysis-worker.js";
import { runCheck } from "./run-check.js";

// The entry of an analysis worker thread (see analysis-pool.ts).
if (!parentPort) throw new Error("analysis-worker-main runs in a worker thread");
serveAnalyses(parentPort, runCheck);
