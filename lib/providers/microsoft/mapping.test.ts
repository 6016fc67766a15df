import { GraphClientError, GraphError } from "@microsoft/microsoft-graph-client";
import { describe, expect, it } from "vitest";
import { ProviderError } from "../errors";
import { graphFailure, tokenFailure } from "./errors";
import { graphEventToRecord, graphItemToChange, parseGraphInstant, ianaZoneOf, patternedRecurrenceToRrule, type GraphEvent } from "./mapping";

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
    expect(graphEventToRecord(timed, { calendarTimeZone: "America/New_York", ownerEmail: null })).toMatchObject({
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
    const record = graphEventToRecord(
      { ...timed, start: { dateTime: "2026-07-01T09:30:00", timeZone: "America/New_York" } },
      { calendarTimeZone: "UTC", ownerEmail: null },
    );
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
      graphEventToRecord(
        {
          ...timed,
          isAllDay: true,
          start: { dateTime: start, timeZone: "UTC" },
          end: { dateTime: end, timeZone: "UTC" },
          originalStartTimeZone: zone,
          originalEndTimeZone: zone,
        },
        { calendarTimeZone: "UTC", ownerEmail: null },
      );
    // Midnight in New York is 05:00 UTC; midnight in Berlin is 23:00 UTC the day before.
    expect(shifted("2026-01-05T05:00:00.0000000", "2026-01-06T05:00:00.0000000", "America/New_York")).toMatchObject({
      startDate: "2026-01-05",
      endDate: "2026-01-06",
    });
    expect(shifted("2026-01-04T23:00:00.0000000", "2026-01-05T23:00:00.0000000", "Europe/Berlin")).toMatchObject({
      startDate: "2026-01-05",
      endDate: "2026-01-06",
    });
    // A Windows zone name we cannot read: nearest midnight.
    expect(shifted("2026-01-04T23:00:00.0000000", "2026-01-05T23:00:00.0000000", "W. Europe Standard Time")).toMatchObject({
      startDate: "2026-01-05",
      endDate: "2026-01-06",
    });
  });

  it("maps an occurrence with its series and original start, and showAs tentative", () => {
    const record = graphEventToRecord(
      {
        ...timed,
        id: "AAMkAD-occ",
        type: "occurrence",
        seriesMasterId: "AAMkAD-master",
        originalStart: "2026-07-08T13:30:00Z",
        showAs: "tentative",
        attendees: null,
      },
      { calendarTimeZone: "UTC", ownerEmail: null },
    );
    expect(record).toMatchObject({ recurringSeriesId: "AAMkAD-master", status: "tentative", attendeeCount: 0 });
    expect(record.originalStartAt?.toISOString()).toBe("2026-07-08T13:30:00.000Z");
  });

  it("defaults a missing subject, iCalUId, organizer and zones", () => {
    const record = graphEventToRecord({ id: "x", start: timed.start, end: timed.end }, { calendarTimeZone: "UTC", ownerEmail: null });
    expect(record).toMatchObject({
      title: "",
      iCalUid: null,
      organizerEmail: null,
      organizerName: null,
      startTimeZone: null,
      endTimeZone: null,
      providerUpdatedAt: null,
    });
  });

  it("refuses an event whose start it cannot read", () => {
    expect(() => graphEventToRecord({ ...timed, start: { dateTime: "soon", timeZone: "UTC" } }, { calendarTimeZone: "UTC", ownerEmail: null })).toThrow(
      ProviderError,
    );
  });
});

describe("graphItemToChange", () => {
  it("turns @removed items into deletions, and keeps a meeting its organizer cancelled as cancelled", () => {
    expect(graphItemToChange({ id: "gone", "@removed": { reason: "deleted" } }, { calendarTimeZone: "UTC", ownerEmail: null })).toEqual({
      type: "delete",
      providerEventId: "gone",
    });
    expect(graphItemToChange({ ...timed, id: "called-off", isCancelled: true }, { calendarTimeZone: "UTC", ownerEmail: null })).toMatchObject({
      type: "upsert",
      event: { providerEventId: "called-off", status: "cancelled" },
    });
  });

  it("skips series masters and upserts everything else", () => {
    expect(graphItemToChange({ ...timed, type: "seriesMaster" }, { calendarTimeZone: "UTC", ownerEmail: null })).toBeNull();
    expect(graphItemToChange(timed, { calendarTimeZone: "UTC", ownerEmail: null })).toMatchObject({
      type: "upsert",
      event: { providerEventId: "AAMkAD-timed" },
    });
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
    expect(tokenFailure(503, { error: "temporarily_unavailable" }, { "retry-after": "3" }, "code exchange")).toMatchObject({
      kind: "unavailable",
      retryAfterMs: 3000,
    });
    expect(tokenFailure(429, null, new Headers({ "retry-after": "5" }), "code exchange")).toMatchObject({ kind: "rate_limited", retryAfterMs: 5000 });
    expect(tokenFailure(500, null, null, "code exchange")).toMatchObject({ kind: "unavailable", code: null });
  });
});

describe("graphEventToRecord: the full record", () => {
  const meeting: GraphEvent = {
    ...timed,
    id: "AAMkAD-meeting",
    body: { contentType: "html", content: "<html><body><p>Quarterly&nbsp;plan</p></body></html>" },
    location: {
      displayName: "Conf Room Rainier",
      address: { street: "1 Microsoft Way", city: "Redmond", state: "WA", countryOrRegion: "US", postalCode: "98052" },
      coordinates: { latitude: 47.64, longitude: -122.13 },
    },
    webLink: "https://outlook.office365.com/owa/?itemid=AAMkAD-meeting",
    showAs: "oof",
    sensitivity: "private",
    type: "occurrence",
    createdDateTime: "2026-06-01T08:00:00Z",
    isOrganizer: false,
    responseStatus: { response: "tentativelyAccepted" },
    organizer: { emailAddress: { name: "Carol", address: "Carol@Contoso.example" } },
    attendees: [
      { type: "required", status: { response: "tentativelyAccepted" }, emailAddress: { name: "Bob", address: "bob@contoso.example" } },
      { type: "optional", status: { response: "declined" }, emailAddress: { address: "dave@contoso.example" } },
      { type: "resource", status: { response: "accepted" }, emailAddress: { name: "Rainier", address: "rainier@contoso.example" } },
      { type: "required", status: { response: "none" }, emailAddress: { address: "carol@contoso.example" } },
    ],
    isOnlineMeeting: true,
    onlineMeetingProvider: "teamsForBusiness",
    onlineMeeting: { joinUrl: "https://teams.microsoft.com/l/meetup-join/19%3ameeting_abc%40thread.v2/0", conferenceId: "987654", tollNumber: "+1 555-0199" },
  };

  it("maps body (HTML kept apart), address and coordinates, link, showAs, sensitivity, type, attendees, self and Teams", () => {
    const record = graphEventToRecord(meeting, { calendarTimeZone: "UTC", ownerEmail: "Bob@contoso.example" });
    expect(record).toMatchObject({
      descriptionText: "Quarterly\u00a0plan",
      descriptionHtml: "<html><body><p>Quarterly&nbsp;plan</p></body></html>",
      location: "Conf Room Rainier",
      locationAddress: "1 Microsoft Way, Redmond, WA 98052, US",
      locationLatitude: 47.64,
      locationLongitude: -122.13,
      webLink: "https://outlook.office365.com/owa/?itemid=AAMkAD-meeting",
      busyStatus: "out_of_office",
      visibility: "private",
      eventType: "occurrence",
      selfResponse: "tentative",
      conference: { provider: "teams", joinUrl: "https://teams.microsoft.com/l/meetup-join/19%3ameeting_abc%40thread.v2/0", dialIn: "+1 555-0199 PIN 987654" },
    });
    expect(record.providerCreatedAt?.toISOString()).toBe("2026-06-01T08:00:00.000Z");
    expect(record.attendees).toEqual([
      { email: "bob@contoso.example", name: "Bob", response: "tentative", optional: false, organizer: false, resource: false, self: true },
      { email: "dave@contoso.example", name: null, response: "declined", optional: true, organizer: false, resource: false, self: false },
      { email: "rainier@contoso.example", name: "Rainier", response: "accepted", optional: false, organizer: false, resource: true, self: false },
      { email: "carol@contoso.example", name: null, response: "needsAction", optional: false, organizer: true, resource: false, self: false },
    ]);
    expect(JSON.parse(record.rawJson ?? "null")).toEqual(meeting);
  });

  it("finds a Zoom link in the body when there is no onlineMeeting, and says organizer for the owner's own event", () => {
    const zoom = graphEventToRecord(
      {
        ...timed,
        isOrganizer: true,
        responseStatus: { response: "organizer" },
        body: { contentType: "html", content: '<a href="https://contoso.zoom.us/j/123456789?pwd=x&amp;from=addon">Join</a>' },
      },
      { calendarTimeZone: "UTC", ownerEmail: null },
    );
    expect(zoom.conference).toEqual({ provider: "zoom", joinUrl: "https://contoso.zoom.us/j/123456789?pwd=x&from=addon", dialIn: null });
    expect(zoom.selfResponse).toBe("organizer");
  });

  it("turns patternedRecurrence into RFC 5545 lines", () => {
    expect(
      patternedRecurrenceToRrule({
        pattern: { type: "weekly", interval: 1, daysOfWeek: ["monday", "wednesday"], firstDayOfWeek: "sunday" },
        range: { type: "numbered", numberOfOccurrences: 6 },
      }),
    ).toEqual(["RRULE:FREQ=WEEKLY;BYDAY=MO,WE;WKST=SU;COUNT=6"]);
    expect(patternedRecurrenceToRrule({ pattern: { type: "daily", interval: 2 }, range: { type: "endDate", endDate: "2026-12-31" } })).toEqual([
      "RRULE:FREQ=DAILY;INTERVAL=2;UNTIL=20261231",
    ]);
    expect(patternedRecurrenceToRrule({ pattern: { type: "relativeMonthly", daysOfWeek: ["friday"], index: "last" }, range: { type: "noEnd" } })).toEqual([
      "RRULE:FREQ=MONTHLY;BYDAY=-1FR",
    ]);
  });
});

describe("ianaZoneOf", () => {
  it("maps Exchange's Windows zone names to IANA, passes IANA through, and gives up on custom zones", () => {
    expect(ianaZoneOf("Pacific Standard Time")).toBe("America/Los_Angeles");
    expect(ianaZoneOf("W. Europe Standard Time")).toBe("Europe/Berlin");
    expect(ianaZoneOf("Europe/Berlin")).toBe("Europe/Berlin");
    expect(ianaZoneOf("UTC")).toBe("UTC");
    expect(ianaZoneOf("tzone://Microsoft/Custom")).toBeNull();
    expect(ianaZoneOf(null)).toBeNull();
  });

  it("reads an event's originalStartTimeZone as IANA", () => {
    const record = graphEventToRecord(
      { ...timed, originalStartTimeZone: "Pacific Standard Time", originalEndTimeZone: "Eastern Standard Time" },
      { calendarTimeZone: "UTC", ownerEmail: null },
    );
    expect(record).toMatchObject({ startTimeZone: "America/Los_Angeles", endTimeZone: "America/New_York" });
  });
});
