/**
 * The source files searched for references, and how each language writes comments and strings:
 * enough to tell a comment from code (strings are code: ORMs and raw SQL name columns in them).
 */
export interface StringSyntax {
  open: string;
  close: string;
  /** may span lines; otherwise an unterminated string ends at the line's end */
  multiline: boolean;
  /** a backslash escapes the next character */
  escape: boolean;
}

export interface Syntax {
  lineComments: string[];
  blockComments: Array<[open: string, close: string]>;
  /** block comments nest (SQL, Kotlin, Rust) */
  nested?: boolean;
  /** longest openers first */
  strings: StringSyntax[];
  /** `#` followed by this character is code, not a comment (PHP 8 attributes: #[ORM\Column]) */
  hashCodeAfter?: string;
  /** Python: a triple-quoted string opening a module, class or function body is a docstring (a comment) */
  docstrings?: boolean;
  /** Ruby's =begin/=end block comments and <<~ID heredocs; PHP's <<<ID heredocs */
  ruby?: boolean;
  phpHeredoc?: boolean;
}

const str = (open: string, multiline: boolean, escape = true, close = open): StringSyntax => ({ open, close, multiline, escape });

const C_LIKE = { lineComments: ["//"], blockComments: [["/*", "*/"]] as Array<[string, string]> };

const JS: Syntax = { ...C_LIKE, strings: [str("`", true), str('"', false), str("'", false)] };
const PYTHON: Syntax = { lineComments: ["#"], blockComments: [], strings: [str('"""', true), str("'''", true), str('"', false), str("'", false)], docstrings: true };
const RUBY: Syntax = { lineComments: ["#"], blockComments: [], strings: [str('"', true), str("'", true), str("`", true)], ruby: true };
const GO: Syntax = { ...C_LIKE, strings: [str("`", true, false), str('"', false), str("'", false)] };
const JAVA: Syntax = { ...C_LIKE, strings: [str('"""', true), str('"', false), str("'", false)] };
const KOTLIN: Syntax = { ...C_LIKE, nested: true, strings: [str('"""', true, false), str('"', false), str("'", false)] };
const CSHARP: Syntax = { ...C_LIKE, strings: [str('"""', true, false), str('@"', true, false, '"'), str('"', false), str("'", false)] };
const PHP: Syntax = { lineComments: ["//", "#"], blockComments: [["/*", "*/"]], strings: [str('"', true), str("'", true), str("`", true)], hashCodeAfter: "[", phpHeredoc: true };
const SQL: Syntax = { lineComments: ["--"], blockComments: [["/*", "*/"]], nested: true, strings: [str("'", true, false), str('"', true, false)] };
const PRISMA: Syntax = { lineComments: ["//"], blockComments: [], strings: [str('"', false)] };
const RUST: Syntax = { ...C_LIKE, nested: true, strings: [str('"', true)] };
const ELIXIR: Syntax = { lineComments: ["#"], blockComments: [], strings: [str('"""', true), str("'''", true), str('"', true), str("'", true)] };

/** Extension (without the dot) -> syntax. Drizzle schemas are TypeScript; Prisma's are .prisma. */
export const LANGUAGES: Record<string, Syntax> = {
  ts: JS, tsx: JS, mts: JS, cts: JS, js: JS, jsx: JS, mjs: JS, cjs: JS,
  py: PYTHON,
  rb: RUBY, rake: RUBY,
  go: GO,
  java: JAVA,
  kt: KOTLIN, kts: KOTLIN,
  cs: CSHARP,
  php: PHP,
  sql: SQL,
  prisma: PRISMA,
  rs: RUST,
  ex: ELIXIR, exs: ELIXIR,
};

export const EXTENSIONS = Object.keys(LANGUAGES);

export function syntaxOf(file: string): Syntax | undefined {
  const dot = file.lastIndexOf(".");
  return dot >= 0 ? LANGUAGES[file.slice(dot + 1)] : undefined;
}
