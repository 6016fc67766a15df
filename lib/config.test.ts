import { describe, expect, it } from "vitest";
import { envFlag, envNumber, heapGrowingPercent } from "@/lib/config";

describe("envNumber", () => {
  it("reads a number the rule accepts, trimmed", () => {
    expect(envNumber({ N: " 42 " }, "N", 7)).toBe(42);
    expect(envNumber({ N: "0.5" }, "N", 7, { above: 0 })).toBe(0.5);
    expect(envNumber({ N: "0" }, "N", 7, { integer: true, min: 0 })).toBe(0);
  });

  it("falls back for unset, empty, malformed and out-of-rule values", () => {
    for (const value of [undefined, "", "  ", "ten", "1e999", "NaN"]) expect(envNumber({ N: value }, "N", 7)).toBe(7);
    expect(envNumber({ N: "2.5" }, "N", 7, { integer: true })).toBe(7);
    expect(envNumber({ N: "0" }, "N", 7, { min: 1 })).toBe(7);
    expect(envNumber({ N: "0" }, "N", 7, { above: 0 })).toBe(7);
    expect(envNumber({ N: "-3" }, "N", 7, { integer: true, min: 0 })).toBe(7);
  });
});

describe("envFlag", () => {
  it("is on for any value but empty, 0 and false, in any case", () => {
    for (const value of ["1", "true", "yes", "http://localhost:8288", " TRUE "]) expect(envFlag({ F: value }, "F")).toBe(true);
    for (const value of [undefined, "", " ", "0", "false", "FALSE", " False "]) expect(envFlag({ F: value }, "F")).toBe(false);
  });
});

// What the setting does to a sync's memory is a benchmark's figure (sync-scale prints
// peak RSS growth; README.md, "Performance"), not a test's: V8's heap sizing shifts
// with the code around it too much for a threshold to mean anything.
describe("HEAP_GROWING_PERCENT", () => {
  it("defaults to 50 and takes a whole number from 0 (V8's own choice) up", () => {
    expect(heapGrowingPercent({})).toBe(50);
    expect(heapGrowingPercent({ HEAP_GROWING_PERCENT: "0" })).toBe(0);
    expect(heapGrowingPercent({ HEAP_GROWING_PERCENT: " 25 " })).toBe(25);
    for (const bad of ["-5", "12.5", "lots", ""]) expect(heapGrowingPercent({ HEAP_GROWING_PERCENT: bad })).toBe(50);
  });
});
