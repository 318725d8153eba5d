import type { SarifRuleMeta } from "../render/sarif.js";

/**
 * The ids, severities and summaries of the findings `check --code` and `check --db` add (they are
 * not rules of the analyzer: they come from the application's code and the database's recorded
 * statements). Ignored with `-- lockstep-ignore code-references: why` like any rule.
 */
export const USAGE_RULES: readonly SarifRuleMeta[] = [
  {
    id: "code-references",
    severity: "error",
    summary: "the application's code still uses a column or table that the migration drops or renames (warning for a type change)",
  },
  {
    id: "live-queries",
    severity: "error",
    summary: "statements recorded by pg_stat_statements still use a column or table that the migration drops or renames (warning for a type change)",
  },
];
