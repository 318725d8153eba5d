import { describe, expect, it } from "vitest";
import { checkArgs } from "../commands/check-args.js";
import { quickCheckArgs } from "../commands/check.js";
import { configSchema } from "../src/config.js";
import { emptyConfig } from "../src/config-file.js";

// `check` skips zod for the usual args and for a missing lockstep.yml (start-up time in CI):
// where the quick path answers, it must give exactly what the zod schema gives.
describe("check without zod", () => {
  const accepted: Record<string, unknown>[] = [
    { paths: ["a.sql"], failOn: "error" },
    { paths: ["a.sql", "dir", "-"], failOn: "never" },
    { paths: ["a.sql"], failOn: "warning", verifyRollback: true, schema: "s.sql" },
    { paths: ["a.sql"], failOn: "error", db: "env:DB", target: "prod", changedSince: "main" },
    { paths: ["a.sql"] },
  ];
  it.each(accepted)("accepts %j as the zod schema does", (raw) => {
    const quick = quickCheckArgs(raw);
    expect(quick).toBeDefined();
    expect(quick).toEqual(checkArgs.parse(raw));
  });

  const deferred: Record<string, unknown>[] = [
    { paths: [], failOn: "error" },
    { paths: ["a.sql"], failOn: "sometimes" },
    { paths: ["a.sql"], failOn: "error", pgVersion: "16" },
    { paths: ["a.sql"], failOn: "error", pgVersion: "99" },
    { paths: ["a.sql"], failOn: "error", changedSince: "" },
    { paths: ["a.sql"], failOn: "error", verifyRollback: "yes" },
    { paths: ["a.sql"], failOn: "error", extra: "x" },
    { paths: "a.sql" },
  ];
  it.each(deferred)("leaves %j to the zod schema", (raw) => {
    expect(quickCheckArgs(raw)).toBeUndefined();
  });

  it("has the schema's defaults when there is no config file", () => {
    expect(emptyConfig()).toEqual(configSchema.parse({}));
  });
});
