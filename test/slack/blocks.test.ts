import { describe, expect, it } from "vitest";
import type { CheckReport, StatementReport } from "../../src/analyze/types.js";
import { ACTION } from "../../src/slack/action-ids.js";
import { helpMessage } from "../../src/slack/blocks/help.js";
import { LIMITS } from "../../src/slack/blocks/limits.js";
import { checkModal, rejectModal } from "../../src/slack/blocks/modals.js";
import { reportMarkdown } from "../../src/slack/blocks/report-markdown.js";
import { reportMessage, type ReportView } from "../../src/slack/blocks/report.js";
import type { Block } from "../../src/slack/blocks/types.js";

const addColumn: StatementReport = {
  index: 0,
  line: 1,
  column: 1,
  sql: "ALTER TABLE users ADD COLUMN name text NOT NULL",
  kind: "alter-table",
  transactional: true,
  risk: "high",
  locks: [{ relation: "public.users", mode: "AccessExclusiveLock" }],
  rewrites: [],
  findings: [
    {
      rule: "adding-required-field",
      severity: "error",
      message: "NOT NULL column without a default fails or locks public.users",
      fix: "add the column nullable, backfill, then add the constraint",
      ignored: false,
    },
  ],
  estimate: { rows: 1_200_000, bytes: 256 * 1024 * 1024, seconds: 42 },
};

const index: StatementReport = {
  index: 1,
  line: 3,
  column: 1,
  sql: "CREATE INDEX users_email ON users (email)",
  kind: "create-index",
  transactional: true,
  risk: "medium",
  locks: [{ relation: "public.users", mode: "ShareLock" }],
  rewrites: [],
  findings: [{ rule: "require-concurrent-index", severity: "error", message: "blocks writes for the whole build", fix: "CREATE INDEX CONCURRENTLY", ignored: true, ignoreReason: "table is tiny" }],
};

const report: CheckReport = {
  version: 1,
  files: [
    {
      path: "001_add_name.up.sql",
      risk: "high",
      statements: [addColumn, index],
      errors: [],
      rollback: [
        { statement: 0, sql: "ALTER TABLE users DROP COLUMN name;", recoverability: "clean", verified: true },
        { statement: 1, sql: "DROP INDEX CONCURRENTLY users_email;", recoverability: "clean", verified: null },
      ],
    },
  ],
};

const view = (over: Partial<ReportView> = {}): ReportView => ({
  checkId: "chk123",
  target: "prod",
  requestedBy: "UREQ",
  source: "files",
  report,
  contentHash: "ab".repeat(32),
  status: "pending",
  required: 2,
  approvals: ["UAPPA"],
  applyAllowed: true,
  ...over,
});

function texts(blocks: Block[]): string {
  return JSON.stringify(blocks);
}

function actionIds(blocks: Block[]): string[] {
  return blocks.flatMap((b) => (b.type === "actions" ? b.elements.map((e) => (e as { action_id: string }).action_id) : []));
}

describe("report message", () => {
  it("renders a pending report", () => {
    expect(reportMessage(view())).toMatchSnapshot();
  });

  it("names locks Postgres' way, shows estimate, findings with fixes and the rollback plan", () => {
    const text = texts(reportMessage(view()).blocks);
    expect(text).toContain("AccessExclusiveLock on public.users");
    expect(text).toContain("ShareLock on public.users");
    expect(text).toContain("~42 s, 1.2M rows, 256.0 MB");
    expect(text).toContain("_fix:_ add the column nullable, backfill, then add the constraint");
    expect(text).toContain("Rollback plan");
    expect(text).toContain("clean (verified)");
    expect(text).toContain("high risk");
  });

  it("offers Apply only once approved, and never for ad-hoc SQL the target does not allow", () => {
    expect(actionIds(reportMessage(view()).blocks)).toEqual([ACTION.approve, ACTION.reject]);
    expect(actionIds(reportMessage(view({ status: "approved", approvals: ["UAPPA", "UAPPB"] })).blocks)).toEqual([ACTION.apply, ACTION.reject]);
    const adhoc = reportMessage(view({ status: "approved", source: "adhoc", applyAllowed: false }));
    expect(actionIds(adhoc.blocks)).toEqual([ACTION.reject]);
    expect(texts(adhoc.blocks)).toContain("apply is not allowed");
    for (const status of ["rejected", "void", "expired", "apply-requested"] as const) {
      expect(actionIds(reportMessage(view({ status })).blocks)).toEqual([]);
    }
  });

  it("shows who rejected and why, escaped", () => {
    const m = reportMessage(view({ status: "rejected", decidedBy: "UAPPB", statusReason: "use <!channel> CONCURRENTLY & retry" }));
    expect(m.blocks.at(-1)).toMatchInlineSnapshot(`
      {
        "text": {
          "text": ":no_entry: *Rejected* by <@UAPPB>: use &lt;!channel&gt; CONCURRENTLY &amp; retry",
          "type": "mrkdwn",
        },
        "type": "section",
      }
    `);
  });

  it("escapes SQL and paths so mrkdwn control sequences stay inert", () => {
    const evil: CheckReport = {
      version: 1,
      files: [{ path: "<!here>.sql", risk: "low", errors: [], statements: [{ ...index, risk: "low", findings: [], sql: "SELECT '<!channel>' , '<@U1|x>'" }] }],
    };
    const text = texts(reportMessage(view({ report: evil })).blocks);
    expect(text).not.toMatch(/<!channel>|<!here>|<@U1/);
    expect(text).toContain("&lt;!channel&gt;");
  });

  it("stays within Slack's limits and summarises long reports", () => {
    const many: StatementReport[] = Array.from({ length: 120 }, (_, i) => ({ ...addColumn, index: i, line: i + 1, sql: `${addColumn.sql} -- ${"x".repeat(i * 40)}` }));
    const long: CheckReport = { version: 1, files: [{ path: "big.sql", risk: "high", statements: many, errors: [] }] };
    const m = reportMessage(view({ report: long }));
    expect(m.summarised).toBe(true);
    expect(m.blocks.length).toBeLessThanOrEqual(LIMITS.blocksPerMessage);
    for (const b of m.blocks) {
      if (b.type === "section" && b.text) expect(b.text.text.length).toBeLessThanOrEqual(LIMITS.sectionText);
      if (b.type === "actions") for (const e of b.elements) expect(((e as { value?: string }).value ?? "").length).toBeLessThanOrEqual(LIMITS.buttonValue);
    }
    expect(texts(m.blocks)).toContain("full report is attached in the thread");
    expect(texts(m.blocks)).toContain("120 statements");
    expect(actionIds(m.blocks)).toEqual([ACTION.approve, ACTION.reject]);
    expect(reportMessage(view()).summarised).toBe(false);
  });

  it("cuts a huge statement to fit one section", () => {
    const huge: CheckReport = { version: 1, files: [{ path: "huge.sql", risk: "high", errors: [], statements: [{ ...addColumn, sql: "x".repeat(50_000) }] }] };
    const m = reportMessage(view({ report: huge }));
    for (const b of m.blocks) if (b.type === "section" && b.text) expect(b.text.text.length).toBeLessThanOrEqual(LIMITS.sectionText);
  });
});

describe("full markdown report", () => {
  it("has every statement, lock, finding and rollback step", () => {
    expect(reportMarkdown({ target: "prod", checkId: "chk123", contentHash: "ab".repeat(32), report })).toMatchSnapshot();
  });
});

describe("other messages", () => {
  it("help", () => {
    expect(helpMessage()).toMatchSnapshot();
  });

  it("check modal: target, SQL up to Slack's input limit, or a .sql file", () => {
    const modal = checkModal({ targets: ["prod", "staging"], channel: "C1" });
    expect(modal).toMatchSnapshot();
    expect(JSON.stringify(modal)).toContain(`"max_length":${LIMITS.textInput}`);
  });

  it("reject modal asks for a reason", () => {
    expect(rejectModal("chk123")).toMatchSnapshot();
  });
});
