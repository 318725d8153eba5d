import { describe, expect, it } from "vitest";
import { blankComments } from "../../src/usage/code/comments.js";
import { LANGUAGES } from "../../src/usage/code/languages.js";
import { Matcher } from "../../src/usage/code/matcher.js";
import { columnForms, singular, tableForms } from "../../src/usage/names.js";

/** The lines of `text` (in language `ext`) that name `column` outside comments. */
function linesNaming(ext: string, text: string, column = "nickname"): number[] {
  return new Matcher([columnForms(column)]).lines(text, LANGUAGES[ext]!).map((h) => h.line);
}

describe("comments are not references", () => {
  it("TypeScript: // and /* */ comments, but not // inside strings, template literals or after an escaped slash", () => {
    const ts = [
      "// nickname",
      "/* nickname",
      "   nickname */ const a = 1;",
      'const url = "http://x/nickname";',
      "const t = `line one",
      "// nickname inside a template literal is code`;",
      "const re = /a\\//; user.nickname;",
      "const b = 2; // user.nickname",
    ].join("\n");
    expect(linesNaming("ts", ts)).toEqual([4, 6, 7]);
  });

  it("Python: # comments and docstrings; triple-quoted SQL passed as an argument is code", () => {
    const py = [
      '"""Module docstring: nickname."""',
      "import os  # nickname",
      "class User:",
      '    """nickname in a class docstring"""',
      "    def f(self):",
      "        r'''nickname in a raw docstring'''",
      "        cur.execute(",
      '            """',
      "            SELECT nickname FROM users",
      '            """)',
      '        s = "# nickname in a string"',
    ].join("\n");
    expect(linesNaming("py", py)).toEqual([9, 11]);
  });

  it("Go: comments, raw strings with //, struct tags", () => {
    const go = ["// Nickname is gone", "type U struct {", '\tNickname string `db:"nickname" // not a comment`', "}", "/* nickname */"].join("\n");
    expect(linesNaming("go", go)).toEqual([3]);
  });

  it("SQL: -- and nested /* */ comments; strings and quoted identifiers are code", () => {
    const sql = ["-- nickname", "/* outer /* nickname */ still nickname */ SELECT 1;", 'SELECT "nickname" FROM users;', "SELECT '-- nickname';"].join("\n");
    expect(linesNaming("sql", sql)).toEqual([3, 4]);
  });

  it("Ruby: # and =begin/=end comments; heredoc SQL is code even with # in it", () => {
    const rb = ["# nickname", "=begin", "nickname", "=end", "sql = <<~SQL", "  SELECT nickname FROM users # not a Ruby comment", "SQL", "user.nickname # nickname"].join("\n");
    expect(linesNaming("rb", rb)).toEqual([6, 8]);
  });

  it("PHP: #[attributes] are code, # and // comments are not", () => {
    const php = ["<?php", "#[ORM\\Column(name: 'nickname')]", "# nickname", "// nickname", "$q = <<<SQL", "SELECT nickname -- in a heredoc", "SQL;"].join("\n");
    expect(linesNaming("php", php)).toEqual([2, 6]);
  });

  it("Prisma: // and /// comments; @map strings are code", () => {
    const prisma = ["model User {", "  /// nickname", '  nick String @map("nickname") // nickname', "}"].join("\n");
    expect(linesNaming("prisma", prisma)).toEqual([3]);
  });

  it("blanking keeps offsets and line breaks", () => {
    const text = "a /* x\ny */ b // z\nc";
    const blank = blankComments(text, LANGUAGES.ts!);
    expect(blank.length).toBe(text.length);
    expect(blank.split("\n").length).toBe(3);
    expect(blank.replace(/\s+/g, " ").trim()).toBe("a b c");
  });
});

describe("whole identifiers, in the forms ORMs generate", () => {
  it("display_name is found as display_name, displayName and DisplayName, quoted or not; not inside longer names", () => {
    const m = new Matcher([columnForms("display_name")]);
    const js = ['row.display_name', 'user.displayName', "DisplayName string", '"display_name"', "old_display_name", "display_names", "displayNameX", "$display_name"].join("\n");
    expect(m.lines(js, LANGUAGES.ts!).map((h) => h.line)).toEqual([1, 2, 3, 4, 8]);
  });

  it("tables: the name, the model class (singular PascalCase) and, for several words, the singular forms", () => {
    expect(tableForms("users").exact).toEqual(["users", "Users", "User"]);
    expect(tableForms("order_items").exact).toEqual(["order_items", "orderItems", "OrderItems", "OrderItem", "order_item", "orderItem"]);
    expect(tableForms("shop_orderitem", { django: true }).anyCase).toEqual(["orderitem"]);
    const m = new Matcher([tableForms("shop_orderitem", { django: true })]);
    expect(m.lines("class OrderItem(models.Model):\n    pass\nx = 1", LANGUAGES.py!).map((h) => h.line)).toEqual([1]);
  });

  it("singular forms", () => {
    expect(["categories", "addresses", "boxes", "statuses", "people", "users", "status", "series"].map(singular)).toEqual(["category", "address", "box", "status", "person", "user", "status", "series"]);
  });
});
