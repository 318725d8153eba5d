import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import { z } from "zod";
import { describe, expect, it } from "vitest";
import { runCli } from "../src/cli.js";
import { defineCommand } from "../src/command.js";
const withoutEmpty = (e: NodeJS.ProcessEnv) => Object.fromEntries(Object.entries(e).filter(([, v]) => v));
import { createLogger } from "../src/log.js";
import { readSlackSettings } from "../src/slack/settings.js";
import { runLockstep } from "./helpers/cli.js";

const tmp = mkdtempSync(path.join(os.tmpdir(), "lockstep-env-"));

/** Every variable the product reads, set but empty. */
const EMPTY = Object.fromEntries(
  [
    "DATABASE_URL", "LOCKSTEP_CONFIG", "LOCKSTEP_LOG_LEVEL", "LOCKSTEP_SHADOW_ADMIN_URL", "LOCKSTEP_USER",
    "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "SLACK_API_URL", "PORT", "NO_COLOR", "FORCE_COLOR", "USER",
  ].map((k) => [k, ""]),
);

describe("environment variables set to the empty string count as unset", () => {
  it("withoutEmpty keeps only the variables with a value", () => {
    expect(withoutEmpty({ A: "", B: "x", C: undefined, D: " " })).toEqual({ B: "x", D: " " });
  });

  it("commands see none of the empty ones", async () => {
    const probe = defineCommand({
      name: "probe",
      summary: "report the environment a command sees",
      formats: ["json"],
      args: z.object({}),
      async run(ctx) {
        return Object.keys(ctx.env).filter((k) => k in EMPTY || k === "KEPT");
      },
      render: (keys) => JSON.stringify(keys),
    });
    const stdout = new PassThrough();
    let out = "";
    stdout.on("data", (d: Buffer) => (out += d.toString()));
    const code = await runCli(["probe"], { stdout, stderr: new PassThrough(), stdin: new PassThrough(), env: { ...EMPTY, KEPT: "1" }, cwd: tmp }, [probe]);
    expect(code).toBe(0);
    expect(JSON.parse(out)).toEqual(["KEPT"]);
  });

  it("an empty LOCKSTEP_LOG_LEVEL is the default level, not an unknown one", () => {
    const before = process.env.LOCKSTEP_LOG_LEVEL;
    process.env.LOCKSTEP_LOG_LEVEL = "";
    try {
      expect(createLogger().level).toBe("warn");
    } finally {
      if (before === undefined) delete process.env.LOCKSTEP_LOG_LEVEL;
      else process.env.LOCKSTEP_LOG_LEVEL = before;
    }
  });

  it("empty Slack settings are reported missing, and an empty PORT is the default", () => {
    expect(() => readSlackSettings(EMPTY)).toThrow(/missing SLACK_BOT_TOKEN[\s\S]*missing SLACK_SIGNING_SECRET/);
    expect(readSlackSettings({ ...EMPTY, SLACK_BOT_TOKEN: "xoxb-1", SLACK_SIGNING_SECRET: "s" })).toMatchObject({ mode: "http", port: 3000 });
  });

  it("trace with LOCKSTEP_SHADOW_ADMIN_URL= uses the embedded server", async () => {
    const file = path.join(tmp, "m.sql");
    writeFileSync(file, "CREATE TABLE t (id int);\nCREATE INDEX t_id ON t (id);\n");
    const r = await runLockstep(["trace", file, "--format", "json"], { env: EMPTY });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const locks = JSON.parse(r.stdout).files[0].statements.map((s: { locks: unknown }) => s.locks);
    expect(locks).toEqual([[{ relation: "public.t", mode: "AccessExclusiveLock" }], [{ relation: "public.t", mode: "ShareLock" }]]);
  });
});
