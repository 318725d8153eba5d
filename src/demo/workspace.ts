import { copyFileSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { PlanResult } from "../plan/types.js";

/** The demo's files, rewritten on every run: its config, its target's migrations dir, the plans. */
export interface DemoWorkspace {
  dir: string;
  config: string;
  migrations: string;
  plans: string;
}

/** The env var holding the demo target's URL (the config names the variable, never the URL). */
export const DEMO_URL_ENV = "LOCKSTEP_DEMO_URL";

const CONFIG = `# Written by \`npm run demo\` (rewritten on every run): its one target, the local demo database.
targets:
  demo:
    url_env: ${DEMO_URL_ENV}
    migrations: migrations
    layout: golang-migrate
    approvals:
      allow_unapproved_cli: true    # a local demo target: \`lockstep apply\` needs no Slack approval
    apply:
      lock_timeout: 2s
`;

export function prepareWorkspace(dir: string): DemoWorkspace {
  rmSync(dir, { recursive: true, force: true });
  const ws = { dir, config: path.join(dir, "lockstep.yml"), migrations: path.join(dir, "migrations"), plans: path.join(dir, "plans") };
  mkdirSync(ws.migrations, { recursive: true });
  mkdirSync(ws.plans, { recursive: true });
  writeFileSync(ws.config, CONFIG);
  return ws;
}

/** A staged migration: the file name in the target's dir and where it came from. */
export interface Staged {
  name: string;
  why: string;
}

/**
 * The target's migrations: the examples that are safe as written, and in place of the unsafe ones
 * the plans' files — all of the index plan, the first (expand) phase of the NOT NULL column's plan,
 * whose later phases wait for a deploy and a backfill of real values.
 */
export function stageMigrations(ws: DemoWorkspace, examples: string, safe: string[], plans: Array<{ plan: PlanResult; steps: "all" | "first" }>): Staged[] {
  const staged: Staged[] = [];
  const copy = (from: string, why: string) => {
    const name = path.basename(from);
    copyFileSync(from, path.join(ws.migrations, name));
    if (name.endsWith(".up.sql")) staged.push({ name, why });
  };
  for (const base of safe) {
    copy(path.join(examples, `${base}.up.sql`), "safe as written");
    copy(path.join(examples, `${base}.down.sql`), "");
  }
  for (const { plan, steps } of plans) {
    const first = plan.files.find((f) => f.role === "migration")?.step;
    for (const f of plan.files) {
      if (f.role !== "migration" && f.role !== "down") continue;
      if (steps === "first" && f.step !== first) continue;
      copy(f.path, `from the plan of ${path.basename(plan.source)}${steps === "first" ? " (its first phase)" : ""}`);
    }
  }
  return staged.sort((a, b) => a.name.localeCompare(b.name));
}
