import { describe, expect, it } from "vitest";
import { formatDuration, isUuid, oneOf, parseDuration, parsePositiveInt, parseUuid, required } from "./args";
import { EXIT, UsageError } from "./command";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

function usageError(call: () => unknown): UsageError {
  try {
    call();
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return err as UsageError;
  }
  throw new Error("expected a usage error");
}

describe("parseDuration", () => {
  it("reads days, hours and minutes, and sums of them", () => {
    expect(parseDuration("30d", "--older-than")).toBe(30 * DAY);
    expect(parseDuration("24h", "--horizon")).toBe(24 * HOUR);
    expect(parseDuration("90m", "--horizon")).toBe(90 * MINUTE);
    expect(parseDuration("1d12h", "--horizon")).toBe(36 * HOUR);
    expect(parseDuration(" 2H ", "--horizon")).toBe(2 * HOUR);
  });

  it("refuses bare numbers, unknown units, zero and absurd lengths, naming the option", () => {
    for (const text of ["30", "30 d", "1w", "-1d", "1.5h", "", "d", "h30"]) {
      const error = usageError(() => parseDuration(text, "--older-than"));
      expect(error.message).toMatch(/^--older-than: expected a duration like 30d, 24h or 90m/);
      expect(error.exitCode).toBe(EXIT.usage);
    }
    expect(usageError(() => parseDuration("0d", "--horizon")).message).toBe("--horizon: must be longer than zero");
    expect(usageError(() => parseDuration("99999999d", "--horizon")).message).toMatch(/too long/);
  });

  it("round-trips through formatDuration", () => {
    for (const text of ["30d", "24h", "90m", "1d12h", "2d3h4m"]) {
      const expected = text === "24h" ? "1d" : text === "90m" ? "1h30m" : text;
      expect(formatDuration(parseDuration(text, "--x"))).toBe(expected);
    }
    expect(formatDuration(0)).toBe("0m");
  });
});

describe("numbers, ids and choices", () => {
  it("parsePositiveInt keeps to its bounds", () => {
    expect(parsePositiveInt("1000", "--batch-size", 100_000)).toBe(1000);
    expect(usageError(() => parsePositiveInt("0", "--count", 10)).message).toBe("--count: must be between 1 and 10");
    expect(usageError(() => parsePositiveInt("11", "--count", 10)).message).toBe("--count: must be between 1 and 10");
    expect(usageError(() => parsePositiveInt("1e3", "--count", 10_000)).message).toMatch(/expected a whole number/);
  });

  it("parseUuid accepts database ids only, lower-cased", () => {
    expect(parseUuid("0B6C2F1E-3D4A-4C5B-9E8F-1A2B3C4D5E6F", "--calendar")).toBe("0b6c2f1e-3d4a-4c5b-9e8f-1a2b3c4d5e6f");
    expect(usageError(() => parseUuid("cal-1", "--calendar")).message).toMatch(/^--calendar: expected an id like/);
    expect(isUuid("0b6c2f1e-3d4a-4c5b-9e8f-1a2b3c4d5e6f")).toBe(true);
    expect(isUuid("0b6c2f1e3d4a4c5b9e8f1a2b3c4d5e6f")).toBe(false);
  });

  it("required and oneOf explain what is missing or allowed", () => {
    expect(required("x", "--url")).toBe("x");
    expect(usageError(() => required(undefined, "--url")).message).toBe("--url is required");
    expect(oneOf("deleted", "--change-type", ["created", "updated", "deleted"])).toBe("deleted");
    expect(usageError(() => oneOf("moved", "--change-type", ["created", "updated"])).message).toBe(
      '--change-type: expected one of created, updated, got "moved"',
    );
  });
});
