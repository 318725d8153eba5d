import { describe, expect, it } from "vitest";
import type { BackfillProgress, BackfillResult, BackfillRun } from "../../src/backfill/index.js";
import { ACTION } from "../../src/slack/action-ids.js";
import { backfillProgressMessage, backfillReportMessage, backfillRunsMessage, backfillSummaryMessage } from "../../src/slack/blocks/backfill.js";
import type { ReportView } from "../../src/slack/blocks/report.js";
import { actionIds, blockText } from "../helpers/slack-bot.js";

const progress: BackfillProgress = {
  run_id: "run-1", table: "public.items", status: "throttled", rows: 1200, scanned: 1200, estimated_total: 2000, batches: 12, batch_size: 100,
  last_batch_ms: 40, max_batch_ms: 90, rows_per_s: 600, eta_s: 2, pass: 1, seconds: 2, throttle: "replication lag 2.1s > 1s",
};
const result: BackfillResult = { status: "paused", rows: 1200, remaining: 800, batches: 12, seconds: 2, rows_per_s: 600, max_batch_ms: 90, run_id: "run-1", table: "public.items", pass: 1, reason: "paused by U1", resumed: false };

describe("backfill blocks", () => {
  it("report: table, SET / WHERE, estimated rows, batch settings, risk and the approval buttons", () => {
    const view: ReportView = {
      checkId: "chk", target: "prod", requestedBy: "UREQ", source: "backfill", contentHash: "a".repeat(64), status: "pending", required: 1, approvals: [], applyAllowed: true,
      report: { version: 1, files: [] },
    };
    const m = backfillReportMessage(view, { spec_path: "fill.yml", table: "items", set: ["doubled = v * 2"], where: "doubled IS NULL", estimated_rows: 2000, batch_size: "auto", target_batch_ms: 200, workers: 1, risk: "medium" });
    expect(m).toMatchSnapshot();
    expect(blockText(m)).toContain("*Estimated rows* 2.0k");
    expect(actionIds(m)).toEqual([ACTION.approve, ACTION.reject]);
    const approved = backfillReportMessage({ ...view, status: "approved", approvals: ["UAPP"] }, { spec_path: "fill.yml", table: "items", set: ["a = 1"], estimated_rows: null, batch_size: 500, workers: 2, risk: "medium" });
    expect(blockText(approved)).toContain("unknown (no connection)");
    expect(actionIds(approved)).toEqual([ACTION.apply, ACTION.reject]);
  });

  it("progress: rows / estimate, rows/s, ETA, batch size, throttle reason, Pause and Cancel", () => {
    const m = backfillProgressMessage("prod", progress);
    expect(m).toMatchSnapshot();
    expect(blockText(m)).toContain("1,200 / ~2,000 (60%)");
    expect(blockText(m)).toContain("replication lag 2.1s &gt; 1s");
    expect(actionIds(m)).toEqual([ACTION.backfillPause, ACTION.backfillCancel]);
  });

  it("summary: a paused run offers Resume and Cancel; a done run offers nothing", () => {
    const paused = backfillSummaryMessage("prod", result);
    expect(paused).toMatchSnapshot();
    expect(blockText(paused)).toContain("800 rows remaining");
    expect(actionIds(paused)).toEqual([ACTION.backfillResume, ACTION.backfillCancel]);
    expect(actionIds(backfillSummaryMessage("prod", { ...result, status: "done", remaining: 0, reason: undefined }))).toEqual([]);
  });

  it("summary: who paused or cancelled is a mention when the state database names a Slack user", () => {
    expect(blockText(backfillSummaryMessage("prod", { ...result, stopped_by: "U1" }))).toContain("paused by <@U1>");
    const cli = { ...result, status: "cancelled" as const, reason: "cancelled by alice", stopped_by: "alice" };
    expect(blockText(backfillSummaryMessage("prod", cli))).toContain("cancelled by alice");
  });

  it("status list", () => {
    const run = { id: "run-1", target: "prod", table_name: "public.items", status: "running", rows_done: 1200, estimated_rows: 2000, throttle: null } as unknown as BackfillRun;
    const m = backfillRunsMessage([run], "prod");
    expect(m).toMatchSnapshot();
    expect(blockText(backfillRunsMessage([], "prod"))).toContain("No backfill runs yet");
  });
});
