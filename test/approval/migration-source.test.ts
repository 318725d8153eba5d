import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { filesForPath, insideDir, listMigrations } from "../../src/approval/migration-source.js";
import { createTestDatabase } from "../helpers/db.js";

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(os.tmpdir(), "lockstep-src-"));
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), content);
  }
  return root;
}

const db = await createTestDatabase();

describe("migrations in layout order", () => {
  it("golang-migrate: numeric versions, up files only", () => {
    const root = tree({ "10_c.up.sql": "", "10_c.down.sql": "", "2_b.up.sql": "", "0001_a.up.sql": "" });
    expect(listMigrations(root, "auto").map((u) => [u.version, u.path])).toEqual([
      ["1", "0001_a.up.sql"],
      ["2", "2_b.up.sql"],
      ["10", "10_c.up.sql"],
    ]);
  });

  it("flyway: V1 < V1_1 < V2 < V10, version as Flyway records it", () => {
    const root = tree({ "V10__d.sql": "", "V2__c.sql": "", "V1_1__b.sql": "", "V1__a.sql": "" });
    expect(listMigrations(root, "auto").map((u) => u.version)).toEqual(["1", "1.1", "2", "10"]);
  });

  it("diesel and prisma: one migration per directory", () => {
    const diesel = tree({ "2024-01-02-000000_b/up.sql": "", "2024-01-02-000000_b/down.sql": "", "2024-01-01-000000_a/up.sql": "", "2024-01-01-000000_a/down.sql": "" });
    expect(listMigrations(diesel, "auto")).toEqual([
      { version: "20240101000000", path: "2024-01-01-000000_a", files: ["2024-01-01-000000_a/up.sql"] },
      { version: "20240102000000", path: "2024-01-02-000000_b", files: ["2024-01-02-000000_b/up.sql"] },
    ]);
    const prisma = tree({ "20240101_init/migration.sql": "", "20240202_more/migration.sql": "", "migration_lock.toml": "" });
    expect(listMigrations(prisma, "auto").map((u) => u.version)).toEqual(["20240101_init", "20240202_more"]);
    expect(filesForPath(prisma, "20240202_more")).toEqual(["20240202_more/migration.sql"]);
  });
});

describe("paths stay inside the migrations dir", () => {
  it("refuses .., absolute paths and symlinks out", () => {
    const root = tree({ "a.sql": "", "sub/b.sql": "" });
    const outside = tree({ "secret.sql": "" });
    symlinkSync(path.join(outside, "secret.sql"), path.join(root, "link.sql"));
    symlinkSync(outside, path.join(root, "linkdir"));
    expect(filesForPath(root, "sub/b.sql")).toEqual(["sub/b.sql"]);
    expect(filesForPath(root, "sub/../a.sql")).toEqual(["a.sql"]);
    for (const bad of ["../x.sql", path.join(outside, "secret.sql"), "link.sql", "linkdir/secret.sql", ".", ""]) {
      expect(() => insideDir(root, bad), bad).toThrow(/outside/);
    }
    expect(() => filesForPath(root, "missing.sql")).toThrow(/not found/);
  });
});
