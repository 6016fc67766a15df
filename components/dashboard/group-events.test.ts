import { describe, expect, it } from "vitest";
import type { UpcomingEvent } from "@/lib/api/types";
import { differingZone, eventTimeTitle, formatEventTime, groupEventsByDay } from "./group-events";

let counter = 0;
const event = (overrides: Partial<UpcomingEvent>): UpcomingEvent => ({
  id: `e${++counter}`,
  calendarId: "cal",
  calendarName: "Work",
  provider: "google",
  title: "Untitled",
  isAllDay: false,
  startAt: "2025-03-04T09:00:00Z",
  endAt: "2025-03-04T10:00:00Z",
  startDate: null,
  endDate: null,
  status: "confirmed",
  recurring: false,
  timeZone: "UTC",
  ...overrides,
});

const allDay = (title: string, startDate: string, endDate: string, zoneOffsetStart = "T00:00:00Z"): UpcomingEvent =>
  event({ title, isAllDay: true, startDate, endDate, startAt: `${startDate}${zoneOffsetStart}`, endAt: `${endDate}${zoneOffsetStart}` });

const now = Date.parse("2025-03-04T08:00:00Z");
const utc = { timeZone: "UTC", locale: "en-US" };

describe("groupEventsByDay", () => {
  it("groups by day in order, labelling today and tomorrow", () => {
    const days = groupEventsByDay(
      [
        event({ title: "Thursday", startAt: "2025-03-06T09:00:00Z", endAt: "2025-03-06T10:00:00Z" }),
        event({ title: "Today", startAt: "2025-03-04T15:00:00Z", endAt: "2025-03-04T16:00:00Z" }),
        event({ title: "Tomorrow", startAt: "2025-03-05T09:00:00Z", endAt: "2025-03-05T10:00:00Z" }),
      ],
      now,
      utc,
    );
    expect(days.map((day) => [day.key, day.label, day.events.map((e) => e.title)])).toEqual([
      ["2025-03-04", "Today", ["Today"]],
      ["2025-03-05", "Tomorrow", ["Tomorrow"]],
      ["2025-03-06", "Thursday, March 6", ["Thursday"]],
    ]);
  });

  it("puts all-day events first, then timed events by start", () => {
    const [today] = groupEventsByDay(
      [
        event({ title: "Late", startAt: "2025-03-04T17:00:00Z", endAt: "2025-03-04T18:00:00Z" }),
        event({ title: "Early", startAt: "2025-03-04T09:00:00Z", endAt: "2025-03-04T10:00:00Z" }),
        allDay("Holiday", "2025-03-04", "2025-03-05"),
      ],
      now,
      utc,
    );
    expect(today?.events.map((e) => e.title)).toEqual(["Holiday", "Early", "Late"]);
  });

  it("uses the viewer's zone for timed events and the date itself for all-day ones", () => {
    // 23:30 UTC on the 4th is already the 5th in Berlin.
    const late = event({ title: "Late call", startAt: "2025-03-04T23:30:00Z", endAt: "2025-03-05T00:30:00Z" });
    // An all-day event on the 5th whose instants (midnight in Tokyo) fall on the 4th in UTC.
    const tokyoHoliday = allDay("Holiday", "2025-03-05", "2025-03-06", "T00:00:00+09:00");
    const berlin = groupEventsByDay([late, tokyoHoliday], now, { timeZone: "Europe/Berlin", locale: "en-US" });
    expect(berlin.map((day) => [day.key, day.events.map((e) => e.title)])).toEqual([["2025-03-05", ["Holiday", "Late call"]]]);
    const utcDays = groupEventsByDay([late, tokyoHoliday], now, utc);
    expect(utcDays.map((day) => [day.key, day.events.map((e) => e.title)])).toEqual([
      ["2025-03-04", ["Late call"]],
      ["2025-03-05", ["Holiday"]],
    ]);
  });

  it("lists an event already under way under today, once", () => {
    const days = groupEventsByDay(
      [allDay("Conference", "2025-03-03", "2025-03-06"), event({ title: "Overnight", startAt: "2025-03-03T22:00:00Z", endAt: "2025-03-04T09:00:00Z" })],
      now,
      utc,
    );
    expect(days).toHaveLength(1);
    expect(days[0]?.events.map((e) => e.title)).toEqual(["Conference", "Overnight"]);
  });

  it("leaves cancelled events out and returns no days for no events", () => {
    expect(groupEventsByDay([event({ status: "cancelled" })], now, utc)).toEqual([]);
    expect(groupEventsByDay([], now, utc)).toEqual([]);
  });
});

describe("formatEventTime", () => {
  it("says All day, with the last day of a multi-day event", () => {
    expect(formatEventTime(allDay("x", "2025-03-04", "2025-03-05"), utc)).toBe("All day");
    expect(formatEventTime(allDay("x", "2025-03-04", "2025-03-07"), utc)).toBe("All day · until Thu, Mar 6");
  });

  it("shows start and end in the viewer's zone", () => {
    const meeting = event({ startAt: "2025-03-04T09:00:00Z", endAt: "2025-03-04T10:30:00Z" });
    expect(formatEventTime(meeting, utc)).toBe("9:00 AM – 10:30 AM");
    expect(formatEventTime(meeting, { timeZone: "Europe/Berlin", locale: "en-GB" })).toBe("10:00 – 11:30");
  });

  it("names the days when an event crosses midnight, but not when it ends at midnight", () => {
    expect(formatEventTime(event({ startAt: "2025-03-04T22:00:00Z", endAt: "2025-03-05T02:00:00Z" }), utc)).toBe("Tue 10:00 PM – Wed 2:00 AM");
    expect(formatEventTime(event({ startAt: "2025-03-04T22:00:00Z", endAt: "2025-03-05T00:00:00Z" }), utc)).toBe("10:00 PM – 12:00 AM");
  });
});

describe("the event's own zone", () => {
  it("is named when its clock differs from the viewer's, not for another name of the same clock", () => {
    const call = event({ startAt: "2025-03-04T17:00:00Z", endAt: "2025-03-04T18:00:00Z", timeZone: "America/Los_Angeles" });
    expect(differingZone(call, "Europe/Berlin")).toBe("America/Los_Angeles");
    expect(differingZone(call, "America/Los_Angeles")).toBeNull();
    expect(differingZone({ ...call, timeZone: "Europe/Paris" }, "Europe/Berlin")).toBeNull();
    expect(differingZone({ ...call, timeZone: "Not/AZone" }, "Europe/Berlin")).toBeNull();
  });

  it("shows both clocks on hover", () => {
    const call = event({ startAt: "2025-03-04T17:00:00Z", endAt: "2025-03-04T18:00:00Z", timeZone: "America/Los_Angeles" });
    const title = eventTimeTitle(call, "Europe/Berlin", "America/Los_Angeles", "en-US");
    expect(title).toContain("6:00 PM GMT+1");
    expect(title).toContain("Scheduled in America/Los Angeles: Tue, Mar 4, 2025, 9:00 AM PST");
    expect(eventTimeTitle(call, "Europe/Berlin", null, "en-US")).not.toContain("Scheduled");
  });
});
