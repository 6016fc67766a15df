import { describe, expect, it } from "vitest";
import {
  eventCalendarLabel,
  formatCount,
  replayAllExplanation,
  formatLatency,
  formatPercent,
  isTimeRange,
  rangeStart,
  shortId,
  slowestLatencyHint,
} from "./format";

describe("formatLatency", () => {
  it("picks the unit people read fastest", () => {
    expect(formatLatency(0)).toBe("0 ms");
    expect(formatLatency(849.6)).toBe("850 ms");
    expect(formatLatency(1_234)).toBe("1.2 s");
    expect(formatLatency(12_400)).toBe("12 s");
    expect(formatLatency(150_000)).toBe("2.5 min");
    expect(formatLatency(null)).toBe("—");
  });
});

describe("formatPercent", () => {
  it("shows one decimal when needed and never rounds a failure away", () => {
    expect(formatPercent(1)).toBe("100%");
    expect(formatPercent(0.5)).toBe("50%");
    expect(formatPercent(0.9876)).toBe("98.8%");
    expect(formatPercent(0.99999)).toBe("99.9%");
    expect(formatPercent(0)).toBe("0%");
    expect(formatPercent(null)).toBe("—");
  });
});

describe("small words", () => {
  it("counts with the right noun", () => {
    expect(formatCount(1, "event")).toBe("1 event");
    expect(formatCount(1200, "event")).toBe("1,200 events");
  });

  it("shortens long ids and keeps short ones", () => {
    expect(shortId("abc")).toBe("abc");
    expect(shortId("0123456789abcdef0123")).toBe("01234567…0123");
  });

  it("turns a range into its start", () => {
    const now = Date.parse("2025-03-04T12:00:00Z");
    expect(rangeStart("1h", now)?.toISOString()).toBe("2025-03-04T11:00:00.000Z");
    expect(rangeStart("7d", now)?.toISOString()).toBe("2025-02-25T12:00:00.000Z");
    expect(rangeStart("all", now)).toBeNull();
    expect(isTimeRange("24h")).toBe(true);
    expect(isTimeRange("2h")).toBe(false);
    expect(isTimeRange(null)).toBe(false);
  });
});

describe("eventCalendarLabel", () => {
  it("names the calendar the log is filtered to on a mailbox-wide notification", () => {
    expect(eventCalendarLabel({ calendarId: null, calendarName: null }, "Work")).toBe("Work (all calendars of its mailbox)");
    expect(eventCalendarLabel({ calendarId: null, calendarName: null }, null)).toBe("All calendars of the mailbox");
    expect(eventCalendarLabel({ calendarId: "c1", calendarName: "Team" }, "Work")).toBe("Team");
    expect(eventCalendarLabel({ calendarId: "c1", calendarName: null }, null)).toBe("Removed calendar");
  });
});

describe("replayAllExplanation", () => {
  it("agrees with the count", () => {
    expect(replayAllExplanation(1)).toBe("The 1 event whose retries ran out goes back to pending, and its calendar syncs again.");
    expect(replayAllExplanation(3)).toBe("The 3 events whose retries ran out go back to pending, and their calendars sync again.");
    expect(replayAllExplanation(null)).toBe("Events whose retries ran out go back to pending, and their calendars sync again.");
  });
});

describe("slowestLatencyHint", () => {
  const connection = (accountEmail: string, p95Ms: number | null) => ({ accountEmail, latency: { p95Ms } });
  it("names the slowest connection when it is slower than the whole", () => {
    expect(slowestLatencyHint(7_800, [connection("a@x.com", 2_000), connection("b@x.com", 31_000), connection("c@x.com", null)])).toBe(
      "all notifications; slowest: b@x.com 31 s",
    );
    expect(slowestLatencyHint(null, [connection("a@x.com", 900), connection("b@x.com", null)])).toBe("all notifications; slowest: a@x.com 900 ms");
  });
  it("says nothing for one connection, or when none is slower than the whole", () => {
    expect(slowestLatencyHint(31_000, [connection("b@x.com", 31_000)])).toBeNull();
    expect(slowestLatencyHint(8_000, [connection("a@x.com", 8_000), connection("b@x.com", 2_000)])).toBeNull();
    expect(slowestLatencyHint(null, [connection("a@x.com", null), connection("b@x.com", null)])).toBeNull();
  });
});
