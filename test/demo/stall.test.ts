import { describe, expect, it } from "vitest";
import { longestGap } from "../../src/demo/app.js";

describe("longestGap: the longest time in which no write succeeded while a statement ran", () => {
  it("runs from the statement's start, between completions, to the first completion after its end", () => {
    expect(longestGap([90, 110, 130, 150], 100, 140)).toBe(20);
    // every write held back until the lock went: the stall is start -> first write after the end
    expect(longestGap([95, 2600, 2610], 100, 2590)).toBe(2500);
  });

  it("counts a statement no write came after as stalled up to its end", () => {
    expect(longestGap([], 0, 300)).toBe(300);
    expect(longestGap([50], 0, 300)).toBe(250);
  });

  it("does not depend on the order the writers reported in", () => {
    expect(longestGap([150, 110, 130, 400], 100, 200)).toBe(250);
  });
});
