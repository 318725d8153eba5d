import { cpSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { findRipgrep } from "../../src/usage/code/ripgrep.js";
import { searchCode, type CodeSearchResult } from "../../src/usage/code/search.js";
import { MAX_FILE_BYTES } from "../../src/usage/code/selection.js";
import { columnForms, tableForms } from "../../src/usage/names.js";
import { REPO_ROOT } from "../helpers/cli.js";

/**
 * The sample application (test/fixtures/sample-app: TypeScript, Python, Go, a Prisma schema and
 * its migrations), copied with what must never be searched around it: dependencies, build
 * output, VCS and hidden dirs, migrations, symlinks, binary and oversized files.
 */
let app: string;
const NAMES = [columnForms("username"), columnForms("display_name"), columnForms("nickname"), tableForms("audit_events"), tableForms("legacy_flags")];
const rg = findRipgrep(process.env);

beforeAll(() => {
  app = path.join(mkdtempSync(path.join(os.tmpdir(), "lockstep-code-")), "app");
  cpSync(path.join(REPO_ROOT, "test/fixtures/sample-app"), app, { recursive: true });
  const put = (rel: string, text: string | Buffer) => {
    mkdirSync(path.dirname(path.join(app, rel)), { recursive: true });
    writeFileSync(path.join(app, rel), text);
  };
  put("node_modules/orm/index.js", "module.exports = (u) => u.nickname;\n");
  put("vendor/bundle/user.rb", "user.nickname\n");
  put("dist/profile.js", "user.nickname;\n");
  put(".git/hooks/pre-commit.py", "nickname = 1\n");
  put(".cache/build.ts", "nickname;\n");
  put("db/migrate/20240101_add_nickname.rb", "add_column :users, :nickname, :string\n");
  put("changes/0002_drop_nickname.sql", "ALTER TABLE users DROP COLUMN nickname;\n");
  put("db/schema.rb", 't.string "nickname"\n');
  put("public/app.min.js", "a.nickname\n");
  put("src/generated/blob.ts", Buffer.concat([Buffer.from("nickname\n"), Buffer.from([0, 1, 2])]));
  put("src/huge.ts", `${"x".repeat(MAX_FILE_BYTES)}\nnickname\n`);
  put("notes/nickname.txt", "nickname\n");
  symlinkSync(path.join(app, "node_modules/orm/index.js"), path.join(app, "src/linked.js"));
  symlinkSync(path.join(app, "node_modules"), path.join(app, "src/deps-link"));
});

const search = (searcher: "builtin" | "auto") => searchCode({ dirs: [app], exclude: [path.join(app, "changes/0002_drop_nickname.sql")], names: NAMES, base: app, env: process.env, searcher });

function expectSampleResults(r: CodeSearchResult): void {
  // schema.prisma, profile.ts, report.py, main.go and the binary file (read, nothing found)
  expect(r.files).toBe(5);
  const [username, displayName, nickname, auditEvents, legacyFlags] = r.hits;
  expect(username).toEqual([
    { path: "prisma/schema.prisma", line: 9, text: "username String @unique" },
    { path: "worker/report.py", line: 14, text: "SELECT username FROM users ORDER BY username" },
  ]);
  expect(displayName!.map((h) => `${h.path}:${h.line}`)).toEqual(["prisma/schema.prisma:10", "src/users/profile.ts:11"]);
  expect(displayName![1]!.text).toContain("user.displayName");
  expect(nickname).toEqual([]);
  expect(auditEvents!.map((h) => `${h.path}:${h.line} ${h.text}`)).toEqual(["cmd/export/main.go:9 type AuditEvent struct {", 'cmd/export/main.go:17 rows, err := db.Query("SELECT id, user_id, happened_at FROM audit_events")']);
  expect(legacyFlags).toEqual([]);
  expect(r.frameworks.get("prisma/schema.prisma")).toBe("prisma");
}

describe("searching the application's source", () => {
  it("built-in scanner: references outside comments, never in dependencies, build output, hidden dirs, migrations, symlinks, binary or oversized files", async () => {
    const r = await search("builtin");
    expect(r.searcher).toBe("builtin");
    expectSampleResults(r);
  });

  it.skipIf(!rg)("ripgrep, when installed, gives the same results", async () => {
    const r = await search("auto");
    expect(r.searcher).toBe("ripgrep");
    expectSampleResults(r);
    expect(r).toEqual({ ...(await search("builtin")), searcher: "ripgrep" });
  });

  it("LOCKSTEP_RIPGREP=off, or a ripgrep that cannot run, falls back to the built-in scanner", async () => {
    expect(findRipgrep({ ...process.env, LOCKSTEP_RIPGREP: "off" })).toBeUndefined();
    const broken = await searchCode({ dirs: [app], exclude: [], names: NAMES, base: app, env: { ...process.env, LOCKSTEP_RIPGREP: path.join(app, "no-such-rg") } });
    expect(broken.searcher).toBe("builtin");
    expect(broken.hits[0]).toHaveLength(2);
  });

  it("a directory given twice, or inside another, is searched once", async () => {
    const r = await searchCode({ dirs: [app, path.join(app, "prisma"), app], exclude: [], names: NAMES, base: REPO_ROOT, env: process.env, searcher: "builtin" });
    expect(r.hits[0]!.filter((h) => h.path.endsWith("schema.prisma"))).toHaveLength(1);
    expect(r.hits[0]![0]!.path).toBe(path.join(app, "prisma/schema.prisma")); // outside the base: absolute
  });
});
