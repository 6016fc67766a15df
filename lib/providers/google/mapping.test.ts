import { describe, expect, it } from "vitest";
import { isProviderError } from "../errors";
import { toEventChange, toEventRecord, toProviderCalendar } from "./mapping";

describe("toEventChange", () => {
  it("maps an all-day event in Europe/Berlin to its dates and to midnights in that zone (end exclusive, across DST)", () => {
    const change = toEventChange(
      {
        id: "offsite1",
        iCalUID: "offsite1@google.com",
        status: "confirmed",
        summary: "Offsite",
        start: { date: "2030-03-30" },
        end: { date: "2030-04-01" },
        updated: "2030-01-02T03:04:05.000Z",
        organizer: { email: "alice@example.com" },
      },
      "Europe/Berlin",
    );
    expect(change).toMatchObject({
      type: "upsert",
      event: {
        providerEventId: "offsite1",
        iCalUid: "offsite1@google.com",
        title: "Offsite",
        isAllDay: true,
        // 30 March is still winter time (+01:00); 1 April is summer time (+02:00).
        startAt: new Date("2030-03-29T23:00:00.000Z"),
        endAt: new Date("2030-03-31T22:00:00.000Z"),
        startDate: "2030-03-30",
        endDate: "2030-04-01",
        startTimeZone: null,
        endTimeZone: null,
        status: "confirmed",
        organizerEmail: "alice@example.com",
        organizerName: null,
        attendeeCount: 0,
        providerUpdatedAt: new Date("2030-01-02T03:04:05.000Z"),
        recurringSeriesId: null,
        originalStartAt: null,
      },
    });
  });

  it("maps a timed event with its zones, organizer, attendees and tentative status", () => {
    const change = toEventChange(
      {
        id: "planning1",
        status: "tentative",
        summary: "Planning",
        start: { dateTime: "2030-06-03T09:00:00+02:00", timeZone: "Europe/Berlin" },
        end: { dateTime: "2030-06-03T10:30:00-04:00", timeZone: "America/New_York" },
        organizer: { email: "team@group.calendar.google.com", displayName: "Team" },
        attendees: [{ email: "a@example.com" }, { email: "b@example.com" }, { email: "c@example.com" }],
      },
      "UTC",
    );
    expect(change?.type).toBe("upsert");
    if (change?.type !== "upsert") return;
    expect(change.event).toMatchObject({
      isAllDay: false,
      startAt: new Date("2030-06-03T07:00:00.000Z"),
      endAt: new Date("2030-06-03T14:30:00.000Z"),
      startDate: null,
      endDate: null,
      startTimeZone: "Europe/Berlin",
      endTimeZone: "America/New_York",
      status: "tentative",
      organizerEmail: "team@group.calendar.google.com",
      organizerName: "Team",
      attendeeCount: 3,
      iCalUid: null,
      providerUpdatedAt: null,
    });
  });

  it("gives an untitled event an empty title", () => {
    const record = toEventRecord({ id: "x1", start: { dateTime: "2030-01-01T10:00:00Z" }, end: { dateTime: "2030-01-01T11:00:00Z" } }, "UTC");
    expect(record.title).toBe("");
  });

  it("turns a cancelled item into a delete, whatever else it carries (only id and status are guaranteed)", () => {
    expect(toEventChange({ id: "gone1", status: "cancelled" }, "Europe/Berlin")).toEqual({ type: "delete", providerEventId: "gone1" });
    expect(
      toEventChange(
        { id: "series1_20300101T083000Z", status: "cancelled", recurringEventId: "series1", originalStartTime: { dateTime: "2030-01-01T09:30:00+01:00" } },
        "Europe/Berlin",
      ),
    ).toEqual({ type: "delete", providerEventId: "series1_20300101T083000Z" });
  });

  it("keeps the series id and the original start of an instance (timed and all-day)", () => {
    const timed = toEventRecord(
      {
        id: "series1_20300102T083000Z",
        status: "confirmed",
        summary: "Daily standup (moved)",
        recurringEventId: "series1",
        originalStartTime: { dateTime: "2030-01-02T09:30:00+01:00", timeZone: "Europe/Berlin" },
        start: { dateTime: "2030-01-02T11:00:00+01:00", timeZone: "Europe/Berlin" },
        end: { dateTime: "2030-01-02T11:15:00+01:00", timeZone: "Europe/Berlin" },
      },
      "Europe/Berlin",
    );
    expect(timed.recurringSeriesId).toBe("series1");
    expect(timed.originalStartAt).toEqual(new Date("2030-01-02T08:30:00.000Z"));
    expect(timed.startAt).toEqual(new Date("2030-01-02T10:00:00.000Z"));

    const allDay = toEventRecord(
      {
        id: "yearly_20300704",
        recurringEventId: "yearly",
        originalStartTime: { date: "2030-07-04" },
        start: { date: "2030-07-05" },
        end: { date: "2030-07-06" },
      },
      "America/New_York",
    );
    expect(allDay.originalStartAt).toEqual(new Date("2030-07-04T04:00:00.000Z"));
    expect(allDay.startAt).toEqual(new Date("2030-07-05T04:00:00.000Z"));
  });

  it("skips items without an id and refuses an event without a start", () => {
    expect(toEventChange({ status: "confirmed", summary: "no id" }, "UTC")).toBeNull();
    let caught: unknown;
    try {
      toEventChange({ id: "nostart", status: "confirmed" }, "UTC");
    } catch (error) {
      caught = error;
    }
    expect(isProviderError(caught, "failed")).toBe(true);
  });
});

describe("toProviderCalendar", () => {
  it("prefers the user's own name for a calendar and defaults the zone to UTC", () => {
    expect(toProviderCalendar({ id: "team@group.calendar.google.com", summary: "Team", summaryOverride: "My team" })).toEqual({
      providerCalendarId: "team@group.calendar.google.com",
      name: "My team",
      isPrimary: false,
      timeZone: "UTC",
    });
    expect(toProviderCalendar({ id: "alice@example.com", summary: "alice@example.com", primary: true, timeZone: "Europe/Berlin" })).toMatchObject({
      name: "alice@example.com",
      isPrimary: true,
      timeZone: "Europe/Berlin",
    });
  });
});

describe("toEventRecord: the full record", () => {
  const meeting = {
    id: "standup1",
    iCalUID: "standup1@google.com",
    status: "confirmed",
    summary: "Standup",
    description: "<p>Agenda: <b>status</b></p>",
    location: "Room 1, 1 Main St",
    htmlLink: "https://www.google.com/calendar/event?eid=abc",
    created: "2030-01-01T08:00:00.000Z",
    updated: "2030-01-02T08:00:00.000Z",
    start: { dateTime: "2030-01-07T09:00:00+01:00", timeZone: "Europe/Berlin" },
    end: { dateTime: "2030-01-07T09:30:00+01:00", timeZone: "Europe/Berlin" },
    transparency: "transparent",
    visibility: "private",
    eventType: "default",
    recurringEventId: "standup",
    organizer: { email: "Carol@Example.com", displayName: "Carol" },
    attendees: [
      { email: "Carol@Example.com", organizer: true, responseStatus: "accepted" },
      { email: "alice@example.com", self: true, responseStatus: "tentative" },
      { email: "dave@example.com", optional: true, responseStatus: "declined" },
      { email: "room1@resource.calendar.google.com", displayName: "Room 1", resource: true, responseStatus: "accepted" },
    ],
    hangoutLink: "https://meet.google.com/abc-defg-hij",
    conferenceData: {
      conferenceSolution: { key: { type: "hangoutsMeet" }, name: "Google Meet" },
      entryPoints: [
        { entryPointType: "video", uri: "https://meet.google.com/abc-defg-hij" },
        { entryPointType: "phone", uri: "tel:+1-555-0100", label: "+1 555-0100", pin: "123456" },
      ],
    },
  };

  it("maps description (HTML kept apart), location, link, busy/free, visibility, attendees, conference and raw JSON", () => {
    const record = toEventRecord(meeting, "Europe/Berlin");
    expect(record).toMatchObject({
      descriptionText: "Agenda: status",
      descriptionHtml: "<p>Agenda: <b>status</b></p>",
      location: "Room 1, 1 Main St",
      webLink: "https://www.google.com/calendar/event?eid=abc",
      busyStatus: "free",
      visibility: "private",
      eventType: "default",
      selfResponse: "tentative",
      attendeeCount: 4,
      conference: { provider: "meet", joinUrl: "https://meet.google.com/abc-defg-hij", dialIn: "+1 555-0100 PIN 123456" },
      recurringSeriesId: "standup",
    });
    expect(record.providerCreatedAt?.toISOString()).toBe("2030-01-01T08:00:00.000Z");
    expect(record.attendees).toEqual([
      { email: "carol@example.com", name: null, response: "accepted", optional: false, organizer: true, resource: false, self: false },
      { email: "alice@example.com", name: null, response: "tentative", optional: false, organizer: false, resource: false, self: true },
      { email: "dave@example.com", name: null, response: "declined", optional: true, organizer: false, resource: false, self: false },
      { email: "room1@resource.calendar.google.com", name: "Room 1", response: "accepted", optional: false, organizer: false, resource: true, self: false },
    ]);
    expect(JSON.parse(record.rawJson ?? "null")).toEqual(meeting);
  });

  it("finds Zoom and Teams links in the location or description when there is no conferenceData", () => {
    const plain = { id: "z1", start: { dateTime: "2030-01-07T09:00:00Z" }, end: { dateTime: "2030-01-07T10:00:00Z" } };
    expect(toEventRecord({ ...plain, location: "https://us02web.zoom.us/j/8412345678?pwd=abc" }, "UTC").conference).toEqual({
      provider: "zoom",
      joinUrl: "https://us02web.zoom.us/j/8412345678?pwd=abc",
      dialIn: null,
    });
    expect(
      toEventRecord({ ...plain, description: 'Join <a href="https://teams.microsoft.com/l/meetup-join/19%3ameeting_x%40thread.v2/0">here</a>' }, "UTC")
        .conference?.provider,
    ).toBe("teams");
    expect(toEventRecord(plain, "UTC")).toMatchObject({
      conference: null,
      busyStatus: "busy",
      visibility: "default",
      descriptionText: null,
      descriptionHtml: null,
      selfResponse: null,
    });
  });

  it("reads out of office and working location from the event type", () => {
    const base = { id: "o1", start: { date: "2030-01-07" }, end: { date: "2030-01-08" } };
    expect(toEventRecord({ ...base, eventType: "outOfOffice" }, "UTC").busyStatus).toBe("out_of_office");
    expect(toEventRecord({ ...base, eventType: "workingLocation", transparency: "transparent" }, "UTC").busyStatus).toBe("working_elsewhere");
  });
});
