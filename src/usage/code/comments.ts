import type { StringSyntax, Syntax } from "./languages.js";

const NL = 10;
const isSpace = (c: number) => c === 32 || c === 9 || c === 13 || c === 12 || c === 11;
const isIdent = (c: number) => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95;
const PY_PREFIX = /^[rRuU]$/;
const RUBY_HEREDOC = /<<[~-]?(?:(['"`])([A-Za-z_]\w*)\1|([A-Z_][A-Z0-9_]*))/y;
const PHP_HEREDOC = /<<<[ \t]*(['"]?)([A-Za-z_]\w*)\1/y;

/**
 * `text` with every comment replaced by spaces (line breaks kept, so offsets and line numbers do
 * not move). A small lexer per language family: strings are skipped as code, so a `//` or `#`
 * inside a string starts no comment. Python docstrings count as comments; other triple-quoted
 * strings are code (they often hold SQL).
 */
export function blankComments(text: string, syntax: Syntax): string {
  const ranges: Array<[number, number]> = [];
  const openers = new Set<number>();
  for (const o of [...syntax.lineComments, ...syntax.blockComments.map(([b]) => b), ...syntax.strings.map((s) => s.open)]) openers.add(o.charCodeAt(0));
  if (syntax.ruby || syntax.phpHeredoc) openers.add("<".charCodeAt(0));
  if (syntax.ruby) openers.add("=".charCodeAt(0));

  const n = text.length;
  let i = 0;
  let lineStart = true; // only whitespace so far on this line
  let lastCode = -1; // last code character (not whitespace, not comment) before i
  const heredocs: Array<{ id: string; indented: boolean }> = [];

  const blockEnd = (from: number, open: string, close: string): number => {
    let depth = 1;
    let j = from;
    while (j < n) {
      if (syntax.nested && text.startsWith(open, j)) {
        depth++;
        j += open.length;
      } else if (text.startsWith(close, j)) {
        j += close.length;
        if (--depth === 0) return j;
      } else j++;
    }
    return n;
  };
  const stringEnd = (from: number, s: StringSyntax): number => {
    let j = from;
    while (j < n) {
      const c = text.charCodeAt(j);
      if (s.escape && c === 92) j += 2;
      else if (text.startsWith(s.close, j)) return j + s.close.length;
      else if (c === NL && !s.multiline) return j;
      else j++;
    }
    return n;
  };
  /** after a line break: skip the bodies of heredocs opened on the line before (they are strings) */
  const skipHeredocs = (from: number): number => {
    let j = from;
    while (heredocs.length && j < n) {
      const { id, indented } = heredocs[0]!;
      const end = text.indexOf("\n", j);
      const line = text.slice(j, end < 0 ? n : end);
      j = end < 0 ? n : end + 1;
      const bare = indented ? line.trim() : line.trimEnd();
      if (bare === id || (syntax.phpHeredoc && new RegExp(`^\\s*${id}\\b`).test(line))) heredocs.shift();
    }
    return j;
  };

  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === NL) {
      i = heredocs.length ? skipHeredocs(i + 1) : i + 1;
      lineStart = true;
      continue;
    }
    if (isSpace(c)) {
      i++;
      continue;
    }
    if (isIdent(c)) {
      let j = i + 1;
      while (j < n && isIdent(text.charCodeAt(j))) j++;
      // a Python string prefix (r"""...""") belongs to the string that follows
      if (!(syntax.docstrings && j - i === 1 && PY_PREFIX.test(text[i]!) && (text[j] === '"' || text[j] === "'"))) {
        lastCode = text.charCodeAt(j - 1);
        lineStart = false;
      }
      i = j;
      continue;
    }
    if (!openers.has(c) || (c === 47 && text.charCodeAt(i - 1) === 92)) {
      lastCode = c;
      lineStart = false;
      i++;
      continue;
    }
    const next = lex(i);
    if (next > i) i = next;
    else {
      lastCode = c;
      lineStart = false;
      i++;
    }
  }

  /** a comment, string or heredoc opener at i: where it ends (i when none starts here) */
  function lex(at: number): number {
    if (syntax.ruby && lineStart && text.startsWith("=begin", at) && (at === 0 || text.charCodeAt(at - 1) === NL)) {
      const end = text.indexOf("\n=end", at);
      const stop = end < 0 ? n : (text.indexOf("\n", end + 1) + 1 || n);
      ranges.push([at, stop]);
      return stop;
    }
    for (const [open, close] of syntax.blockComments) {
      if (!text.startsWith(open, at)) continue;
      const end = blockEnd(at + open.length, open, close);
      ranges.push([at, end]);
      return end;
    }
    for (const open of syntax.lineComments) {
      if (!text.startsWith(open, at)) continue;
      if (open === "#" && syntax.hashCodeAfter && text[at + 1] === syntax.hashCodeAfter) return at;
      const end = text.indexOf("\n", at);
      const stop = end < 0 ? n : end;
      ranges.push([at, stop]);
      return stop;
    }
    for (const s of syntax.strings) {
      if (!text.startsWith(s.open, at)) continue;
      const end = stringEnd(at + s.open.length, s);
      if (syntax.docstrings && s.open.length === 3 && lineStart && (lastCode === -1 || lastCode === 58 /* : */)) ranges.push([at, end]);
      else {
        lastCode = s.close.charCodeAt(s.close.length - 1);
        lineStart = false;
      }
      return end;
    }
    const heredoc = syntax.ruby ? RUBY_HEREDOC : syntax.phpHeredoc ? PHP_HEREDOC : undefined;
    if (heredoc) {
      heredoc.lastIndex = at;
      const m = heredoc.exec(text);
      if (m) {
        const id = syntax.ruby ? (m[2] ?? m[3])! : m[2]!;
        heredocs.push({ id, indented: !syntax.ruby || m[0][2] === "~" || m[0][2] === "-" });
        lastCode = 60;
        lineStart = false;
        return at + m[0].length;
      }
    }
    return at;
  }

  return blank(text, ranges);
}

function blank(text: string, ranges: Array<[number, number]>): string {
  if (ranges.length === 0) return text;
  const parts: string[] = [];
  let at = 0;
  for (const [s, e] of ranges) {
    parts.push(text.slice(at, s), text.slice(s, e).replace(/[^\n]/g, " "));
    at = e;
  }
  parts.push(text.slice(at));
  return parts.join("");
}
