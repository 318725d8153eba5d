import path from "node:path";
import { stringify } from "yaml";
import type { Layout } from "../analyze/sources.js";
import type { PlanBackfill, PlanMigration, PlanStep, WrittenFile } from "./types.js";

/** A file the plan writes, relative to the output directory. */
export interface PlannedFile extends WrittenFile {
  content: string;
}

interface SourceName {
  /** version digits as written (keeps zero padding), "" when the name has none */
  version: string;
  name: string;
}

/**
 * The plan's steps as files in the source's own layout: each migration step one migration
 * (golang-migrate up/down pairs, Flyway V/U files with .conf for non-transactional ones, diesel
 * directories with metadata.toml, Prisma directories, dbmate sections, plain numbered files),
 * numbered from the source's version so they sort where the source did; backfill specs in
 * backfills/. Pure: returns contents, writes nothing.
 */
export function layoutFiles(sourcePath: string, layout: Layout, steps: PlanStep[]): { files: PlannedFile[]; notes: string[] } {
  const src = sourceName(sourcePath, layout);
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
    files.push(...migrationFiles(layout, src, k, step, i, notes));
  });
  return { files, notes };
}

function sourceName(p: string, layout: Layout): SourceName {
  const base = path.basename(p);
  const dir = path.basename(path.dirname(p));
  const m = (re: RegExp, s: string) => re.exec(s);
  let r: RegExpExecArray | null = null;
  switch (layout) {
    case "golang-migrate":
      r = m(/^(\d+)_(.+?)\.up\.sql$/i, base);
      break;
    case "flyway":
      r = m(/^V([\d_.]+)__(.+)\.sql$/, base);
      break;
    case "diesel":
      r = m(/^([\d-]+)_(.+)$/, dir);
      break;
    case "prisma":
      r = m(/^(\d+)_(.+)$/, dir);
      break;
    default:
      r = m(/^(\d+)_?(.*?)(\.up)?\.sql$/i, base);
  }
  if (r) return { version: r[1]!, name: r[2] || "migration" };
  return { version: "", name: base.replace(/\.sql$/i, "").replace(/[^A-Za-z0-9]+/g, "_") || "migration" };
}

/** version + n, keeping the width (0042 -> 0043; 2024-01-01-120000 -> 2024-01-01-120001). */
function bump(version: string, n: number): string {
  if (!version) return String(n + 1).padStart(3, "0");
  const m = /^(.*?)(\d+)$/.exec(version);
  if (!m) return `${version}_${n + 1}`;
  const next = (BigInt(m[2]!) + BigInt(n)).toString();
  return `${m[1]}${next.padStart(m[2]!.length, "0")}`;
}

function header(step: PlanMigration, k: number): string {
  const lines = [`-- lockstep plan, migration ${k} (${step.phase}): ${step.why}`];
  if (!step.transactional) lines.push("-- must run outside a transaction block");
  if (step.onFailure) lines.push(`-- if it fails: ${step.onFailure}`);
  return lines.join("\n");
}

function sqlBody(statements: string[], wrapInTransaction: boolean): string {
  const body = statements.map((s) => `${s};`).join("\n\n");
  if (!body) return "-- nothing to undo automatically (see the plan's rollback notes)";
  return wrapInTransaction && statements.length > 1 ? `BEGIN;\n\n${body}\n\nCOMMIT;` : body;
}

function migrationFiles(layout: Layout, src: SourceName, k: number, step: PlanMigration, i: number, notes: string[]): PlannedFile[] {
  const slug = step.slug;
  const head = header(step, k);
  const up = (wrap: boolean) => `${head}\n\n${sqlBody(step.statements, wrap)}\n`;
  const down = (wrap: boolean) => `-- lockstep plan: undoes migration ${k} (${slug})\n\n${sqlBody(step.down, wrap)}\n`;
  const file = (p: string, content: string, role: WrittenFile["role"]): PlannedFile => ({ path: p, content, role, step: i });
  const name = `${src.name}_${slug}`;
  switch (layout) {
    case "golang-migrate":
    case "popx": {
      // golang-migrate sends a file as one Exec: a multi-statement file is one implicit transaction
      const v = bump(src.version, k - 1);
      return [file(`${v}_${name}.up.sql`, up(false), "migration"), file(`${v}_${name}.down.sql`, down(false), "down")];
    }
    case "flyway": {
      const v = `${src.version || "1"}_${k}`;
      const out = [file(`V${v}__${name}.sql`, up(false), "migration"), file(`U${v}__${name}.sql`, down(false), "down")];
      if (!step.transactional) out.push(file(`V${v}__${name}.sql.conf`, "executeInTransaction=false\n", "config"));
      return out;
    }
    case "diesel": {
      const dir = `${bump(src.version || "00000000000000", k - 1)}_${name}`;
      const out = [file(`${dir}/up.sql`, up(false), "migration"), file(`${dir}/down.sql`, down(false), "down")];
      if (!step.transactional) out.push(file(`${dir}/metadata.toml`, "run_in_transaction = false\n", "config"));
      return out;
    }
    case "prisma": {
      const dir = `${bump(src.version || "00000000000000", k - 1)}_${name}`;
      if (!step.transactional) {
        const note = `Prisma cannot mark a migration as non-transactional: ${dir}/migration.sql holds a single statement so Postgres does not run it in a transaction block, but if your Prisma version wraps it, run it with \`prisma db execute --file ${dir}/migration.sql\` and mark it applied with \`prisma migrate resolve --applied ${dir}\``;
        if (!notes.includes(note)) notes.push(note);
      }
      return [file(`${dir}/migration.sql`, up(false), "migration")];
    }
    case "dbmate": {
      const v = bump(src.version, k - 1);
      const content = `-- migrate:up${step.transactional ? "" : " transaction:false"}\n${up(false)}\n-- migrate:down${step.transactional ? "" : " transaction:false"}\n${down(false)}`;
      return [file(`${v}_${name}.sql`, content, "migration")];
    }
    default: {
      if (layout === "drizzle" && !step.transactional) {
        const note = "drizzle-kit migrate runs all pending migrations in one transaction: apply the files that must run outside a transaction block yourself (psql -f, or lockstep apply)";
        if (!notes.includes(note)) notes.push(note);
      }
      // plain files run statement by statement (psql -f): make multi-statement steps atomic
      const v = bump(src.version, k - 1);
      return [file(`${v}_${name}.sql`, up(step.transactional), "migration"), file(`${v}_${name}.down.sql`, down(true), "down")];
    }
  }
}

function backfillYaml(step: PlanBackfill): string {
  const lines = [`# lockstep plan (${step.phase}): ${step.why}`];
  if (step.todo) lines.push(`# TODO: ${step.todo}`);
  lines.push("# run with: lockstep backfill --spec THIS_FILE --db env:DATABASE_URL   (or --target NAME)");
  return `${lines.join("\n")}\n${stringify(step.spec)}`;
}
