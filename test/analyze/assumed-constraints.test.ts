import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { analyzePaths } from "../../src/analyze/analyze.js";

/** A table no migration creates: the constraints earlier files put on it still count in later files. */
async function errorsPerFile(files: Record<string, string>): Promise<string[][]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "lockstep-assumed-"));
  for (const [name, sql] of Object.entries(files)) writeFileSync(path.join(dir, name), sql);
  const report = await analyzePaths([dir]);
  return report.files.map((f) => f.statements.flatMap((s) => s.findings.filter((x) => x.severity === "error" && !x.ignored).map((x) => x.rule)));
}

describe("constraints on tables assumed to exist, across migration files", () => {
  it("a CHECK (col IS NOT NULL) validated in an earlier file makes SET NOT NULL safe", async () => {
    const errors = await errorsPerFile({
      "0001_check.up.sql": "ALTER TABLE users ADD CONSTRAINT users_role_nn CHECK (role IS NOT NULL) NOT VALID;\n",
      "0002_validate.up.sql": "ALTER TABLE users VALIDATE CONSTRAINT users_role_nn;\n",
      "0003_set.up.sql": "ALTER TABLE users ALTER COLUMN role SET NOT NULL;\n",
    });
    expect(errors).toEqual([[], [], []]);
  });

  it("without the VALIDATE the SET NOT NULL is still flagged", async () => {
    const errors = await errorsPerFile({
      "0001_check.up.sql": "ALTER TABLE users ADD CONSTRAINT users_role_nn CHECK (role IS NOT NULL) NOT VALID;\n",
      "0003_set.up.sql": "ALTER TABLE users ALTER COLUMN role SET NOT NULL;\n",
    });
    expect(errors[1]).toContain("adding-not-nullable-field");
  });
});
