import path from "node:path";
import { stringify } from "yaml";
import type { Layout } from "../analyze/sources.js";
import type { PlanBackfill, PlanMigration, PlanStep, WrittenFile } from "./types.js";

/** A file the plan writes, relative to the output directory. */
export interface PlannedFile extends WrittenFile {
  content: string;
}

/**
 * The plan's steps as files in the source's own layout: each migration step one migration
 * (golang-migrate up/down pairs, Flyway V/U files with .conf for non-transactional ones, diesel
 * directories with metadata.toml, Prisma directories, dbmate sections, Drizzle files with statement
 * breakpoints, plain numbered files), the k-th migration numbered `versions[k]`; backfill specs in
 * backfills/. Pure: returns contents, writes nothing.
 */
export function layoutFiles(sourcePath: string, layout: Layout, steps: PlanStep[], versions: string[]): { files: PlannedFile[]; notes: string[] } {
  const name = sourceName(sourcePath, layout);
  const files: PlannedFile[] = [];
  const notes: string[] = [];
  let k = 0;
  steps.forEach((step, i) => {
    if (step.kind === "deploy") return;
    if (step.kind === "backfill") {
      files.push({ path: `backfills/${String(i + 1).padStart(2, "0")}_${step.slug}.yml`, role: "backfill-spec", step: i, content: backfillYaml(step) });
      return;
    }
    k++;
    files.push(...migrationFiles(layout, versions[k - 1]!, `${name}_${step.slug}`, k, step, i, notes));
  });
  return { files, notes };
}

/** How many migration files the steps make (how many versions layoutFiles needs). */
export function migrationCount(steps: PlanStep[]): number {
  return steps.filter((s) => s.kind === "migration").length;
}

/** The source's name without its version ("add_role" of 000003_add_role.up.sql). */
function sourceName(p: string, layout: Layout): string {
  const base = path.basename(p);
  const dir = path.basename(path.dirname(p));
  const patterns: Partial<Record<Layout, [RegExp, string]>> = {
    "golang-migrate": [/^\d+_(.+?)\.up\.sql$/i, base],
    flyway: [/^V[\d_.]+__(.+)\.sql$/, base],
    diesel: [/^[\d-]+_(.+)$/, dir],
    prisma: [/^\d+_(.+)$/, dir],
  };
  const [re, text] = patterns[layout] ?? [/^\d+_?(.*?)(?:\.up)?\.sql$/i, base];
  const m = re.exec(text);
  if (m) return m[1] || "migration";
  return base.replace(/\.sql$/i, "").replace(/[^A-Za-z0-9]+/g, "_") || "migration";
}

function header(step: PlanMigration, k: number): string {
  const lines = [`-- lockstep plan, migration ${k} (${step.phase}): ${step.why}`];
  if (!step.transactional) lines.push("-- must run outside a transaction block");
  if (step.onFailure) lines.push(`-- if it fails: ${step.onFailure}`);
  return lines.join("\n");
}

function sqlBody(statements: string[], wrapInTransaction: boolean, separator = "\n\n"): string {
  const body = statements.map((s) => `${s};`).join(separator);
  if (!body) return "-- nothing to undo automatically (see the plan's rollback notes)";
  return wrapInTransaction && statements.length > 1 ? `BEGIN;\n\n${body}\n\nCOMMIT;` : body;
}

/** drizzle-kit's separator: its migrator runs each chunk as one query. */
const DRIZZLE_BREAKPOINT = "\n--> statement-breakpoint\n";

function migrationFiles(layout: Layout, version: string, title: string, k: number, step: PlanMigration, i: number, notes: string[]): PlannedFile[] {
  const name = `${version}_${title}`;
  const head = header(step, k);
  const up = (wrap: boolean, separator?: string) => `${head}\n\n${sqlBody(step.statements, wrap, separator)}\n`;
  const down = (wrap: boolean) => `-- lockstep plan: undoes migration ${k} (${step.slug})\n\n${sqlBody(step.down, wrap)}\n`;
  const file = (p: string, content: string, role: WrittenFile["role"]): PlannedFile => ({ path: p, content, role, step: i });
  const note = (text: string) => notes.includes(text) || notes.push(text);
  switch (layout) {
    case "golang-migrate":
    case "popx":
      // golang-migrate sends a file as one Exec: a multi-statement file is one implicit transaction
      return [file(`${name}.up.sql`, up(false), "migration"), file(`${name}.down.sql`, down(false), "down")];
    case "flyway": {
      const flyway = `${version}__${title}`;
      const out = [file(`V${flyway}.sql`, up(false), "migration"), file(`U${flyway}.sql`, down(false), "down")];
      if (!step.transactional) out.push(file(`V${flyway}.sql.conf`, "executeInTransaction=false\n", "config"));
      return out;
    }
    case "diesel": {
      const out = [file(`${name}/up.sql`, up(false), "migration"), file(`${name}/down.sql`, down(false), "down")];
      if (!step.transactional) out.push(file(`${name}/metadata.toml`, "run_in_transaction = false\n", "config"));
      return out;
    }
    case "prisma":
      if (!step.transactional) {
        note(`Prisma cannot mark a migration as non-transactional: ${name}/migration.sql holds a single statement so Postgres does not run it in a transaction block, but if your Prisma version wraps it, run it with \`prisma db execute --file ${name}/migration.sql\` and mark it applied with \`prisma migrate resolve --applied ${name}\``);
      }
      return [file(`${name}/migration.sql`, up(false), "migration")];
    case "dbmate": {
      const content = `-- migrate:up${step.transactional ? "" : " transaction:false"}\n${up(false)}\n-- migrate:down${step.transactional ? "" : " transaction:false"}\n${down(false)}`;
      return [file(`${name}.sql`, content, "migration")];
    }
    case "drizzle":
      // drizzle-kit migrate runs the file inside its own transaction: no BEGIN/COMMIT of ours
      if (!step.transactional) note("drizzle-kit migrate runs all pending migrations in one transaction, where CONCURRENTLY fails: apply these files with lockstep apply (it runs them outside a transaction block and records them in drizzle.__drizzle_migrations)");
      return [file(`${name}.sql`, up(false, DRIZZLE_BREAKPOINT), "migration"), file(`${name}.down.sql`, down(false), "down")];
    default:
      // plain files run statement by statement (psql -f): make multi-statement steps atomic
      return [file(`${name}.sql`, up(step.transactional), "migration"), file(`${name}.down.sql`, down(true), "down")];
  }
}

function backfillYaml(step: PlanBackfill): string {
  const lines = [`# lockstep plan (${step.phase}): ${step.why}`];
  if (step.todo) lines.push(`# TODO: ${step.todo}`);
  lines.push("# run with: lockstep backfill --spec THIS_FILE --db env:DATABASE_URL   (or --target NAME)");
  return `${lines.join("\n")}\n${stringify(step.spec)}`;
}
