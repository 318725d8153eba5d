import { defineRule } from "./define.js";

/**
 * Its findings come from the rule runner (run-rules.ts, ignore-audit.ts): only the runner sees
 * every rule's findings on a statement, which tell whether a directive silenced anything.
 */
export default defineRule({
  id: "unused-ignore",
  severity: "warning",
  summary: "A lockstep-ignore comment that names no rule (a misspelt id) or silences nothing",
  docs: {
    bad: "-- lockstep-ignore ban-drop-colum: legacy_name is unused since 2024.06\nALTER TABLE users DROP COLUMN legacy_name;",
    good: "-- lockstep-ignore ban-drop-column: legacy_name is unused since 2024.06\nALTER TABLE users DROP COLUMN legacy_name;",
    why: "A misspelt id silences nothing, so the finding it was meant to acknowledge still fails the run, or, worse, the comment is read as a reviewed exception while another rule's finding goes by. An ignore that no longer silences anything (the statement changed, the rule got smarter) is noise that hides the ones that matter.",
  },
  check: () => [],
});
