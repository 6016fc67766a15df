import { describe, expect, it } from "vitest";
import { isKnownZone, zonedMidnight, zonedTimeToInstant, zoneOffsetMinutes } from "./time";

describe("zoned time", () => {
  it("reads offsets in and out of daylight saving time", () => {
    expect(zoneOffsetMinutes(new Date("2026-07-01T12:00:00Z"), "Europe/Berlin")).toBe(120);
    expect(zoneOffsetMinutes(new Date("2026-01-01T12:00:00Z"), "Europe/Berlin")).toBe(60);
    expect(zoneOffsetMinutes(new Date("2026-01-01T12:00:00Z"), "America/New_York")).toBe(-300);
  });

  it("places midnight of a date in the calendar's zone", () => {
    expect(zonedMidnight("2026-07-01", "Europe/Berlin").toISOString()).toBe("2026-06-30T22:00:00.000Z");
    expect(zonedMidnight("2026-01-05", "America/New_York").toISOString()).toBe("2026-01-05T05:00:00.000Z");
    expect(zonedMidnight("2026-01-05", "UTC").toISOString()).toBe("2026-01-05T00:00:00.000Z");
  });

  it("handles the day a zone changes its offset", () => {
    // 2026-03-29 02:00 in Berlin does not exist; 03:30 is after the change (+02:00).
    expect(zonedTimeToInstant("2026-03-29T03:30:00", "Europe/Berlin").toISOString()).toBe("2026-03-29T01:30:00.000Z");
    expect(zonedTimeToInstant("2026-03-29T01:30:00", "Europe/Berlin").toISOString()).toBe("2026-03-29T00:30:00.000Z");
  });

  it("reads unknown zones as UTC and rejects non-dates", () => {
    expect(isKnownZone("Mars/Olympus")).toBe(false);
    expect(zonedTimeToInstant("2026-01-05T10:00:00", "Mars/Olympus").toISOString()).toBe("2026-01-05T10:00:00.000Z");
    expect(() => zonedTimeToInstant("yesterday", "UTC")).toThrow(/Not a local date-time/);
  });
});
