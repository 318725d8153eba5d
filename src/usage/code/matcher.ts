import type { NameForms } from "../names.js";
import { blankComments } from "./comments.js";
import type { Syntax } from "./languages.js";

/** One line of a file that names one of the searched names outside comments. */
export interface LineHit {
  line: number;
  /** the whole line, as written */
  text: string;
  /** indexes of the names (as given to Matcher) it names */
  names: number[];
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Whole-identifier search for several names at once: a form matches where neither neighbour is an
 * ASCII letter, digit or underscore (so `users.display_name`, `"display_name"`, `:display_name`
 * and `$display_name` match; `display_names` and `old_display_name` do not).
 */
export class Matcher {
  private readonly regex: RegExp;
  private readonly exact = new Map<string, number[]>();
  private readonly anyCase = new Map<string, number[]>();
  /** the same alternation for ripgrep (Rust regex: no look-around, ASCII word boundaries instead) */
  readonly ripgrepPattern: string;

  constructor(names: NameForms[]) {
    const add = (map: Map<string, number[]>, key: string, i: number) => {
      const list = map.get(key) ?? [];
      if (!list.includes(i)) list.push(i);
      map.set(key, list);
    };
    names.forEach((n, i) => {
      for (const f of n.exact) add(this.exact, f, i);
      for (const f of n.anyCase) add(this.anyCase, f.toLowerCase(), i);
    });
    const forms = [...[...this.exact.keys()].map((f) => ({ f, anyCase: false })), ...[...this.anyCase.keys()].map((f) => ({ f, anyCase: true }))].sort((a, b) => b.f.length - a.f.length);
    const js = forms.map(({ f, anyCase }) => (anyCase ? caseless(f) : escapeJs(f)));
    this.regex = new RegExp(`(?<![A-Za-z0-9_])(?:${js.join("|")})(?![A-Za-z0-9_])`, "g");
    this.ripgrepPattern = forms
      .map(({ f, anyCase }) => {
        const body = anyCase ? caseless(f) : escapeRust(f);
        return IDENT.test(f) ? `(?-u:\\b)${body}(?-u:\\b)` : body; // a superset is enough: ripgrep only picks the files to read
      })
      .join("|");
  }

  /** Any form anywhere, comments included: the cheap first pass over every file. */
  mentions(text: string): boolean {
    this.regex.lastIndex = 0;
    return this.regex.test(text);
  }

  /** The lines that name any of the names outside comments, in order. */
  lines(text: string, syntax: Syntax): LineHit[] {
    if (!this.mentions(text)) return [];
    const code = blankComments(text, syntax);
    const hits: LineHit[] = [];
    let line = 1;
    let scanned = 0; // newlines counted up to here
    let current: LineHit | undefined;
    this.regex.lastIndex = 0;
    for (let m = this.regex.exec(code); m; m = this.regex.exec(code)) {
      for (let nl = code.indexOf("\n", scanned); nl !== -1 && nl < m.index; nl = code.indexOf("\n", scanned)) {
        line++;
        scanned = nl + 1;
      }
      if (current?.line !== line) {
        const start = text.lastIndexOf("\n", m.index - 1) + 1;
        const end = text.indexOf("\n", m.index);
        current = { line, text: text.slice(start, end < 0 ? text.length : end), names: [] };
        hits.push(current);
      }
      for (const i of [...(this.exact.get(m[0]) ?? []), ...(this.anyCase.get(m[0].toLowerCase()) ?? [])]) if (!current.names.includes(i)) current.names.push(i);
    }
    return hits;
  }
}

function escapeJs(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

/** Rust regex: anything but letters, digits and _ as \x{..} (valid whatever the character). */
function escapeRust(s: string): string {
  return [...s].map((c) => (/[A-Za-z0-9_]/.test(c) ? c : `\\x{${c.codePointAt(0)!.toString(16)}}`)).join("");
}

/** orderitem -> [oO][rR][dD]... : any case, in both regex dialects */
function caseless(s: string): string {
  return [...s].map((c) => (c.toLowerCase() !== c.toUpperCase() ? `[${c.toLowerCase()}${c.toUpperCase()}]` : escapeJs(c))).join("");
}
