import { describe, expect, it } from "vitest";
import { LIVE_FALLBACK_MS, fallbackInterval } from "./use-live-updates";

describe("fallbackInterval", () => {
  it("keeps a query's own polling while the stream is down", () => {
    expect(fallbackInterval(false, 5_000)).toBe(5_000);
  });
  it("slows polling to the fallback while live, never speeding a slower poll up", () => {
    expect(fallbackInterval(true, 1_500)).toBe(LIVE_FALLBACK_MS);
    expect(fallbackInterval(true, 60_000)).toBe(60_000);
  });
});
