import { describe, expect, it } from "vitest";
import { errorMessage, iso } from "@/lib/format";

describe("iso", () => {
  it("writes UTC ISO 8601, and null for no date", () => {
    expect(iso(new Date(Date.UTC(2026, 11, 3, 9, 30)))).toBe("2026-12-03T09:30:00.000Z");
    expect(iso(null)).toBeNull();
    expect(iso(undefined)).toBeNull();
  });
});

describe("errorMessage", () => {
  it("is an error's message without its stack or cause, and anything else as text", () => {
    const err = new Error("boom", { cause: new Error("Authorization: Bearer secret") });
    expect(errorMessage(err)).toBe("boom");
    expect(errorMessage("plain")).toBe("plain");
    expect(errorMessage(42)).toBe("42");
  });
});
