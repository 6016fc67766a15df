import { describe, expect, it } from "vitest";
import { expandOccurrences, parseRecurrence, RecurrenceError } from "./recurrence";
import { formatRfc3339InZone, type EventTime } from "./time";

const far = { until: Date.parse("2100-01-01T00:00:00Z"), max: 1000 };
const timed = (iso: string, timeZone: string): EventTime => ({ kind: "dateTime", instant: Date.parse(iso), timeZone });
const labels = (times: EventTime[]) => times.map((time) => (time.kind === "date" ? time.date : formatRfc3339InZone(time.instant, time.timeZone)));

describe("RRULE expansion", () => {
  it("expands DAILY with COUNT and INTERVAL", () => {
    const rule = parseRecurrence(["RRULE:FREQ=DAILY;INTERVAL=2;COUNT=3"]);
    expect(labels(expandOccurrences(rule, { kind: "date", date: "2030-01-30" }, far))).toEqual(["2030-01-30", "2030-02-01", "2030-02-03"]);
  });

  it("keeps the wall-clock time across a DST change (Europe/Berlin, March 2030)", () => {
    const rule = parseRecurrence(["RRULE:FREQ=WEEKLY;COUNT=3"]);
    expect(labels(expandOccurrences(rule, timed("2030-03-24T09:00:00+01:00", "Europe/Berlin"), far))).toEqual([
      "2030-03-24T09:00:00+01:00",
      "2030-03-31T09:00:00+02:00",
      "2030-04-07T09:00:00+02:00",
    ]);
  });

  it("expands WEEKLY with BYDAY in week order and stops at UNTIL (inclusive)", () => {
    const rule = parseRecurrence(["RRULE:FREQ=WEEKLY;BYDAY=MO,WE,FR;UNTIL=20300111T235959Z"]);
    expect(labels(expandOccurrences(rule, timed("2030-01-02T08:00:00Z", "UTC"), far))).toEqual([
      "2030-01-02T08:00:00Z",
      "2030-01-04T08:00:00Z",
      "2030-01-07T08:00:00Z",
      "2030-01-09T08:00:00Z",
      "2030-01-11T08:00:00Z",
    ]);
  });

  it("removes EXDATEs but still counts them towards COUNT", () => {
    const rule = parseRecurrence(["RRULE:FREQ=DAILY;COUNT=4", "EXDATE;TZID=Europe/Berlin:20300102T090000"]);
    expect(labels(expandOccurrences(rule, timed("2030-01-01T09:00:00+01:00", "Europe/Berlin"), far))).toEqual([
      "2030-01-01T09:00:00+01:00",
      "2030-01-03T09:00:00+01:00",
      "2030-01-04T09:00:00+01:00",
    ]);
  });

  it("bounds endless series by the caller's horizon and cap", () => {
    const rule = parseRecurrence(["RRULE:FREQ=DAILY"]);
    expect(expandOccurrences(rule, { kind: "date", date: "2030-01-01" }, { until: Date.parse("2030-01-11T00:00:00Z"), max: 100 })).toHaveLength(10);
    expect(expandOccurrences(rule, { kind: "date", date: "2030-01-01" }, { until: far.until, max: 5 })).toHaveLength(5);
  });

  it("rejects what it does not support", () => {
    expect(() => parseRecurrence(["RRULE:FREQ=MONTHLY"])).toThrow(RecurrenceError);
    expect(() => parseRecurrence(["RRULE:FREQ=DAILY;COUNT=2;UNTIL=20300101"])).toThrow(RecurrenceError);
    expect(() => parseRecurrence(["RDATE:20300101"])).toThrow(RecurrenceError);
    expect(() => parseRecurrence([])).toThrow(RecurrenceError);
  });
});
