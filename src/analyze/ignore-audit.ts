import type { IgnoreIndex, IgnoredRule } from "./ignores.js";
import type { RuleFinding } from "./rules/define.js";

/**
 * Reports lockstep-ignore directives that name no rule (with the closest id) or silence nothing.
 * Fed statement by statement with the rules that fired (before ignores); a statement directive is
 * judged at the last statement starting on its target line (they all share it), file directives
 * at the last statement of the file.
 */
export class IgnoreAudit {
  private readonly firedInFile = new Set<string>();
  private readonly firedOnLine = new Set<string>();

  constructor(
    private readonly index: IgnoreIndex,
    private readonly ids: readonly string[],
    /** judge whether known ids silenced anything (only when every rule ran) */
    private readonly usage: boolean,
    private readonly self: string,
  ) {}

  statement(line: number, fired: ReadonlySet<string>, at: { first: boolean; lastOnLine: boolean; last: boolean }): RuleFinding[] {
    for (const r of fired) {
      this.firedInFile.add(r);
      this.firedOnLine.add(r);
    }
    const out: RuleFinding[] = [];
    if (at.first) for (const r of this.index.forFile()) if (!this.known(r)) out.push(this.unknown(r));
    if (at.lastOnLine) {
      for (const r of this.index.forStatement(line)) out.push(...this.judge(r, this.firedOnLine.has(r.rule), "this statement"));
      this.firedOnLine.clear();
    }
    if (at.last) {
      for (const r of this.index.forFile()) if (this.known(r)) out.push(...this.judge(r, this.firedInFile.has(r.rule), "this file"));
      for (const r of this.index.orphans) out.push(this.known(r) ? finding(r, `lockstep-ignore ${r.written} silences nothing: no statement follows it`, "-- move it above the statement it is meant for, or remove it") : this.unknown(r));
    }
    return out;
  }

  private known(r: IgnoredRule): boolean {
    return this.ids.includes(r.rule);
  }

  private judge(r: IgnoredRule, silenced: boolean, where: string): RuleFinding[] {
    if (!this.known(r)) return [this.unknown(r)];
    if (silenced || !this.usage || r.rule === this.self) return [];
    return [finding(r, `lockstep-ignore ${r.written} silences nothing: ${r.rule} finds nothing in ${where}`, `-- remove ${r.written} from the comment`)];
  }

  private unknown(r: IgnoredRule): RuleFinding {
    const guess = closest(r.written, this.ids);
    return finding(r, `lockstep-ignore names ${r.written}, which is no rule id${guess ? `: did you mean ${guess}?` : ""} (it silences nothing)`, guess ? `-- lockstep-ignore${r.directive.scope === "file" ? "-file" : ""} ${guess}` : "-- see docs/rules.md for the rule ids");
  }
}

function finding(r: IgnoredRule, message: string, fix: string): RuleFinding {
  return { message: `line ${r.directive.line}: ${message}`, fix };
}

/** The id nearest by edit distance (none when nothing is within half the id's length). */
function closest(id: string, ids: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of ids) {
    const d = distance(id, candidate);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return bestDistance <= Math.max(3, Math.ceil(id.length / 2)) ? best : undefined;
}

function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length]!;
}
