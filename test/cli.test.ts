import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { commands } from "../commands/index.js";
import { COMMANDS } from "../commands/manifest.js";
import { runCli } from "../src/cli.js";
import { runLockstep } from "./helpers/cli.js";

const tmp = mkdtempSync(path.join(os.tmpdir(), "lockstep-cli-"));

describe("lockstep CLI", () => {
  it("prints help with the commands and exit codes", async () => {
    const r = await runLockstep(["--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Usage: lockstep");
    expect(r.stdout).toContain("config");
    expect(r.stdout).toMatch(/4\s+an apply or backfill that started but stopped/);
  });

  it("prints the package version", async () => {
    const r = await runLockstep(["--version"]);
    expect(r.code).toBe(0);
    const { version } = (await import("../package.json", { with: { type: "json" } })).default;
    expect(r.stdout.trim()).toBe(version);
  });

  it("rejects an unknown command with one line and exit 2", async () => {
    const r = await runLockstep(["frobnicate"]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain("unknown command 'frobnicate'");
  });

  it("rejects a bad flag with one line and exit 2", async () => {
    const r = await runLockstep(["config", "--no-such-flag"]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain("--no-such-flag");
  });

  it("rejects a named config file that does not exist (--config and LOCKSTEP_CONFIG)", async () => {
    const viaFlag = await runLockstep(["--config", path.join(tmp, "missing.yml"), "config"]);
    expect(viaFlag.code).toBe(2);
    expect(viaFlag.stderr.trim().split("\n")).toHaveLength(1);
    expect(viaFlag.stderr).toContain("missing.yml");
    const viaEnv = await runLockstep(["config"], { env: { LOCKSTEP_CONFIG: path.join(tmp, "gone.yml") } });
    expect(viaEnv.code).toBe(2);
    expect(viaEnv.stderr).toContain("gone.yml");
  });

  it("runs with no config file when none is named", async () => {
    const r = await runLockstep(["config", "--format", "json"], { cwd: tmp });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ path: null, targets: [] });
  });

  it("reports every config problem at once, with paths, and never prints a pasted password", async () => {
    const file = path.join(tmp, "bad.yml");
    writeFileSync(file, "targets:\n  prod:\n    url_env: postgres://app:hunter2@db.example.com/app\n  staging:\n    layout: flyway\n");
    const r = await runLockstep(["--config", file, "config"]);
    expect(r.code).toBe(2);
    const reason = r.stderr.split("\n")[0]!;
    expect(reason).toContain("targets.prod.url_env");
    expect(reason).toContain("targets.staging.url_env");
    expect(r.stderr).not.toContain("hunter2");
    expect(r.stderr).toContain("postgres://app:***@db.example.com/app");
  });

  it("reports YAML syntax errors with line and column", async () => {
    const file = path.join(tmp, "syntax.yml");
    writeFileSync(file, "targets:\n  prod: [unclosed\n");
    const r = await runLockstep(["--config", file, "config"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/line \d+, column \d+/);
  });

  it("shows targets with their env var names but never the URLs", async () => {
    const file = path.join(tmp, "good.yml");
    writeFileSync(file, "targets:\n  prod:\n    url_env: PROD_URL\n    layout: golang-migrate\n");
    const r = await runLockstep(["--config", file, "config", "--format", "json"], {
      env: { PROD_URL: "postgres://app:s3cret@db/app" },
    });
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain("s3cret");
    expect(JSON.parse(r.stdout).targets[0]).toMatchObject({ name: "prod", url_env: "PROD_URL", url_env_set: true, layout: "golang-migrate" });
  });
});

describe("lockstep CLI loads only the command it runs", () => {
  const capture = () => {
    const out = new PassThrough();
    let text = "";
    out.on("data", (d: Buffer) => (text += d.toString()));
    return { out, text: () => text };
  };
  const runIn = async (argv: string[], registry?: Parameters<typeof runCli>[2]) => {
    const stdout = capture();
    const stderr = capture();
    const code = await runCli(argv, { stdout: stdout.out, stderr: stderr.out, stdin: new PassThrough(), env: {}, cwd: tmp }, registry);
    return { code, stdout: stdout.text(), stderr: stderr.text() };
  };

  it("lists each command as its definition says: name, summary, arguments, in help order", () => {
    expect(COMMANDS.map((c) => ({ name: c.name, summary: c.summary, arguments: c.arguments }))).toEqual(
      commands.map((d) => ({
        name: d.name,
        summary: d.summary,
        arguments: (d.arguments ?? []).map((a) => ({ name: a.name, ...(a.required ? { required: true } : {}), ...(a.variadic ? { variadic: true } : {}) })),
      })),
    );
  });

  it("loads the command it lists", async () => {
    for (const entry of COMMANDS) expect(await entry.load()).toBe(commands.find((d) => d.name === entry.name));
  });

  it("prints the same help, usage errors and command help as with every command loaded", async () => {
    const argvs = [["--help"], [], ["frobnicate"], ["chek", "x.sql"], ["help", "check"], ["check", "--help"], ["-c", "x.yml", "plan", "--help"], ["--debug", "help", "backfill"], ["config", "--no-such-flag"], ["--nope", "check"]];
    for (const argv of argvs) {
      const lean = await runIn(argv);
      const full = await runIn(argv, commands);
      expect(lean, argv.join(" ")).toEqual(full);
    }
    expect((await runIn(["--help"])).stdout).toContain("check [options] <paths...>");
  });
});
