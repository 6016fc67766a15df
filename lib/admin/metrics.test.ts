import { describe, expect, it } from "vitest";
import { HOUR_MS, bucketIndex, fillBuckets, hourlyWindow, percentileCont, successRate, toNumber } from "./metrics";

describe("percentileCont", () => {
  it("interpolates between the nearest ranks, as PostgreSQL's percentile_cont does", () => {
    // percentile_cont(0.5) of 1..4 is 2.5; (0.95) of 10,20,30,40,50 is 48.
    expect(percentileCont([4, 1, 3, 2], 0.5)).toBe(2.5);
    expect(percentileCont([10, 20, 30, 40, 50], 0.95)).toBeCloseTo(48, 10);
    expect(percentileCont([10, 20, 30, 40, 50], 0)).toBe(10);
    expect(percentileCont([10, 20, 30, 40, 50], 1)).toBe(50);
    expect(percentileCont([7], 0.95)).toBe(7);
  });

  it("is null without values and refuses fractions outside [0, 1]", () => {
    expect(percentileCont([], 0.5)).toBeNull();
    expect(percentileCont([Number.NaN], 0.5)).toBeNull();
    expect(() => percentileCont([1], 1.5)).toThrow(RangeError);
    expect(() => percentileCont([1], -0.1)).toThrow(RangeError);
  });

  it("never leaves the range of its values and grows with the fraction", () => {
    const values = Array.from({ length: 37 }, (_, index) => ((index * 7919) % 101) + 0.5);
    let previous = -Infinity;
    for (let step = 0; step <= 20; step += 1) {
      const value = percentileCont(values, step / 20)!;
      expect(value).toBeGreaterThanOrEqual(Math.min(...values));
      expect(value).toBeLessThanOrEqual(Math.max(...values));
      expect(value).toBeGreaterThanOrEqual(previous);
      previous = value;
    }
  });
});

describe("successRate", () => {
  it("is processed over decided, null when nothing was decided", () => {
    expect(successRate(3, 1)).toBe(0.75);
    expect(successRate(0, 2)).toBe(0);
    expect(successRate(0, 0)).toBeNull();
  });
});

describe("hourly buckets", () => {
  const now = new Date("2025-03-04T14:37:12.345Z");

  it("covers 24 whole hours ending with the current one", () => {
    const window = hourlyWindow(now);
    expect(window.start.toISOString()).toBe("2025-03-03T15:00:00.000Z");
    expect(window.end.toISOString()).toBe("2025-03-04T15:00:00.000Z");
    expect((window.end.getTime() - window.start.getTime()) / HOUR_MS).toBe(24);
  });

  it("puts an instant in the hour it falls in, and nothing outside the window", () => {
    const window = hourlyWindow(now);
    expect(bucketIndex(new Date("2025-03-03T15:00:00.000Z"), window)).toBe(0);
    expect(bucketIndex(new Date("2025-03-03T15:59:59.999Z"), window)).toBe(0);
    expect(bucketIndex(new Date("2025-03-04T14:00:00.000Z"), window)).toBe(23);
    expect(bucketIndex(now, window)).toBe(23);
    expect(bucketIndex(new Date("2025-03-03T14:59:59.999Z"), window)).toBeNull();
    expect(bucketIndex(new Date("2025-03-04T15:00:00.000Z"), window)).toBeNull();
  });

  it("fills the hours the database had no rows for", () => {
    const window = hourlyWindow(now, 4);
    const filled = fillBuckets(
      [
        { bucket: 1, count: 5 },
        { bucket: 3, count: 2 },
      ],
      window,
      (row, start) => ({ start: start.toISOString(), count: row.count }),
      (start) => ({ start: start.toISOString(), count: 0 }),
    );
    expect(filled).toEqual([
      { start: "2025-03-04T11:00:00.000Z", count: 0 },
      { start: "2025-03-04T12:00:00.000Z", count: 5 },
      { start: "2025-03-04T13:00:00.000Z", count: 0 },
      { start: "2025-03-04T14:00:00.000Z", count: 2 },
    ]);
  });
});

describe("toNumber", () => {
  it("reads counts however the driver returns them", () => {
    expect(toNumber(3n)).toBe(3);
    expect(toNumber("4.5")).toBe(4.5);
    expect(toNumber(7)).toBe(7);
    expect(toNumber(null)).toBeNull();
    expect(toNumber("n/a")).toBeNull();
  });
});
