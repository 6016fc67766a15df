// A complete EventRecord for tests that write events without an adapter: every
// field the port declares, so a new field fails to compile here instead of reaching
// the database as `undefined` through a cast.
import type { EventRecord } from "@/lib/providers/port";

export function eventRecord(overrides: Partial<EventRecord> & Pick<EventRecord, "providerEventId" | "startAt" | "endAt">): EventRecord {
  return {
    iCalUid: null,
    title: overrides.providerEventId,
    descriptionText: null,
    descriptionHtml: null,
    location: null,
    locationAddress: null,
    locationLatitude: null,
    locationLongitude: null,
    webLink: null,
    isAllDay: false,
    startDate: null,
    endDate: null,
    startTimeZone: null,
    endTimeZone: null,
    status: "confirmed",
    busyStatus: "busy",
    visibility: "default",
    eventType: null,
    organizerEmail: null,
    organizerName: null,
    attendeeCount: 0,
    attendees: [],
    selfResponse: null,
    conference: null,
    providerCreatedAt: null,
    providerUpdatedAt: null,
    recurringSeriesId: null,
    originalStartAt: null,
    rawJson: "{}",
    ...overrides,
  };
}
