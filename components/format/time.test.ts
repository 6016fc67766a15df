import { describe, expect, it } from "vitest";
import { addDaysToKey, dayKeyInZone, dayLabel, formatAbsolute, formatClock, formatDayKey, formatDue, formatRelative } from "./time";

const now = Date.parse("2025-03-04T12:00:00Z");
const ago = (ms: number) => now - ms;
const ahead = (ms: number) => now + ms;
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

describe("formatRelative", () => {
  it("says just now for the last few seconds, and for data fresher than the last clock tick", () => {
    expect(formatRelative(ago(10_000), now, "en-US")).toBe("just now");
    expect(formatRelative(ahead(2_000), now, "en-US")).toBe("just now");
    expect(formatRelative(ahead(20_000), now, "en-US")).toBe("just now");
  });

  it("counts minutes, hours and days in both directions", () => {
    expect(formatRelative(ago(50_000), now, "en-US")).toBe("1 minute ago");
    expect(formatRelative(ago(5 * MIN), now, "en-US")).toBe("5 minutes ago");
    expect(formatRelative(ahead(12 * MIN), now, "en-US")).toBe("in 12 minutes");
    expect(formatRelative(ago(50 * MIN), now, "en-US")).toBe("1 hour ago");
    expect(formatRelative(ago(3 * HOUR), now, "en-US")).toBe("3 hours ago");
    expect(formatRelative(ago(DAY), now, "en-US")).toBe("yesterday");
    expect(formatRelative(ahead(3 * DAY), now, "en-US")).toBe("in 3 days");
    expect(formatRelative(ago(14 * DAY), now, "en-US")).toBe("2 weeks ago");
    expect(formatRelative(ago(400 * DAY), now, "en-US")).toBe("last year");
  });

  it("accepts ISO strings and Dates", () => {
    expect(formatRelative("2025-03-04T11:00:00Z", new Date(now), "en-US")).toBe("1 hour ago");
  });
});

describe("formatDue", () => {
  it("never says ago for a poll that is due or slightly overdue", () => {
    expect(formatDue(ago(2 * MIN), now, "en-US")).toBe("any moment now");
    expect(formatDue(ahead(10_000), now, "en-US")).toBe("any moment now");
    expect(formatDue(ahead(14 * MIN), now, "en-US")).toBe("in 14 minutes");
  });
});

describe("zone-aware formatting", () => {
  it("puts an instant on the day it falls on in the given zone", () => {
    const lateEvening = "2025-03-04T23:30:00Z";
    expect(dayKeyInZone(lateEvening, "UTC")).toBe("2025-03-04");
    expect(dayKeyInZone(lateEvening, "Europe/Berlin")).toBe("2025-03-05");
    expect(dayKeyInZone(lateEvening, "America/Los_Angeles")).toBe("2025-03-04");
  });

  it("formats clocks and full instants in the zone", () => {
    expect(formatClock("2025-03-04T13:05:00Z", { timeZone: "Europe/Berlin", locale: "en-GB" })).toBe("14:05");
    expect(formatClock("2025-03-04T13:05:00Z", { timeZone: "UTC", locale: "en-US" })).toBe("1:05 PM");
    expect(formatAbsolute("2025-03-04T13:05:00Z", { timeZone: "UTC", locale: "en-US" })).toBe("Tue, Mar 4, 2025, 1:05 PM UTC");
  });
});

describe("day keys", () => {
  it("adds days across month and year ends", () => {
    expect(addDaysToKey("2025-02-28", 1)).toBe("2025-03-01");
    expect(addDaysToKey("2024-12-31", 1)).toBe("2025-01-01");
    expect(addDaysToKey("2025-03-01", -1)).toBe("2025-02-28");
  });

  it("names days relative to today, else in words", () => {
    expect(dayLabel("2025-03-04", "2025-03-04")).toBe("Today");
    expect(dayLabel("2025-03-05", "2025-03-04")).toBe("Tomorrow");
    expect(dayLabel("2025-03-03", "2025-03-04")).toBe("Yesterday");
    expect(dayLabel("2025-03-07", "2025-03-04", "en-US")).toBe("Friday, March 7");
    expect(formatDayKey("2025-03-07", { locale: "en-US", short: true })).toBe("Fri, Mar 7");
  });
});
