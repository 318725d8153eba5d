import { describe, expect, it } from "vitest";
import { looksLikeConnectionString, redact } from "../src/redact.js";

describe("redact", () => {
  it.each([
    ["postgres://app:hunter2@db:5432/app", "postgres://app:***@db:5432/app"],
    ["postgresql://u:p%40ss@h/d?sslmode=require", "postgresql://u:***@h/d?sslmode=require"],
    ["host=db user=app password=hunter2 dbname=app", "host=db user=app password=*** dbname=app"],
    ["postgres://h/d?user=a&password=hunter2", "postgres://h/d?user=a&password=***"],
    ["token xoxb-123-456-abcdef here", "token xoxb-*** here"],
    ["no secrets here", "no secrets here"],
  ])("%s", (input, expected) => {
    expect(redact(input)).toBe(expected);
  });

  it("tells connection strings from env var names", () => {
    expect(looksLikeConnectionString("PROD_DATABASE_URL")).toBe(false);
    expect(looksLikeConnectionString("postgres://x@y/z")).toBe(true);
    expect(looksLikeConnectionString("host=db dbname=app")).toBe(true);
  });
});
