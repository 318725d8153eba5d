import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium, type BrowserContext, type Locator, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI, REPO_ROOT } from "../helpers/cli.js";
import { until } from "../helpers/until.js";

/**
 * `lockstep sandbox` in a real browser (Debian's chromium, driven by playwright-core): the whole
 * flow a new user clicks through, asserting what the page shows. Screenshots go to
 * test-results/sandbox/ (gitignored); LOCKSTEP_UPDATE_SCREENSHOT=1 also writes the README's
 * docs/img/sandbox.png.
 */
const CHROMIUM = "/usr/bin/chromium";
const SHOTS = path.join(REPO_ROOT, "test-results/sandbox");
const inCi = Boolean(process.env.CI);
const missing = !existsSync(CHROMIUM);
if (missing && !inCi) process.stderr.write(`skipping the sandbox browser test: ${CHROMIUM} is missing (apt-get install -y chromium)\n`);

let sandbox: ChildProcess | undefined;
let context: BrowserContext | undefined;
let page: Page;
let url: string;
let log = "";
const dirs: string[] = [];

describe.skipIf(missing && !inCi)("lockstep sandbox in Chromium", () => {
  beforeAll(async () => {
    if (missing) throw new Error(`${CHROMIUM} is missing: CI must run this test (.ci/run installs chromium with apt-get)`);
    const cwd = mkdtempSync(path.join(os.tmpdir(), "lockstep-sandbox-test-"));
    dirs.push(cwd);
    sandbox = spawn(process.execPath, [CLI, "sandbox", "--port", "0", "--users", "20000"], { cwd, env: { ...process.env, LOCKSTEP_CONFIG: "" }, stdio: ["ignore", "pipe", "pipe"] });
    sandbox.stderr!.on("data", (d: Buffer) => (log += d.toString()));
    sandbox.stdout!.on("data", (d: Buffer) => (log += d.toString()));
    url = await until(() => /open (http:\/\/127\.0\.0\.1:\d+\/)/.exec(log)?.[1] ?? (sandbox!.exitCode !== null ? fail(log) : undefined), "the sandbox's URL", 150_000);
    const profile = mkdtempSync(path.join(os.tmpdir(), "lockstep-chromium-"));
    dirs.push(profile);
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
      viewport: { width: 1280, height: 1000 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    mkdirSync(SHOTS, { recursive: true });
  }, 180_000);

  afterAll(async () => {
    await context?.close();
    if (sandbox && sandbox.exitCode === null) {
      const exited = new Promise((resolve) => sandbox!.once("close", resolve));
      sandbox.kill("SIGINT");
      await exited;
    }
    // what the sandbox and its bot said, beside the screenshots, for a failure's post-mortem
    if (existsSync(SHOTS)) writeFileSync(path.join(SHOTS, "sandbox.log"), log);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it("check -> the outsider is refused -> two approvals -> apply -> backfill with progress -> done", async () => {
    await page.goto(url);
    await expect.poll(() => page.locator("body").getAttribute("data-ready")).toBe("true");
    // accessible: the user switcher and the composer have labels
    await expect.poll(() => page.getByLabel("You are").count()).toBe(1);
    await say("riley", "/migrate check demo pending");
    const report = page.locator("article.msg", { hasText: "Migration check: demo" });
    await expect.poll(() => report.count(), { timeout: 60_000 }).toBe(1);
    // the busy table makes the added column medium risk: two approvals (the sandbox's policy)
    await expect.poll(() => text(report)).toMatch(/Risk 🟡 medium/);
    await expect.poll(() => text(report)).toMatch(/Approvals 0\/2/);
    await shot("1-check");

    // the outsider's click is refused, in a message only they see
    await as("oscar");
    await click(report, "Approve");
    const refusal = page.locator("article.msg.ephemeral", { hasText: "you are not an approver for demo" });
    await expect.poll(() => refusal.isVisible(), { timeout: 30_000 }).toBe(true);
    await expect.poll(() => text(refusal)).toContain("Only visible to you");
    await shot("2-refused");
    await as("alex");
    expect(await refusal.isVisible()).toBe(false);

    // two approvers: the report is updated in place, each decision noted in its thread
    await click(report, "Approve");
    await expect.poll(() => text(report), { timeout: 30_000 }).toMatch(/Approvals 1\/2 — approved by @alex/);
    await as("sam");
    await click(report, "Approve");
    await expect.poll(() => text(report), { timeout: 30_000 }).toMatch(/Approved by @alex, @sam/);
    await expect.poll(() => text(report)).toMatch(/sam approved \(2\/2\) — fully approved/);

    // apply: progress in the thread, then the summary in its place
    await click(report, "Apply");
    await expect.poll(() => text(report), { timeout: 60_000 }).toMatch(/Applied on demo/);
    await expect.poll(() => text(report)).toMatch(/000001_add_normalized_email\.up\.sql/);
    await expect.poll(() => text(report)).toMatch(/000002_index_users_normalized_email\.up\.sql/);
    await shot("3-applied");

    // the backfill is checked and approved the same way, then runs with its progress updated in place
    await as("riley");
    await say("riley", "/migrate backfill demo backfills/normalized_email.yml");
    const backfill = page.locator("article.msg", { hasText: "Backfill check: demo" });
    await expect.poll(() => backfill.count(), { timeout: 60_000 }).toBe(1);
    await as("alex");
    await click(backfill, "Approve");
    await expect.poll(() => text(backfill), { timeout: 30_000 }).toMatch(/Approvals 1\/2/);
    await as("sam");
    await click(backfill, "Approve");
    await expect.poll(() => text(backfill), { timeout: 30_000 }).toMatch(/Approved by/);
    await click(backfill, "Run backfill");
    const progress = backfill.locator("article.msg", { hasText: "Backfilling public.users on demo" });
    await expect.poll(() => progress.count(), { timeout: 60_000 }).toBe(1);
    await expect.poll(async () => Number(await progress.getAttribute("data-updates")), { timeout: 30_000 }).toBeGreaterThanOrEqual(1);
    await expect.poll(() => text(progress)).toMatch(/Rows [\d,]+ \/ ~20,000 \(\d+%\)/);
    await shot("4-backfill-running");

    // an approver pauses it and resumes it from the summary's button
    await click(progress, "Pause");
    const paused = backfill.locator("article.msg", { hasText: "Backfill paused" });
    await expect.poll(() => paused.count(), { timeout: 30_000 }).toBe(1);
    await click(paused, "Resume");
    const done = backfill.locator("article.msg", { hasText: "Backfill done on demo" });
    await expect.poll(() => done.count(), { timeout: 90_000 }).toBe(1);
    await expect.poll(() => text(backfill)).toMatch(/sam: backfill resume — queued to resume/);
    await as("riley");
    await page.mouse.move(0, 0);
    await page.setViewportSize({ width: 1280, height: 1160 });
    await backfill.evaluate((el) => el.scrollIntoView({ block: "start" }));
    await shot("5-done", process.env.LOCKSTEP_UPDATE_SCREENSHOT ? path.join(REPO_ROOT, "docs/img/sandbox.png") : undefined);
  }, 300_000);

  it("the check dialog: the bot's validation error under its input; pasted SQL drawn as text, never as markup", async () => {
    await page.goto(url);
    await expect.poll(() => page.locator("body").getAttribute("data-ready")).toBe("true");
    await as("riley");
    await say("riley", "/migrate");
    const dialog = page.locator("dialog[open]");
    await expect.poll(() => dialog.count(), { timeout: 30_000 }).toBe(1);
    // both inputs are optional: the bot itself answers an empty form with an error under the SQL input
    await dialog.getByRole("button", { name: "Check" }).click();
    await expect.poll(() => dialog.locator('[data-error-for="sql"]').innerText(), { timeout: 30_000 }).toBe("Paste SQL here, or attach a .sql file below.");
    const evil = `<img src=x onerror=document.body.dataset.pwned=1><b>bold</b>`;
    await dialog.getByLabel(/^SQL/).fill(`CREATE INDEX "${evil}" ON users (email);`);
    await dialog.getByRole("button", { name: "Check" }).click();
    const adhoc = page.locator("article.msg", { hasText: "pasted.sql" }).first();
    await expect.poll(() => adhoc.count(), { timeout: 60_000 }).toBe(1);
    await expect.poll(() => text(adhoc)).toContain(evil);
    expect(await adhoc.locator("img, b:text-is('bold')").count()).toBe(0);
    expect(await page.locator("body").getAttribute("data-pwned")).toBeNull();
  }, 120_000);

  it("Reject asks for a reason in a dialog (required, as in Slack), then the report says who rejected and why", async () => {
    await page.goto(url);
    await expect.poll(() => page.locator("body").getAttribute("data-ready")).toBe("true");
    // this command's report, not an earlier one (the pasted-SQL check before it also waits for approvals)
    const reports = page.locator("article.msg", { hasText: "Migration check: demo" });
    const before = await reports.count();
    await say("riley", "/migrate check demo 000001_add_normalized_email.up.sql");
    await expect.poll(() => reports.count(), { timeout: 60_000 }).toBe(before + 1);
    const report = reports.nth(before);
    await expect.poll(() => text(report), { timeout: 60_000 }).toMatch(/000001_add_normalized_email[\s\S]*Approvals 0\/2/);
    await as("alex");
    await click(report, "Reject");
    const dialog = page.locator("dialog[open]");
    await expect.poll(() => dialog.count(), { timeout: 30_000 }).toBe(1);
    // a required input, as in Slack: the empty form is not sent
    await dialog.getByRole("button", { name: "Reject" }).click();
    expect(await dialog.getByLabel(/Reason/).evaluate((el) => (el as HTMLTextAreaElement).validity.valueMissing)).toBe(true);
    expect(await dialog.count()).toBe(1);
    await dialog.getByLabel(/Reason/).fill("add a lock_timeout first");
    await dialog.getByRole("button", { name: "Reject" }).click();
    await expect.poll(() => dialog.count(), { timeout: 30_000 }).toBe(0);
    await expect.poll(() => text(report), { timeout: 30_000 }).toMatch(/Rejected by @alex: add a lock_timeout first/).catch(async (e: unknown) => {
      writeFileSync(path.join(SHOTS, "reject-failure.txt"), await page.locator("body").innerText());
      throw e;
    });
  }, 120_000);
});

function fail(log: string): never {
  throw new Error(`lockstep sandbox exited:\n${log}`);
}

async function text(l: Locator): Promise<string> {
  return (await l.innerText()).replace(/\s+/g, " ");
}

async function as(name: string): Promise<void> {
  const option = page.locator("#user option", { hasText: name });
  await page.selectOption("#user", (await option.getAttribute("value"))!);
}

async function say(name: string, line: string): Promise<void> {
  await as(name);
  await page.getByLabel(/Message #db/).fill(line);
  await page.getByLabel(/Message #db/).press("Enter");
}

/** The message's own button (not one of a reply's in its thread). */
async function click(message: Locator, label: string): Promise<void> {
  const button = message.locator(":scope > .content > .body button", { hasText: label }).first();
  await expect.poll(() => button.isEnabled(), { timeout: 30_000 }).toBe(true);
  await button.click();
}

async function shot(name: string, alsoTo?: string): Promise<void> {
  const file = path.join(SHOTS, `${name}.png`);
  await page.screenshot({ path: file });
  if (alsoTo) await page.screenshot({ path: alsoTo });
}
