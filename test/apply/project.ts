import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { loadConfig, type LoadedConfig } from "../../src/config.js";
import { targetContext, type TargetContext } from "../../src/apply/run.js";

export interface TestProject {
  dir: string;
  configPath: string;
  env: NodeJS.ProcessEnv;
  write(file: string, text: string): void;
  loaded(): LoadedConfig;
  target(): TargetContext;
}

/**
 * A temp project: lockstep.yml with one target `dev` (URL in $DEV_URL) whose migrations live in
 * ./migrations. `apply` holds extra YAML lines for the target's apply section.
 */
export function testProject(url: string, opts: { layout?: string; apply?: Record<string, string | number>; approvals?: Record<string, unknown>; stateUrl?: string } = {}): TestProject {
  const dir = mkdtempSync(path.join(os.tmpdir(), "lockstep-apply-"));
  mkdirSync(path.join(dir, "migrations"));
  const apply = { lock_timeout: "200ms", retries: 5, ...opts.apply };
  const approvals = { allow_unapproved_cli: true, ...opts.approvals };
  const yaml = [
    "targets:",
    "  dev:",
    "    url_env: DEV_URL",
    "    migrations: migrations",
    `    layout: ${opts.layout ?? "auto"}`,
    "    apply:",
    ...Object.entries(apply).map(([k, v]) => `      ${k}: ${JSON.stringify(v)}`),
    "    approvals:",
    ...Object.entries(approvals).map(([k, v]) => `      ${k}: ${JSON.stringify(v)}`),
    "",
  ].join("\n");
  const configPath = path.join(dir, "lockstep.yml");
  writeFileSync(configPath, yaml);
  const env = { ...process.env, DEV_URL: url, LOCKSTEP_CONFIG: configPath, ...(opts.stateUrl ? { DATABASE_URL: opts.stateUrl } : {}) };
  const project: TestProject = {
    dir,
    configPath,
    env,
    write(file, text) {
      const full = path.join(dir, "migrations", file);
      mkdirSync(path.dirname(full), { recursive: true });
      writeFileSync(full, text);
    },
    loaded: () => loadConfig({ path: configPath, env, cwd: dir }),
    target: () => targetContext(project.loaded(), "dev", env, dir),
  };
  return project;
}
