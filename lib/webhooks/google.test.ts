import { describe, expect, it } from "vitest";
import { AppError } from "@/lib/http/errors";
import { googleDedupKey, parseGoogleHeaders } from "@/lib/webhooks/google";

const valid = {
  "X-Goog-Channel-ID": "chan-1",
  "X-Goog-Message-Number": "42",
  "X-Goog-Resource-ID": "res-1",
  "X-Goog-Resource-State": "exists",
  "X-Goog-Resource-URI": "https://www.googleapis.com/calendar/v3/calendars/primary/events",
  "X-Goog-Channel-Token": "secret-token",
  "X-Goog-Channel-Expiration": "Tue, 19 Nov 2013 01:13:52 GMT",
};

function parse(overrides: Record<string, string | null>) {
  const headers = new Headers(valid);
  for (const [name, value] of Object.entries(overrides)) {
    if (value === null) headers.delete(name);
    else headers.set(name, value);
  }
  return parseGoogleHeaders(headers);
}

function failure(overrides: Record<string, string | null>): AppError {
  try {
    parse(overrides);
  } catch (err) {
    return err as AppError;
  }
  throw new Error("expected the headers to be rejected");
}

describe("parseGoogleHeaders", () => {
  it("reads every documented header, case-insensitively", () => {
    expect(parse({})).toEqual({
      channelId: "chan-1",
      messageNumber: "42",
      resourceId: "res-1",
      resourceState: "exists",
      resourceUri: valid["X-Goog-Resource-URI"],
      channelToken: "secret-token",
      channelExpiration: "Tue, 19 Nov 2013 01:13:52 GMT",
    });
  });

  it("accepts sync and not_exists, and a notification without token or expiration", () => {
    expect(parse({ "X-Goog-Resource-State": "sync" }).resourceState).toBe("sync");
    expect(parse({ "X-Goog-Resource-State": "not_exists" }).resourceState).toBe("not_exists");
    const bare = parse({ "X-Goog-Channel-Token": null, "X-Goog-Channel-Expiration": null });
    expect(bare.channelToken).toBeUndefined();
    expect(bare.channelExpiration).toBeUndefined();
  });

  it("rejects a missing required header as invalid, naming it", () => {
    for (const name of ["X-Goog-Channel-ID", "X-Goog-Message-Number", "X-Goog-Resource-ID", "X-Goog-Resource-State", "X-Goog-Resource-URI"]) {
      const err = failure({ [name]: null });
      expect(err.kind).toBe("invalid");
      expect(Object.keys(err.details?.fields ?? {})).toContain(name.toLowerCase());
    }
  });

  it("rejects an unknown resource state and a message number that is not an int64", () => {
    expect(failure({ "X-Goog-Resource-State": "deleted" }).kind).toBe("invalid");
    for (const number of ["-1", "1.5", "abc", "9223372036854775808", "9999999999999999999", "1".repeat(20), ""]) {
      expect(failure({ "X-Goog-Message-Number": number }).kind).toBe("invalid");
    }
  });

  it("accepts every int64 message number, kept as text so no digit is lost", () => {
    // Beyond 2^53 a JavaScript number would round these.
    for (const number of ["1", "9007199254740993", "1111111111111111111", "9223372036854775807"]) {
      expect(parse({ "X-Goog-Message-Number": number }).messageNumber).toBe(number);
    }
  });

  it("rejects oversized values rather than storing them", () => {
    expect(failure({ "X-Goog-Channel-ID": "c".repeat(257) }).kind).toBe("invalid");
    expect(failure({ "X-Goog-Channel-Token": "t".repeat(257) }).kind).toBe("invalid");
  });

  it("never echoes the token in the error", () => {
    const err = failure({ "X-Goog-Resource-State": "bogus" });
    expect(JSON.stringify({ message: err.message, details: err.details })).not.toContain("secret-token");
  });
});

describe("googleDedupKey", () => {
  it("is the channel id and message number", () => {
    expect(googleDedupKey("chan-1", "42")).toBe("google:chan-1:42");
    expect(googleDedupKey("chan-1", "42")).not.toBe(googleDedupKey("chan-1", "43"));
  });
});
