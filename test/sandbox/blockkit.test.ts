import { describe, expect, it } from "vitest";
import type { BackfillProgress, BackfillResult } from "../../src/backfill/index.js";
import { renderBlocks, renderMessage, renderModal } from "../../src/sandbox/blockkit.js";
import { mrkdwnToHtml } from "../../src/sandbox/mrkdwn-html.js";
import { ACTION } from "../../src/slack/action-ids.js";
import { applyProgressMessage, applySummaryMessage, blockerQuestionMessage } from "../../src/slack/blocks/apply.js";
import { backfillProgressMessage, backfillReportMessage, backfillSummaryMessage } from "../../src/slack/blocks/backfill.js";
import { helpMessage } from "../../src/slack/blocks/help.js";
import { noteMessage } from "../../src/slack/blocks/lists.js";
import { checkModal, rejectModal } from "../../src/slack/blocks/modals.js";
import { reportMessage, type ReportView } from "../../src/slack/blocks/report.js";
import type { Message } from "../../src/slack/blocks/types.js";
import { sampleReport } from "../render/fixtures.js";

const names = { userName: (id: string) => ({ UREQ: "riley", UAPPA: "alex" })[id] ?? id };

/** The bot's own payloads, from its block builders with the inputs of test/slack's snapshot tests. */
const view = (over: Partial<ReportView> = {}): ReportView => ({
  checkId: "chk123", target: "prod", requestedBy: "UREQ", source: "files", report: sampleReport, contentHash: "ab".repeat(32),
  status: "pending", required: 2, approvals: ["UAPPA"], applyAllowed: true, ...over,
});
const progress: BackfillProgress = {
  run_id: "run-1", table: "public.items", status: "throttled", rows: 1200, scanned: 1200, estimated_total: 2000, batches: 12, batch_size: 100,
  last_batch_ms: 40, max_batch_ms: 90, rows_per_s: 600, eta_s: 2, pass: 1, seconds: 2, throttle: "replication lag 2.1s > 1s",
};
const paused: BackfillResult = { status: "paused", rows: 1200, remaining: 800, batches: 12, seconds: 2, rows_per_s: 600, max_batch_ms: 90, run_id: "run-1", table: "public.items", pass: 1, reason: "paused by U1", resumed: false };
const messages: Record<string, Message> = {
  "pending report": reportMessage(view()),
  "approved report": reportMessage(view({ status: "approved", approvals: ["UAPPA", "UREQ"] })),
  "backfill report": backfillReportMessage(view({ source: "backfill", report: { version: 1, files: [] } }), { spec_path: "fill.yml", table: "items", set: ["doubled = v * 2"], where: "doubled IS NULL", estimated_rows: 2000, batch_size: "auto", target_batch_ms: 200, workers: 1, risk: "medium" }),
  "backfill progress": backfillProgressMessage("prod", progress),
  "backfill paused": backfillSummaryMessage("prod", paused),
  "apply progress": applyProgressMessage({ jobId: "job-1", target: "prod", requestedBy: "UREQ", step: 2, steps: 3, current: { path: "0002_idx.up.sql", sql: "CREATE INDEX CONCURRENTLY i ON t (c)" }, elapsedMs: 1500, lockWaits: 1, notes: ["lock wait on 0002 statement 1: retry 1/5 in 0.4s"] }),
  "apply summary": applySummaryMessage({ target: "prod", status: "applied", history: "golang-migrate", pending: [], applied: [{ version: "1", name: "add", path: "0001_add.up.sql", durationMs: 12 } as never], cleanups: [], resolved: [], lockWaits: 0, rollback: [], durationMs: 40 }),
  "blocker question": blockerQuestionMessage("job-1", "prod", [{ pid: 42, user: "app", application: "web", state: "idle in transaction", relation: "public.users", mode: "RowExclusiveLock", granted: true, durationMs: 65_000, query: "UPDATE users SET x = 1" }], "ALTER TABLE users ADD COLUMN y int"),
  help: helpMessage(),
  note: noteMessage(":no_entry_sign: you are not an approver for `prod`"),
};

/** Every tag in rendered HTML: only the renderer's own. */
function tags(html: string): string[] {
  return [...html.matchAll(/<\/?([a-zA-Z0-9]+)/g)].map((m) => m[1]!.toLowerCase());
}
const OWN_TAGS = new Set(["div", "span", "b", "i", "s", "code", "pre", "br", "hr", "a", "button", "label", "textarea", "input", "select", "option", "p", "img"]);

const literal = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The text a reader sees: tags dropped, entities decoded. */
function visible(html: string): string {
  return html.replace(/<br>/g, "\n").replace(/<[^>]+>/g, "").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, "&");
}

describe("Block Kit renderer, on the bot's real messages", () => {
  it.each(Object.entries(messages))("%s: every block drawn, every button with its action id and style, only the renderer's own tags", (_name, m) => {
    const html = renderMessage(m, names);
    expect(html).not.toContain("bk-unknown");
    for (const tag of tags(html)) expect(OWN_TAGS.has(tag), tag).toBe(true);
    for (const block of m.blocks as Array<Record<string, any>>) {
      if (block.type === "header") expect(html).toContain(`role="heading"`);
      if (block.type !== "actions") continue;
      for (const e of block.elements as Array<Record<string, any>>) {
        const button = new RegExp(`<button type="button" class="bk-button${e.style ? ` bk-${e.style}` : ""}" data-action-id="${e.action_id}" data-value="${e.value}"[^>]*>${literal(e.text.text)}</button>`);
        expect(html).toMatch(button);
      }
    }
  });

  it("a pending report: header, risk, the mention by name, SQL in a code block, Approve (primary) and Reject (danger)", () => {
    const html = renderMessage(messages["pending report"]!, names);
    const text = visible(html);
    expect(text).toContain("Migration check: prod");
    expect(text).toContain("requested by @riley");
    expect(text).toContain("approved by @alex");
    expect(html).toMatch(/<pre class="bk-code">ALTER TABLE users ADD COLUMN role text NOT NULL<\/pre>/);
    expect(html).toContain(`data-action-id="${ACTION.approve}"`);
    expect(html).toContain(`class="bk-button bk-danger" data-action-id="${ACTION.reject}"`);
  });

  it("the backfill progress: bold fields, the throttle reason with its > shown as text, Pause and Cancel", () => {
    const html = renderMessage(messages["backfill progress"]!, names);
    expect(visible(html)).toContain("Rows 1,200 / ~2,000 (60%)");
    expect(html).toContain("<b>Rows</b>");
    expect(html).toContain("replication lag 2.1s &gt; 1s");
    expect(visible(html)).toContain("replication lag 2.1s > 1s");
    expect([...html.matchAll(/data-action-id="([^"]+)"/g)].map((m) => m[1])).toEqual([ACTION.backfillPause, ACTION.backfillCancel]);
  });

  it("modals: the check form's labelled inputs (select, multiline text, file) and the reject reason, required unless optional", () => {
    const check = renderModal(checkModal({ targets: ["prod", "staging"], channel: "C1" }), names);
    expect(check.title).toBe("Check a migration");
    expect(check.submit).toBe("Check");
    expect(check.close).toBe("Cancel");
    expect(check.body).toMatch(/<label for="in-target-target_select">Target<\/label><select id="in-target-target_select" data-block-id="target" data-action-id="target_select" data-type="static_select" required><option value="prod">prod<\/option><option value="staging">staging<\/option><\/select>/);
    expect(check.body).toMatch(/<textarea id="in-sql-sql_input" data-block-id="sql" data-action-id="sql_input" data-type="plain_text_input" maxlength="3000" rows="6"><\/textarea>/);
    expect(check.body).toContain("(optional)");
    expect(check.body).toMatch(/<textarea [^>]*data-type="plain_text_input" maxlength/); // optional: not required
    expect(check.body).toContain('data-type="file_input"');
    const reject = renderModal(rejectModal("chk123"), names);
    expect(reject.body).toMatch(/<textarea [^>]*data-block-id="reason"[^>]* required/);
    expect(reject.body).toContain('data-error-for="reason"');
  });

  it("a block it does not know is named, not dropped; a message without blocks shows its text", () => {
    expect(renderBlocks([{ type: "rich_text", elements: [] }], names)).toContain("a rich_text block");
    expect(visible(renderMessage({ text: "plain *text*" }, names))).toBe("plain text");
  });
});

describe("mrkdwn", () => {
  const html = (s: string) => mrkdwnToHtml(s, names);

  it("bold, italic and strike at word edges; snake_case and 2*3*4 stay as written", () => {
    expect(html("*Approved* by _alex_ ~old~")).toBe("<b>Approved</b> by <i>alex</i> <s>old</s>");
    expect(html("users_role_nn_check and normalized_email")).toBe("users_role_nn_check and normalized_email");
    expect(html("2*3*4")).toBe("2*3*4");
  });

  it("bold around inline code; code is verbatim (no formatting inside, entities decoded once)", () => {
    expect(html("*Backfilling `public.users` on `demo`*")).toBe("<b>Backfilling <code>public.users</code> on <code>demo</code></b>");
    expect(html("`a_b_c *x*`")).toBe("<code>a_b_c *x*</code>");
    expect(html("```SELECT 1 &lt; 2 &amp;&amp; *x*```\nafter")).toBe('<pre class="bk-code">SELECT 1 &lt; 2 &amp;&amp; *x*</pre>after');
  });

  it("mentions by name, http(s) links only, emoji by name", () => {
    expect(html("<@UREQ> and <@UNKNOWN>")).toBe('<span class="bk-mention">@riley</span> and <span class="bk-mention">@UNKNOWN</span>');
    expect(html("<https://example.com/a?b=1&amp;c=2|the docs>")).toBe('<a href="https://example.com/a?b=1&amp;c=2" target="_blank" rel="noopener noreferrer">the docs</a>');
    expect(html("<javascript:alert(1)|click>")).toBe("&lt;javascript:alert(1)|click&gt;");
    expect(html(":white_check_mark: done :no_such_emoji:")).toBe("✅ done :no_such_emoji:");
  });

  it("whatever the text holds is shown as text: escaped or not, markup never gets through", () => {
    // as the bot escapes user input (escapeMrkdwn): the reader sees the angle brackets
    expect(html("&lt;script&gt;alert(1)&lt;/script&gt;")).toBe("&lt;script&gt;alert(1)&lt;/script&gt;");
    // unescaped: Slack would read <...> as a link or mention; here it is inert text
    expect(html("<img src=x onerror=alert(1)>")).toBe("&lt;img src=x onerror=alert(1)&gt;");
    expect(html('<@U1|"><script>x</script>>')).not.toMatch(/<script/);
    expect(html("quote \" and ' apostrophe")).toBe("quote &quot; and &#39; apostrophe");
    // the renderer's placeholders cannot be forged from the text
    expect(html("\uE0000\uE001 *b*")).toBe("0 <b>b</b>");
  });
});
