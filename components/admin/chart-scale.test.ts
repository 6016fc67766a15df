import { describe, expect, it } from "vitest";
import { band, labelledIndexes, linePath, niceAxis, niceCeiling, plotArea, ticks, yScale } from "./chart-scale";

describe("niceCeiling", () => {
  it("rounds up to 1, 2, 2.5 or 5 times a power of ten", () => {
    expect(niceCeiling(0)).toBe(1);
    expect(niceCeiling(1)).toBe(1);
    expect(niceCeiling(3)).toBe(5);
    expect(niceCeiling(7)).toBe(10);
    expect(niceCeiling(12)).toBe(20);
    expect(niceCeiling(21)).toBe(25);
    expect(niceCeiling(480)).toBe(500);
    expect(niceCeiling(0.3, 0.01)).toBe(0.5);
    expect(niceCeiling(1_001)).toBe(2_000);
  });

  it("is never below the value nor more than 2.5 times it", () => {
    for (let value = 1; value < 100_000; value = Math.ceil(value * 1.37)) {
      const ceiling = niceCeiling(value);
      expect(ceiling).toBeGreaterThanOrEqual(value);
      expect(ceiling).toBeLessThanOrEqual(value * 2.5);
    }
  });
});

describe("ticks", () => {
  it("spaces values evenly from zero to the top", () => {
    expect(ticks(20)).toEqual([0, 5, 10, 15, 20]);
    expect(ticks(1, 2)).toEqual([0, 0.5, 1]);
    expect(ticks(2.5, 5)).toEqual([0, 0.5, 1, 1.5, 2, 2.5]);
  });
});

describe("niceAxis", () => {
  it("steps counts by whole round numbers and ends at or just above the data", () => {
    expect(niceAxis(4, { integer: true })).toEqual({ max: 4, ticks: [0, 1, 2, 3, 4] });
    expect(niceAxis(5, { integer: true })).toEqual({ max: 6, ticks: [0, 2, 4, 6] });
    expect(niceAxis(10, { integer: true })).toEqual({ max: 10, ticks: [0, 5, 10] });
    expect(niceAxis(1, { integer: true })).toEqual({ max: 1, ticks: [0, 1] });
    expect(niceAxis(0, { integer: true })).toEqual({ max: 1, ticks: [0, 1] });
    expect(niceAxis(2_200)).toEqual({ max: 3_000, ticks: [0, 1_000, 2_000, 3_000] });
    expect(niceAxis(0.9)).toEqual({ max: 1, ticks: [0, 0.25, 0.5, 0.75, 1] });
  });

  it("always covers the data with at most the target number of steps", () => {
    for (let value = 0.3; value < 50_000; value *= 1.61) {
      for (const integer of [true, false]) {
        const axis = niceAxis(value, { integer });
        expect(axis.max).toBeGreaterThanOrEqual(value);
        expect(axis.ticks.length - 1).toBeLessThanOrEqual(4);
        expect(axis.ticks[axis.ticks.length - 1]).toBe(axis.max);
        if (integer) expect(axis.ticks.every(Number.isInteger)).toBe(true);
      }
    }
  });
});

describe("scales", () => {
  const area = plotArea({ width: 600, height: 200, margin: { top: 10, right: 10, bottom: 30, left: 40 } });

  it("measures the plot inside the margins", () => {
    expect(area).toEqual({ left: 40, right: 590, top: 10, bottom: 170, width: 550, height: 160 });
  });

  it("maps zero to the bottom and the top of the axis to the top, clamping outliers", () => {
    const y = yScale(100, area);
    expect(y(0)).toBe(170);
    expect(y(100)).toBe(10);
    expect(y(50)).toBe(90);
    expect(y(250)).toBe(10);
    expect(y(-5)).toBe(170);
    expect(yScale(0, area)(0)).toBe(170);
  });

  it("lays hour bands side by side without overlap, across the whole width", () => {
    const bands = Array.from({ length: 24 }, (_, index) => band(index, 24, area));
    expect(bands[0]!.x).toBeGreaterThanOrEqual(area.left);
    expect(bands[23]!.x + bands[23]!.width).toBeLessThanOrEqual(area.right + 1e-9);
    for (let index = 1; index < bands.length; index += 1) {
      expect(bands[index]!.x).toBeGreaterThan(bands[index - 1]!.x + bands[index - 1]!.width);
      expect(bands[index]!.center - bands[index - 1]!.center).toBeCloseTo(area.width / 24, 9);
    }
  });
});

describe("linePath", () => {
  it("draws through consecutive points and lifts the pen over missing ones", () => {
    expect(linePath([{ x: 0, y: 10 }, { x: 10, y: 5 }, null, { x: 30, y: 1 }, { x: 40.123, y: 2 }])).toBe("M0 10 L10 5 M30 1 L40.12 2");
    expect(linePath([null, null])).toBe("");
    expect(linePath([null, { x: 1, y: 1 }])).toBe("M1 1");
  });
});

describe("labelledIndexes", () => {
  it("always labels the current hour, then every nth before it", () => {
    expect(labelledIndexes(24, 6)).toEqual([5, 11, 17, 23]);
    expect(labelledIndexes(5, 2)).toEqual([0, 2, 4]);
  });
});
