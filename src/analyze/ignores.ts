import { scanSync } from "./parse.js";

/**
 * `-- lockstep-ignore rule-id[, rule-id]: reason` silences those rules for the next statement;
 * `-- lockstep-ignore-file rule-id[, rule-id][: reason]` for the whole file. Only real SQL
 * comments count (the scanner skips look-alikes inside strings and dollar-quoted bodies).
 */
export interface IgnoreDirective {
  scope: "statement" | "file";
  rules: string[];
  reason?: string;
  /** 1-based line of the comment */
  line: number;
}

const DIRECTIVE = /^--\s*lockstep-ignore(-file)?\s+([^:]+?)\s*(?::\s*(.*?))?\s*$/;
const MARKER = "lockstep-ignore";

export function parseIgnoreDirectives(sql: string): IgnoreDirective[] {
  if (!sql.includes(MARKER)) return [];
  let tokens: Array<{ start: number; end: number; text: string; tokenName: string }>;
  try {
    tokens = scanSync(sql).tokens;
  } catch {
    return []; // an unscannable file reports its syntax error elsewhere
  }
  const bytes = Buffer.from(sql, "utf8");
  const directives: IgnoreDirective[] = [];
  for (const t of tokens) {
    if (t.tokenName !== "SQL_COMMENT" || !t.text.includes(MARKER)) continue;
    const m = DIRECTIVE.exec(t.text);
    if (!m) continue;
    const rules = m[2]!.split(",").map((r) => r.trim()).filter(Boolean);
    if (rules.length === 0) continue;
    directives.push({
      scope: m[1] ? "file" : "statement",
      rules,
      ...(m[3] ? { reason: m[3] } : {}),
      line: lineAt(bytes, t.start),
    });
  }
  return directives;
}

function lineAt(bytes: Buffer, offset: number): number {
  let line = 1;
  for (let i = bytes.indexOf(10); i !== -1 && i < offset; i = bytes.indexOf(10, i + 1)) line++;
  return line;
}

export interface IgnoreMatch {
  ignored: true;
  reason?: string;
}

/**
 * Which directive, if any, silences `rule` on a statement starting at `line`: a statement
 * directive applies to the first statement that starts on a later line.
 */
export class IgnoreIndex {
  private readonly fileRules = new Map<string, string | undefined>();
  private readonly byStatementLine = new Map<number, Map<string, string | undefined>>();

  constructor(directives: IgnoreDirective[], statementLines: number[]) {
    const starts = [...statementLines].sort((a, b) => a - b);
    for (const d of directives) {
      if (d.scope === "file") {
        for (const r of d.rules) this.fileRules.set(r, d.reason);
        continue;
      }
      const target = starts.find((l) => l > d.line);
      if (target === undefined) continue;
      const rules = this.byStatementLine.get(target) ?? new Map<string, string | undefined>();
      for (const r of d.rules) rules.set(r, d.reason);
      this.byStatementLine.set(target, rules);
    }
  }

  match(rule: string, statementLine: number): IgnoreMatch | undefined {
    const local = this.byStatementLine.get(statementLine);
    if (local?.has(rule)) return withReason(local.get(rule));
    if (this.fileRules.has(rule)) return withReason(this.fileRules.get(rule));
    return undefined;
  }

  /** Rule ids named in directives, to warn about typos. */
  named(): string[] {
    return [...new Set([...this.fileRules.keys(), ...[...this.byStatementLine.values()].flatMap((m) => [...m.keys()])])];
  }
}

function withReason(reason: string | undefined): IgnoreMatch {
  return reason ? { ignored: true, reason } : { ignored: true };
}
