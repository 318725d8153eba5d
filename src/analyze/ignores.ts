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

/** One rule id named by a directive, as written and as the rule it names. */
export interface IgnoredRule {
  /** as written in the comment */
  written: string;
  /** the rule's id (an alias resolved); the written id when no rule has it */
  rule: string;
  directive: IgnoreDirective;
}

/**
 * Which directive, if any, silences `rule` on a statement starting at `line`: a statement
 * directive applies to the first statement that starts on a later line. `canonical` resolves
 * aliases (another tool's id, a renamed id) to the rule's id.
 */
export class IgnoreIndex {
  private readonly fileRules = new Map<string, IgnoredRule>();
  private readonly byStatementLine = new Map<number, Map<string, IgnoredRule>>();
  /** statement directives that no statement follows */
  readonly orphans: IgnoredRule[] = [];

  constructor(directives: IgnoreDirective[], statementLines: number[], canonical: (id: string) => string = (id) => id) {
    const starts = [...statementLines].sort((a, b) => a - b);
    for (const d of directives) {
      const named = d.rules.map((written) => ({ written, rule: canonical(written), directive: d }));
      if (d.scope === "file") {
        for (const r of named) this.fileRules.set(r.rule, r);
        continue;
      }
      const target = starts.find((l) => l > d.line);
      if (target === undefined) {
        this.orphans.push(...named);
        continue;
      }
      const rules = this.byStatementLine.get(target) ?? new Map<string, IgnoredRule>();
      for (const r of named) rules.set(r.rule, r);
      this.byStatementLine.set(target, rules);
    }
  }

  match(rule: string, statementLine: number): IgnoreMatch | undefined {
    const local = this.byStatementLine.get(statementLine)?.get(rule);
    if (local) return withReason(local.directive.reason);
    const file = this.fileRules.get(rule);
    return file ? withReason(file.directive.reason) : undefined;
  }

  /** The rules statement directives name for the statement starting at `line`. */
  forStatement(statementLine: number): IgnoredRule[] {
    return [...(this.byStatementLine.get(statementLine)?.values() ?? [])];
  }

  /** The rules file directives name. */
  forFile(): IgnoredRule[] {
    return [...this.fileRules.values()];
  }

  get empty(): boolean {
    return this.fileRules.size === 0 && this.byStatementLine.size === 0 && this.orphans.length === 0;
  }
}

function withReason(reason: string | undefined): IgnoreMatch {
  return reason ? { ignored: true, reason } : { ignored: true };
}
