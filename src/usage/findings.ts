import type { FindingEvidence } from "../analyze/types.js";
import { shortTime } from "../render/evidence.js";
import type { Framework } from "./code/frameworks.js";
import { singular, words } from "./names.js";
import { breaksCode, type UsageTarget } from "./targets.js";

/** A finding before ignore comments are applied. */
export interface UsageFinding {
  rule: "code-references" | "live-queries";
  severity: "error" | "warning" | "info";
  message: string;
  fix?: string;
  evidence: FindingEvidence;
}

export const MAX_HITS = 500;

/** What the code search found for one target: an error (or a warning for a type change) with every reference, or a note that there is none. */
export function codeFinding(t: UsageTarget, code: NonNullable<FindingEvidence["code"]>, frameworks: Framework[]): UsageFinding {
  const evidence = { code: { ...code, hits: code.hits.slice(0, MAX_HITS) } };
  if (code.total === 0) return { rule: "code-references", severity: "info", message: `no references to ${t.label} in ${count(code.files, "file")}`, evidence };
  const first = code.hits[0]!;
  const files = new Set(code.hits.map((h) => h.path)).size;
  const more = code.total > 1 ? ` (${count(code.total, "reference")} in ${count(files, "file")})` : "";
  const where = `${first.path}:${first.line} \`${first.text}\`${more}`;
  if (!breaksCode(t.change)) {
    return { rule: "code-references", severity: "warning", message: `code uses ${t.label}, whose type changes: ${where}`, fix: "-- check that each use listed reads and writes the new type (see changing-column-type for a change without a rewrite)", evidence };
  }
  return { rule: "code-references", severity: "error", message: `code still references ${t.label}: ${where}`, fix: twoStepFix(t, frameworks), evidence };
}

/** What pg_stat_statements recorded for one target. */
export function queryFinding(t: UsageTarget, q: NonNullable<FindingEvidence["queries"]>): UsageFinding {
  const since = q.since ? ` since ${shortTime(q.since)}` : " since the statistics were last reset";
  const evidence = { queries: q };
  if (q.statements === 0) return { rule: "live-queries", severity: "info", message: `no statement recorded by pg_stat_statements${since} uses ${t.label}`, evidence };
  const what = `${count(q.statements, "statement")} (${count(q.calls, "call")}${since})`;
  const example = q.example ? `, e.g. \`${q.example}\`` : "";
  if (!breaksCode(t.change)) return { rule: "live-queries", severity: "warning", message: `the database runs ${what} that use ${t.label}, whose type changes${example}`, evidence };
  return {
    rule: "live-queries",
    severity: "error",
    message: `the application still runs ${what} that use ${t.label}${example}`,
    fix: "-- deploy the code that stops using it, reset the statistics (SELECT pg_stat_statements_reset();), and apply once no new calls are recorded",
    evidence,
  };
}

/** The founding doc's two steps, in the words of the ORM the code uses: make the application forget the name, deploy, then change the schema. */
export function twoStepFix(t: UsageTarget, frameworks: Framework[]): string {
  if (t.change === "rename-column" || t.change === "rename-table") {
    return `-- move every reference listed to ${t.newName} in phases: expand (the new name beside the old), deploy code that uses the new name, then contract (drop the old name): see ${t.change === "rename-column" ? "renaming-column" : "renaming-table"}`;
  }
  const model = modelName(t.table);
  const steps = frameworks.length ? frameworks.map((f) => forget(f, t, model)) : [`remove every reference listed from the code`];
  return [`-- 1. ${steps.join("\n--    ")}`, "-- 2. deploy it", `-- 3. then drop ${t.column ? "the column" : "the table"} in the next migration (this statement)`].join("\n");
}

function forget(f: Framework, t: UsageTarget, model: { pascal: string; django: string }): string {
  const col = t.column;
  switch (f) {
    case "django":
      return col
        ? `Django: remove the field from the model and make the migration forget it without touching the table: migrations.SeparateDatabaseAndState(state_operations=[migrations.RemoveField(model_name="${model.django}", name="${col}")], database_operations=[])`
        : `Django: remove the model and make the migration forget it without touching the table: migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(name="${model.django}")], database_operations=[])`;
    case "rails":
      return col
        ? `Rails: in class ${model.pascal}, self.ignored_columns += ["${col}"] and remove every use listed (remove ignored_columns after the drop)`
        : `Rails: remove the ${model.pascal} model and every use listed`;
    case "prisma":
      return col ? `Prisma: remove the field for ${col} from model ${model.pascal} in schema.prisma, run prisma generate, and remove every use listed` : `Prisma: remove model ${model.pascal} from schema.prisma, run prisma generate, and remove every use listed`;
    case "drizzle":
      return col ? `Drizzle: remove the ${col} column from the ${t.table} table definition (pgTable) and every use listed` : `Drizzle: remove the ${t.table} table definition (pgTable) and every use listed`;
  }
}

/**
 * The ORM class a table maps to, as the fix names it: order_items -> OrderItem (Rails, Prisma);
 * Django names tables app_label + "_" + the model in lower case: shop_orderitem -> orderitem.
 */
function modelName(table: string): { pascal: string; django: string } {
  const w = words(table) ?? [table];
  const s = [...w.slice(0, -1), singular(w[w.length - 1]!)];
  return { pascal: s.map((x) => x.charAt(0).toUpperCase() + x.slice(1)).join(""), django: w.length > 1 ? w[w.length - 1]! : table };
}

function count(n: number, word: string): string {
  return `${n.toLocaleString("en-US")} ${word}${n === 1 ? "" : "s"}`;
}
