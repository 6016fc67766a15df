import { GraphClientError, GraphError } from "@microsoft/microsoft-graph-client";
import { describe, expect, it } from "vitest";
import { ProviderError } from "../errors";
import { graphFailure, tokenFailure } from "./errors";
import { graphEventToRecord, graphItemToChange, parseGraphInstant, type GraphEvent } from "./mapping";

// Shapes as Graph's calendarView/delta sends them with Prefer: outlook.timezone="UTC".
const timed: GraphEvent = {
  id: "AAMkAD-timed",
  iCalUId: "040000008200E00074C5B7101A82E008",
  subject: "Customer call",
  isAllDay: false,
  isCancelled: false,
  showAs: "busy",
  type: "singleInstance",
  start: { dateTime: "2026-07-01T13:30:00.0000000", timeZone: "UTC" },
  end: { dateTime: "2026-07-01T14:15:00.0000000", timeZone: "UTC" },
  originalStartTimeZone: "Europe/Berlin",
  originalEndTimeZone: "America/New_York",
  lastModifiedDateTime: "2026-06-20T08:00:00.1234567Z",
  seriesMasterId: null,
  organizer: { emailAddress: { name: "Bob Contoso", address: "bob@contoso.example" } },
  attendees: [{ emailAddress: { address: "a@example.com" } }, { emailAddress: { address: "b@example.com" } }],
};

describe("graphEventToRecord", () => {
  it("maps a timed event read in the response zone, keeping the event's own zones", () => {
    expect(graphEventToRecord(timed, { calendarTimeZone: "America/New_York", ownerEmail: null })).toEqual({
      providerEventId: "AAMkAD-timed",
      iCalUid: "040000008200E00074C5B7101A82E008",
      title: "Customer call",
      isAllDay: false,
      startAt: new Date("2026-07-01T13:30:00Z"),
      endAt: new Date("2026-07-01T14:15:00Z"),
      startDate: null,
      endDate: null,
      startTimeZone: "Europe/Berlin",
      endTimeZone: "America/New_York",
      status: "confirmed",
      organizerEmail: "bob@contoso.example",
      organizerName: "Bob Contoso",
      attendeeCount: 2,
      providerUpdatedAt: new Date("2026-06-20T08:00:00.123Z"),
      recurringSeriesId: null,
      originalStartAt: null,
    });
  });

  it("reads a start written in another IANA zone (a Prefer header Graph did not honour)", () => {
    const record = graphEventToRecord({ ...timed, start: { dateTime: "2026-07-01T09:30:00", timeZone: "America/New_York" } }, { calendarTimeZone: "UTC", ownerEmail: null });
    expect(record.startAt.toISOString()).toBe("2026-07-01T13:30:00.000Z");
  });

  it("maps an all-day event to its dates and to midnight of them in the calendar's zone", () => {
    const record = graphEventToRecord(
      {
        ...timed,
        id: "AAMkAD-allday",
        subject: "Public holiday",
        isAllDay: true,
        showAs: "free",
        start: { dateTime: "2026-01-05T00:00:00.0000000", timeZone: "UTC" },
        end: { dateTime: "2026-01-06T00:00:00.0000000", timeZone: "UTC" },
        originalStartTimeZone: "America/New_York",
        originalEndTimeZone: "America/New_York",
      },
      { calendarTimeZone: "Europe/Berlin", ownerEmail: null },
    );
    expect(record).toMatchObject({ isAllDay: true, startDate: "2026-01-05", endDate: "2026-01-06", status: "confirmed" });
    expect(record.startAt.toISOString()).toBe("2026-01-04T23:00:00.000Z");
    expect(record.endAt.toISOString()).toBe("2026-01-05T23:00:00.000Z");
  });

  it("recovers all-day dates that were shifted into the response zone", () => {
    const shifted = (start: string, end: string, zone: string | null) =>
      graphEventToRecord({ ...timed, isAllDay: true, start: { dateTime: start, timeZone: "UTC" }, end: { dateTime: end, timeZone: "UTC" }, originalStartTimeZone: zone, originalEndTimeZone: zone }, { calendarTimeZone: "UTC", ownerEmail: null });
    // Midnight in New York is 05:00 UTC; midnight in Berlin is 23:00 UTC the day before.
    expect(shifted("2026-01-05T05:00:00.0000000", "2026-01-06T05:00:00.0000000", "America/New_York")).toMatchObject({ startDate: "2026-01-05", endDate: "2026-01-06" });
    expect(shifted("2026-01-04T23:00:00.0000000", "2026-01-05T23:00:00.0000000", "Europe/Berlin")).toMatchObject({ startDate: "2026-01-05", endDate: "2026-01-06" });
    // A Windows zone name we cannot read: nearest midnight.
    expect(shifted("2026-01-04T23:00:00.0000000", "2026-01-05T23:00:00.0000000", "W. Europe Standard Time")).toMatchObject({ startDate: "2026-01-05", endDate: "2026-01-06" });
  });

  it("maps an occurrence with its series and original start, and showAs tentative", () => {
    const record = graphEventToRecord(
      { ...timed, id: "AAMkAD-occ", type: "occurrence", seriesMasterId: "AAMkAD-master", originalStart: "2026-07-08T13:30:00Z", showAs: "tentative", attendees: null },
      { calendarTimeZone: "UTC", ownerEmail: null },
    );
    expect(record).toMatchObject({ recurringSeriesId: "AAMkAD-master", status: "tentative", attendeeCount: 0 });
    expect(record.originalStartAt?.toISOString()).toBe("2026-07-08T13:30:00.000Z");
  });

  it("defaults a missing subject, iCalUId, organizer and zones", () => {
    const record = graphEventToRecord({ id: "x", start: timed.start, end: timed.end }, { calendarTimeZone: "UTC", ownerEmail: null });
    expect(record).toMatchObject({ title: "", iCalUid: null, organizerEmail: null, organizerName: null, startTimeZone: null, endTimeZone: null, providerUpdatedAt: null });
  });

  it("refuses an event whose start it cannot read", () => {
    expect(() => graphEventToRecord({ ...timed, start: { dateTime: "soon", timeZone: "UTC" } }, { calendarTimeZone: "UTC", ownerEmail: null })).toThrow(ProviderError);
  });
});

describe("graphItemToChange", () => {
  it("turns @removed items and cancelled occurrences into deletions", () => {
    expect(graphItemToChange({ id: "gone", "@removed": { reason: "deleted" } }, { calendarTimeZone: "UTC", ownerEmail: null })).toEqual({ type: "delete", providerEventId: "gone" });
    expect(graphItemToChange({ ...timed, id: "called-off", isCancelled: true }, { calendarTimeZone: "UTC", ownerEmail: null })).toEqual({ type: "delete", providerEventId: "called-off" });
  });

  it("skips series masters and upserts everything else", () => {
    expect(graphItemToChange({ ...timed, type: "seriesMaster" }, { calendarTimeZone: "UTC", ownerEmail: null })).toBeNull();
    expect(graphItemToChange(timed, { calendarTimeZone: "UTC", ownerEmail: null })).toMatchObject({ type: "upsert", event: { providerEventId: "AAMkAD-timed" } });
  });
});

describe("parseGraphInstant", () => {
  it("reads offsets, Z and Graph's zone-less UTC values", () => {
    expect(parseGraphInstant("2026-01-05T10:00:00Z")?.toISOString()).toBe("2026-01-05T10:00:00.000Z");
    expect(parseGraphInstant("2026-01-05T10:00:00+01:00")?.toISOString()).toBe("2026-01-05T09:00:00.000Z");
    expect(parseGraphInstant("2026-01-05T10:00:00.0000000")?.toISOString()).toBe("2026-01-05T10:00:00.000Z");
    expect(parseGraphInstant("not a date")).toBeNull();
    expect(parseGraphInstant(null)).toBeNull();
  });
});

function graphError(status: number, code: string | null, headers: Record<string, string> = {}): GraphError {
  const error = new GraphError(status, "message from Graph");
  error.code = code;
  error.headers = new Headers(headers);
  return error;
}

describe("graphFailure", () => {
  it("classifies dead delta links by code or by 410", () => {
    expect(graphFailure(graphError(410, "syncStateNotFound"), "delta")).toMatchObject({ kind: "cursor_expired", status: 410, code: "syncStateNotFound" });
    expect(graphFailure(graphError(400, "resyncRequired"), "delta").kind).toBe("cursor_expired");
    expect(graphFailure(graphError(410, null), "delta").kind).toBe("cursor_expired");
  });

  it("keeps Retry-After for throttling and unavailability", () => {
    const limited = graphFailure(graphError(429, "TooManyRequests", { "retry-after": "7" }), "delta");
    expect(limited).toMatchObject({ kind: "rate_limited", status: 429, retryAfterMs: 7000 });
    expect(limited.transient).toBe(true);
    expect(graphFailure(graphError(503, "ServiceNotAvailable", { "Retry-After": "2" }), "delta")).toMatchObject({ kind: "unavailable", retryAfterMs: 2000 });
    expect(graphFailure(graphError(504, "GatewayTimeout"), "delta")).toMatchObject({ kind: "unavailable", retryAfterMs: null });
  });

  it("classifies auth, missing resources, other client errors and network failures", () => {
    expect(graphFailure(graphError(401, "InvalidAuthenticationToken"), "me").kind).toBe("unauthorized");
    expect(graphFailure(graphError(404, "ResourceNotFound"), "subscription").kind).toBe("not_found");
    expect(graphFailure(graphError(400, "ValidationError"), "subscription").kind).toBe("rejected");
    expect(graphFailure(graphError(403, "ErrorAccessDenied"), "calendars").kind).toBe("rejected");
    expect(graphFailure(new GraphError(-1, "fetch failed"), "me")).toMatchObject({ kind: "unavailable", status: null });
    expect(graphFailure(new GraphClientError("bad host"), "me").kind).toBe("failed");
    expect(graphFailure(new Error("?"), "me").kind).toBe("failed");
  });

  it("passes ProviderErrors through and names no more than status and code", () => {
    const original = new ProviderError("cursor_expired", "x");
    expect(graphFailure(original, "delta")).toBe(original);
    expect(graphFailure(graphError(429, "TooManyRequests"), "calendarView delta").message).toBe("Microsoft Graph calendarView delta: HTTP 429 TooManyRequests");
  });
});

describe("tokenFailure", () => {
  it("asks for reauthorization on invalid_grant and interaction_required", () => {
    const failure = tokenFailure(400, { error: "invalid_grant", error_codes: [50173] }, null, "token refresh");
    expect(failure).toMatchObject({ kind: "reauthorization_required", status: 400, code: "invalid_grant" });
    expect(failure.message).toBe("Microsoft token refresh: HTTP 400 invalid_grant (AADSTS50173)");
    expect(tokenFailure(400, { error: "interaction_required" }, null, "token refresh").kind).toBe("reauthorization_required");
  });

  it("separates our mistakes from the service's trouble", () => {
    expect(tokenFailure(401, { error: "invalid_client" }, null, "code exchange").kind).toBe("rejected");
    expect(tokenFailure(400, { error: "invalid_request" }, null, "code exchange").kind).toBe("rejected");
    expect(tokenFailure(503, { error: "temporarily_unavailable" }, { "retry-after": "3" }, "code exchange")).toMatchObject({ kind: "unavailable", retryAfterMs: 3000 });
    expect(tokenFailure(429, null, new Headers({ "retry-after": "5" }), "code exchange")).toMatchObject({ kind: "rate_limited", retryAfterMs: 5000 });
    expect(tokenFailure(500, null, null, "code exchange")).toMatchObject({ kind: "unavailable", code: null });
  });
});
