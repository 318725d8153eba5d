import { describe, expect, it } from "vitest";
import { checkSql, rulesFired } from "../helpers/check-sql.js";

describe("require-statement-timeout: long work under a lock that blocks writes", () => {
  it("is advice (info), once per file, where lock_timeout is set but statement_timeout is not", async () => {
    const file = await checkSql("SET lock_timeout = '2s';\nALTER TABLE users ADD CONSTRAINT users_age_check CHECK (age >= 0);\nCREATE INDEX users_age_idx ON users (age);");
    const found = file.statements.flatMap((s, i) => s.findings.filter((f) => f.rule === "require-statement-timeout").map((f) => [i, f.severity, f.message]));
    expect(found).toEqual([[1, "info", "public.users is read in full while AccessExclusiveLock is held, and no statement_timeout is set: traffic waits as long as the work takes"]]);
  });

  it("stays silent for instant changes, concurrent builds, a SET statement_timeout before, and files without lock_timeout", async () => {
    const quiet = [
      "SET lock_timeout = '2s';\nALTER TABLE users ADD COLUMN c boolean;",
      "SET lock_timeout = '2s';\nCREATE INDEX CONCURRENTLY IF NOT EXISTS users_age_idx ON users (age);",
      "SET lock_timeout = '2s';\nSET statement_timeout = '1min';\nALTER TABLE users ADD CONSTRAINT users_age_check CHECK (age >= 0);",
      "ALTER TABLE users ADD CONSTRAINT users_age_check CHECK (age >= 0);",
    ];
    for (const sql of quiet) expect(rulesFired(await checkSql(sql), "require-statement-timeout"), sql).toEqual([]);
    expect(rulesFired(await checkSql("SET lock_timeout = '2s';\nSET statement_timeout = 0;\nVACUUM FULL users;"), "require-statement-timeout")).toEqual(["require-statement-timeout"]);
  });

  it("without lock_timeout, require-timeout-settings' fix sets both when long work follows the lock", async () => {
    const long = (await checkSql("ALTER TABLE users ADD CONSTRAINT users_age_check CHECK (age >= 0);")).statements[0]!.findings.find((f) => f.rule === "require-timeout-settings")!;
    expect(long.fix).toContain("SET statement_timeout");
    const instant = (await checkSql("ALTER TABLE users ADD COLUMN c boolean;")).statements[0]!.findings.find((f) => f.rule === "require-timeout-settings")!;
    expect(instant.fix).not.toContain("statement_timeout");
  });

  it("SET lock_timeout = 0 turns the timeout off: the strong lock after it still needs one", async () => {
    expect(rulesFired(await checkSql("SET lock_timeout = 0;\nALTER TABLE users ADD COLUMN c boolean;"), "require-timeout-settings")).toEqual(["require-timeout-settings"]);
    expect(rulesFired(await checkSql("SET lock_timeout = 2000;\nALTER TABLE users ADD COLUMN c boolean;"), "require-timeout-settings")).toEqual([]);
  });
});
