import type { calendar_v3 } from "googleapis/build/src/apis/calendar";
import { ProviderError } from "../errors";
import { conferenceInText, conferenceProviderOf, htmlToPlainText, looksLikeHtml, rawItemJson } from "../enrich";
import type {
  AttendeeRecord,
  AttendeeResponse,
  BusyStatus,
  ConferenceRecord,
  EventChange,
  EventRecord,
  EventVisibility,
  ProviderCalendar,
  SeriesRecord,
} from "../port";
import { zonedMidnight } from "../time";

// Calendar v3 resources to the port's records. Pure functions, so the rules are
// unit-tested without a server.

function instant(value: string, what: string, eventId: string): Date {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new ProviderError("failed", `Google event ${eventId} has an unreadable ${what}: ${value}`);
  return date;
}

/**
 * An all-day date is a day in the calendar's zone, not in UTC: its instant is
 * midnight there, so "today" queries in the calendar's zone find it.
 */
function timeOf(time: calendar_v3.Schema$EventDateTime, calendarTimeZone: string, what: string, eventId: string): Date {
  if (time.date) return zonedMidnight(time.date, calendarTimeZone);
  if (time.dateTime) return instant(time.dateTime, what, eventId);
  throw new ProviderError("failed", `Google event ${eventId} has no ${what}`);
}

const RESPONSES: ReadonlySet<string> = new Set<AttendeeResponse>(["needsAction", "accepted", "tentative", "declined"]);
const VISIBILITIES: ReadonlySet<string> = new Set<EventVisibility>(["default", "public", "private", "confidential"]);

function responseOf(value: string | null | undefined): AttendeeResponse {
  return value && RESPONSES.has(value) ? (value as AttendeeResponse) : "needsAction";
}

/** Out of office and working location are event types on Google; the rest is `transparency`. */
function busyStatusOf(event: calendar_v3.Schema$Event): BusyStatus {
  if (event.eventType === "outOfOffice") return "out_of_office";
  if (event.eventType === "workingLocation") return "working_elsewhere";
  return event.transparency === "transparent" ? "free" : "busy";
}

function attendeesOf(event: calendar_v3.Schema$Event): AttendeeRecord[] {
  const attendees: AttendeeRecord[] = [];
  for (const attendee of event.attendees ?? []) {
    if (!attendee.email) continue;
    attendees.push({
      email: attendee.email.toLowerCase(),
      name: attendee.displayName ?? null,
      response: responseOf(attendee.responseStatus),
      optional: attendee.optional === true,
      organizer: attendee.organizer === true,
      resource: attendee.resource === true,
      self: attendee.self === true,
    });
  }
  return attendees;
}

/** conferenceData's video entry point (Meet, or an add-on's link), its phone entry point as the dial-in; else a link in the text. */
function conferenceOf(event: calendar_v3.Schema$Event, descriptionText: string | null): ConferenceRecord | null {
  const entryPoints = event.conferenceData?.entryPoints ?? [];
  const video = entryPoints.find((entry) => entry.entryPointType === "video" && entry.uri);
  const phone = entryPoints.find((entry) => entry.entryPointType === "phone" && (entry.label || entry.uri));
  const dialIn = phone ? [phone.label ?? phone.uri?.replace(/^tel:/, ""), phone.pin ? `PIN ${phone.pin}` : null].filter(Boolean).join(" ") : null;
  const joinUrl = video?.uri ?? event.hangoutLink ?? null;
  if (joinUrl) {
    const solution = event.conferenceData?.conferenceSolution?.key?.type;
    return { provider: solution === "hangoutsMeet" || event.hangoutLink === joinUrl ? "meet" : conferenceProviderOf(joinUrl), joinUrl, dialIn };
  }
  return conferenceInText(event.location, event.description, descriptionText);
}

export function toEventRecord(event: calendar_v3.Schema$Event & { id: string }, calendarTimeZone: string): EventRecord {
  const id = event.id;
  const start = event.start;
  if (!start || (!start.date && !start.dateTime)) throw new ProviderError("failed", `Google event ${id} has no start`);
  // Google always sends an end; should one be missing, a zero-length event beats dropping it.
  const end = event.end && (event.end.date || event.end.dateTime) ? event.end : start;
  const isAllDay = Boolean(start.date);
  // Google's description is free text that its own editor fills with HTML.
  const description = event.description ?? null;
  const descriptionHtml = description && looksLikeHtml(description) ? description : null;
  const descriptionText = descriptionHtml ? htmlToPlainText(descriptionHtml) : description;
  const attendees = attendeesOf(event);
  const self = attendees.find((attendee) => attendee.self);
  return {
    providerEventId: id,
    iCalUid: event.iCalUID ?? null,
    title: event.summary ?? "",
    descriptionText,
    descriptionHtml,
    location: event.location || null,
    // Google keeps a location as one free-text line: no separate address or coordinates.
    locationAddress: null,
    locationLatitude: null,
    locationLongitude: null,
    webLink: event.htmlLink ?? null,
    isAllDay,
    startAt: timeOf(start, calendarTimeZone, "start", id),
    endAt: timeOf(end, calendarTimeZone, "end", id),
    startDate: isAllDay ? (start.date ?? null) : null,
    endDate: isAllDay ? (end.date ?? null) : null,
    startTimeZone: start.timeZone ?? null,
    endTimeZone: end.timeZone ?? null,
    status: event.status === "tentative" ? "tentative" : "confirmed",
    busyStatus: busyStatusOf(event),
    visibility: event.visibility && VISIBILITIES.has(event.visibility) ? (event.visibility as EventVisibility) : "default",
    eventType: event.eventType ?? null,
    organizerEmail: event.organizer?.email ?? null,
    organizerName: event.organizer?.displayName ?? null,
    attendeeCount: attendees.length,
    attendees,
    selfResponse: self ? self.response : event.organizer?.self === true ? "organizer" : null,
    conference: conferenceOf(event, descriptionText),
    providerCreatedAt: event.created ? instant(event.created, "created time", id) : null,
    providerUpdatedAt: event.updated ? instant(event.updated, "updated time", id) : null,
    recurringSeriesId: event.recurringEventId ?? null,
    originalStartAt: event.originalStartTime ? timeOf(event.originalStartTime, calendarTimeZone, "original start", id) : null,
    rawJson: rawItemJson(event),
  };
}

/** A series master's rule; null for an event that is no (longer a) series. */
export function toSeriesRecord(event: calendar_v3.Schema$Event): SeriesRecord | null {
  if (!event.id || event.status === "cancelled" || !event.recurrence || event.recurrence.length === 0) return null;
  return { providerSeriesId: event.id, rrule: event.recurrence, timeZone: event.start?.timeZone ?? null, rule: event.recurrence };
}

/**
 * With singleEvents every item is one occurrence, so a cancelled item (a deleted
 * event, or one hidden instance of a live series) is always just a removal.
 * Items without an id carry nothing we could apply and are skipped.
 */
export function toEventChange(event: calendar_v3.Schema$Event, calendarTimeZone: string): EventChange | null {
  const id = event.id;
  if (!id) return null;
  if (event.status === "cancelled") return { type: "delete", providerEventId: id };
  return { type: "upsert", event: toEventRecord({ ...event, id }, calendarTimeZone) };
}

export function toProviderCalendar(entry: calendar_v3.Schema$CalendarListEntry & { id: string }): ProviderCalendar {
  return {
    providerCalendarId: entry.id,
    name: entry.summaryOverride ?? entry.summary ?? entry.id,
    isPrimary: entry.primary === true,
    timeZone: entry.timeZone ?? "UTC",
  };
}
