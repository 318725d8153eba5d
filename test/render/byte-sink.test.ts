import { describe, expect, it } from "vitest";
import { ByteSink } from "../../src/render/byte-sink.js";

describe("ByteSink", () => {
  it("holds the UTF-8 of everything appended, in order, across growth", () => {
    const sink = new ByteSink();
    const pieces = Array.from({ length: 5000 }, (_, i) => `{"n":${i},"s":"é—😀 ${"x".repeat(i % 40)}"}`);
    for (const p of pieces) sink.append(p);
    expect(sink.bytes().length).toBeGreaterThan(1 << 16); // grew past its first buffer
    expect(sink.bytes().toString("utf8")).toBe(pieces.join(""));
  });

  it("is empty until something is appended", () => {
    expect(new ByteSink().bytes().length).toBe(0);
  });
});
