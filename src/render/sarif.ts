import path from "node:path";
import { pathToFileURL } from "node:url";
import type { CheckReport, RollbackEntry, Severity } from "../analyze/types.js";
import { VERSION } from "../version.js";

/** What SARIF needs to know about a rule (src/analyze/rules/define.ts' Rule fits). */
export interface SarifRuleMeta {
  id: string;
  severity: Severity;
  summary: string;
  docs?: { bad: string; good: string; why?: string };
}

export const SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json";

const LEVEL: Record<Severity, "error" | "warning" | "note"> = { error: "error", warning: "warning", info: "note" };

/**
 * SARIF 2.1.0 for GitHub code scanning: one run, every rule in the driver, one result per
 * finding (ignored ones carry an in-source suppression with the reason) and per input error.
 */
export function renderSarif(report: CheckReport, rules: readonly SarifRuleMeta[], opts: { rulesDocUrl?: string } = {}): string {
  const ids = new Map(rules.map((r, i) => [r.id, i]));
  const driverRules = rules.map((r) => ({
    id: r.id,
    name: pascal(r.id),
    shortDescription: { text: r.summary },
    ...(r.docs ? { help: { text: helpText(r), markdown: helpMarkdown(r) } } : {}),
    ...(opts.rulesDocUrl ? { helpUri: `${opts.rulesDocUrl}#${r.id}` } : {}),
    defaultConfiguration: { level: LEVEL[r.severity] },
  }));
  const artifacts = [];
  const inputErrorRules = new Map<string, number>();
  const results = [];
  for (const file of report.files) {
    const uri = artifactUri(file.path);
    for (const e of file.errors) {
      if (!ids.has(e.code) && !inputErrorRules.has(e.code)) {
        inputErrorRules.set(e.code, driverRules.length);
        driverRules.push({ id: e.code, name: pascal(e.code), shortDescription: { text: `input error: ${e.code}` }, defaultConfiguration: { level: "error" } });
      }
      results.push({
        ruleId: e.code,
        ruleIndex: ids.get(e.code) ?? inputErrorRules.get(e.code)!,
        level: "error" as const,
        message: { text: e.message },
        locations: [location(uri, e.line ?? 1, e.column ?? 1)],
      });
    }
    const rollback = new Map((file.rollback ?? []).map((r) => [r.statement, r]));
    if (file.rollback?.some((r) => r.sql || r.note)) artifacts.push({ location: { uri }, properties: { rollback: [...file.rollback].reverse() } });
    for (const s of file.statements) {
      for (const f of s.findings) {
        const undo = rollback.get(s.index);
        results.push({
          ruleId: f.rule,
          ...(ids.has(f.rule) ? { ruleIndex: ids.get(f.rule)! } : {}),
          level: LEVEL[f.severity],
          message: { text: `${f.message}${f.fix ? `\n\nSafe alternative:\n${f.fix}` : ""}${undo ? `\n\n${rollbackText(undo)}` : ""}` },
          locations: [location(uri, s.line, s.column)],
          ...(f.ignored ? { suppressions: [{ kind: "inSource" as const, ...(f.ignoreReason ? { justification: f.ignoreReason } : {}) }] } : {}),
          properties: { risk: s.risk, statementIndex: s.index },
        });
      }
    }
  }
  const sarif = {
    $schema: SARIF_SCHEMA,
    version: "2.1.0" as const,
    runs: [
      {
        tool: { driver: { name: "lockstep", version: VERSION, semanticVersion: VERSION, rules: driverRules } },
        // each file's rollback plan, last statement first (a property: SARIF has no place for it)
        ...(artifacts.length ? { artifacts } : {}),
        results,
        columnKind: "unicodeCodePoints" as const,
      },
    ],
  };
  return JSON.stringify(sarif, null, 2);
}

function rollbackText(r: RollbackEntry): string {
  const verified = r.verified === true ? ", verified" : r.verified === false ? ", NOT verified" : "";
  return `Rollback (${r.recoverability}${verified}):${r.sql ? `\n${r.sql}` : ""}${r.note ? `\n${r.note}` : ""}`;
}

function location(uri: string, line: number, column: number) {
  return { physicalLocation: { artifactLocation: { uri }, region: { startLine: line, startColumn: column } } };
}

/** Relative paths stay relative (GitHub resolves them against the checkout); absolute ones become file URIs. */
function artifactUri(p: string): string {
  if (p === "-") return "stdin";
  if (path.isAbsolute(p)) return pathToFileURL(p).href;
  return p.split(path.sep).map(encodeURIComponent).join("/");
}

function helpText(r: SarifRuleMeta): string {
  return `${r.summary}${r.docs?.why ? `\n\n${r.docs.why}` : ""}\n\nBad:\n${r.docs?.bad}\n\nGood:\n${r.docs?.good}`;
}

function helpMarkdown(r: SarifRuleMeta): string {
  return `${r.summary}${r.docs?.why ? `\n\n${r.docs.why}` : ""}\n\nBad:\n\`\`\`sql\n${r.docs?.bad}\n\`\`\`\n\nGood:\n\`\`\`sql\n${r.docs?.good}\n\`\`\``;
}

function pascal(id: string): string {
  return id.replace(/(^|-)([a-z0-9])/g, (_, __, c: string) => c.toUpperCase());
}
