import { describe, expect, it } from "vitest";
import { formatInstant, formatMs, formatWhen, keyValues, plural, relative, shortId, table, truncate } from "./format";
import { progress, renderProgress } from "./progress";
import { captureIo } from "@/scripts/test/cli";

describe("table", () => {
  it("pads columns to their widest cell, right-aligns numbers, leaves no trailing spaces", () => {
    const text = table(
      [{ header: "NAME" }, { header: "COUNT", align: "right" }, { header: "NOTE" }],
      [
        ["Alice", "3", "ok"],
        ["Bob the builder", "120", ""],
      ],
    );
    expect(text.split("\n")).toEqual(["NAME             COUNT  NOTE", "Alice                3  ok", "Bob the builder    120"]);
  });

  it("keyValues lines up labels", () => {
    expect(
      keyValues([
        ["a", "1"],
        ["longer", "2"],
      ]),
    ).toBe("a       1\nlonger  2");
  });
});

describe("ids, instants and durations", () => {
  it("shortens long ids only", () => {
    expect(shortId("5c0e4b7a-8d2e-4f57-9a43-2e1b8f0d9c11")).toBe("5c0e4b7a…");
    expect(shortId("chan-1234")).toBe("chan-1234");
  });

  it("says when, to the minute, and how far from now", () => {
    const now = new Date("2026-11-21T10:00:00Z");
    expect(formatInstant(new Date("2026-11-21T15:04:59Z"))).toBe("2026-11-21 15:04 UTC");
    expect(relative(new Date("2026-11-21T15:00:00Z"), now)).toBe("in 5h");
    expect(relative(new Date("2026-11-21T09:48:00Z"), now)).toBe("12m ago");
    expect(relative(new Date("2026-11-24T10:00:00Z"), now)).toBe("in 3d");
    expect(relative(new Date("2026-11-21T10:00:20Z"), now)).toBe("now");
    expect(formatWhen(new Date("2026-11-20T10:00:00Z"), now)).toBe("2026-11-20 10:00 UTC (24h ago)");
    expect(formatWhen(null, now)).toBe("-");
  });

  it("formats latencies, counts and long text", () => {
    expect(formatMs(0.25)).toBe("0.25 ms");
    expect(formatMs(12.4)).toBe("12 ms");
    expect(formatMs(1234)).toBe("1.23 s");
    expect(formatMs(65_000)).toBe("65.0 s");
    expect(plural(1, "batch", "batches")).toBe("1 batch");
    expect(plural(3, "event")).toBe("3 events");
    expect(truncate("a\n  b", 10)).toBe("a b");
    expect(truncate("x".repeat(15), 10)).toBe(`${"x".repeat(10)}… (5 more characters)`);
  });
});

describe("progress", () => {
  it("renders a bar with share and counts, or a bare counter without a total", () => {
    expect(renderProgress(370, 1000)).toBe("[#########---------------]  37%  370/1000");
    expect(renderProgress(1000, 1000)).toBe("[########################] 100%  1000/1000");
    expect(renderProgress(1200, 1000)).toMatch(/100%  1200\/1000$/);
    expect(renderProgress(42, undefined)).toBe("42");
  });

  it("redraws one line on a terminal and clears it at the end", () => {
    const io = captureIo({ tty: true });
    let clock = 0;
    const bar = progress(io.stderr, "deleting", { total: 4, clock: () => clock });
    for (let done = 1; done <= 4; done += 1) {
      clock += 100;
      bar.update(done);
    }
    bar.finish();
    expect(io.stderr.text).not.toContain("\n");
    expect(io.stderr.text.split("\r\x1b[2K").filter(Boolean)).toEqual([
      `deleting ${renderProgress(1, 4)}`,
      `deleting ${renderProgress(2, 4)}`,
      `deleting ${renderProgress(3, 4)}`,
      `deleting ${renderProgress(4, 4)}`,
    ]);
    expect(io.stderr.text.endsWith("\r\x1b[2K")).toBe(true);
  });

  it("prints a line now and then elsewhere, and always the final count", () => {
    const io = captureIo();
    let clock = 0;
    const bar = progress(io.stderr, "sending", { total: 10, lineIntervalMs: 1000, clock: () => clock });
    for (let done = 1; done <= 10; done += 1) {
      clock += 300;
      bar.update(done, `item ${done}`);
    }
    bar.finish();
    const lines = io.stderr.text.trimEnd().split("\n");
    expect(lines[0]).toBe(`sending ${renderProgress(1, 10)}  item 1`);
    expect(lines.length).toBeLessThan(6);
    expect(lines.at(-1)).toBe(`sending ${renderProgress(10, 10)}`);
  });
});
