import type { AnalyzedFile } from "../analyze/analyze.js";
import type { StatementSummary } from "../analyze/describe.js";

/** What a statement does to a name the application may still use. */
export type NameChange = "drop-column" | "drop-table" | "rename-column" | "rename-table" | "column-type";

/** A column or relation whose old name the application must no longer use when the statement runs. */
export interface UsageTarget {
  /** index of the file in the analysed files, and of the statement in its report's statements */
  file: number;
  statement: number;
  change: NameChange;
  /** schema-qualified relation, e.g. public.users */
  relation: string;
  /** bare relation name, e.g. users */
  table: string;
  column?: string;
  /** rename: the new name */
  newName?: string;
  /** how messages name it: users.username, users, app.users.username */
  label: string;
}

const RELATIONS = new Set(["table", "partitioned-table", "view", "materialized-view"]);
const DROPS = new Set(["drop-table", "drop-view", "drop-materialized-view"]);
const CREATES = new Set(["create-table", "create-table-as", "create-view", "create-materialized-view"]);

/**
 * Every DROP COLUMN, DROP TABLE/VIEW, RENAME COLUMN/TABLE and column type change of the analysed
 * files, on relations that existed before the migration (one created earlier in the same file is
 * new: no deployed code can use it). Needs the files' statements (analysed with keepStatements).
 */
export function usageTargets(files: AnalyzedFile[]): UsageTarget[] {
  const out: UsageTarget[] = [];
  files.forEach((f, file) => {
    const summaries = f.statements.map((st) => st.summary);
    summaries.forEach((s, statement) => {
      const isNew = (rel: string) => summaries.slice(0, statement).some((e) => CREATES.has(e.kind) && e.relation === rel);
      for (const t of targetsOf(s)) if (!isNew(t.relation)) out.push({ file, statement, ...t });
    });
  });
  return out;
}

function targetsOf(s: StatementSummary): Array<Omit<UsageTarget, "file" | "statement">> {
  if (DROPS.has(s.kind)) return s.objects.map((relation) => named(relation, "drop-table"));
  if (!s.relation || !RELATIONS.has(s.objectType ?? "table")) return [];
  const relation = s.relation;
  return s.actions.flatMap((a) => {
    if (a.action === "drop-column" && a.column) return [named(relation, "drop-column", a.column)];
    if (a.action === "alter-column-type" && a.column) return [named(relation, "column-type", a.column)];
    if (a.action === "rename-column" && a.column && a.newName) return [{ ...named(relation, "rename-column", a.column), newName: a.newName }];
    if (a.action === "rename" && a.newName) return [{ ...named(relation, "rename-table"), newName: a.newName }];
    return [];
  });
}

function named(relation: string, change: NameChange, column?: string): Omit<UsageTarget, "file" | "statement"> {
  const dot = relation.indexOf(".");
  const schema = dot >= 0 ? relation.slice(0, dot) : "public";
  const table = dot >= 0 ? relation.slice(dot + 1) : relation;
  const shown = schema === "public" ? table : relation;
  return { change, relation, table, ...(column ? { column } : {}), label: column ? `${shown}.${column}` : shown };
}

/** Drops and renames break the running code at once; a type change may not. */
export function breaksCode(change: NameChange): boolean {
  return change !== "column-type";
}
