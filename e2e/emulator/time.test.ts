import { describe, expect, it } from "vitest";
import {
  formatCompactUtc,
  formatGraphDateTime,
  formatGraphUtc,
  formatRfc1123,
  formatRfc3339InZone,
  instantOfWallTime,
  parseRfc3339,
  formattedWallTime,
  wallTimeAt,
} from "./time";

describe("time formats", () => {
  it("writes the providers' formats", () => {
    const instant = Date.parse("2030-07-01T07:05:09.123Z");
    expect(formatRfc3339InZone(instant, "Europe/Berlin")).toBe("2030-07-01T09:05:09+02:00");
    expect(formatRfc3339InZone(instant, "UTC")).toBe("2030-07-01T07:05:09Z");
    expect(formatGraphDateTime(instant, "America/New_York")).toBe("2030-07-01T03:05:09.0000000");
    expect(formatGraphUtc(instant)).toBe("2030-07-01T07:05:09.1230000Z");
    expect(formatRfc1123(instant)).toBe("Mon, 01 Jul 2030 07:05:09 GMT");
    expect(formatCompactUtc(instant)).toBe("20300701T070509Z");
  });

  it("maps wall times to instants, pushing times in a DST gap forward", () => {
    expect(instantOfWallTime({ year: 2030, month: 1, day: 15, hour: 9, minute: 0, second: 0 }, "Europe/Berlin")).toBe(Date.parse("2030-01-15T08:00:00Z"));
    const gap = instantOfWallTime({ year: 2030, month: 3, day: 31, hour: 2, minute: 30, second: 0 }, "Europe/Berlin");
    expect(formatRfc3339InZone(gap, "Europe/Berlin")).toBe("2030-03-31T03:30:00+02:00");
  });

  it("parses RFC 3339 only with an offset", () => {
    expect(parseRfc3339("2030-01-01T10:00:00+01:00")).toBe(Date.parse("2030-01-01T09:00:00Z"));
    expect(parseRfc3339("2030-01-01T10:00:00")).toBeUndefined();
    expect(parseRfc3339("tomorrow")).toBeUndefined();
  });

  it("reads wall times as Intl does, minute by minute through DST changes and odd offsets", () => {
    const cases: Array<[string, string]> = [
      ["Europe/Berlin", "2030-03-31T00:00:00Z"], // spring forward at 01:00 UTC
      ["Europe/Berlin", "2030-10-27T00:00:00Z"], // fall back: 02:00-03:00 read twice
      ["America/St_Johns", "2030-03-10T04:00:00Z"], // -03:30, DST at a half hour
      ["Australia/Lord_Howe", "2030-04-06T14:00:00Z"], // a DST shift of 30 minutes
      ["Asia/Kathmandu", "2030-06-01T00:00:00Z"], // +05:45, no DST
      ["Europe/Amsterdam", "1920-03-01T00:00:00Z"], // +00:19:32, an offset with seconds
    ];
    for (const [timeZone, from] of cases) {
      const start = Date.parse(from);
      // Four hours either way of the change, a minute and 7.5 s apart, so instants off the minute count too.
      for (let instant = start - 4 * 3_600_000; instant < start + 8 * 3_600_000; instant += 67_500) {
        expect(wallTimeAt(instant, timeZone), `${timeZone} at ${new Date(instant).toISOString()}`).toEqual(formattedWallTime(instant, timeZone));
      }
    }
  });
});
