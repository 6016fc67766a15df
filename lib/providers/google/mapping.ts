import type { calendar_v3 } from "googleapis/build/src/apis/calendar";
import { ProviderError } from "../errors";
import type { EventChange, EventRecord, ProviderCalendar } from "../port";
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

export function toEventRecord(event: calendar_v3.Schema$Event & { id: string }, calendarTimeZone: string): EventRecord {
  const id = event.id;
  const start = event.start;
  if (!start || (!start.date && !start.dateTime)) throw new ProviderError("failed", `Google event ${id} has no start`);
  // Google always sends an end; should one be missing, a zero-length event beats dropping it.
  const end = event.end && (event.end.date || event.end.dateTime) ? event.end : start;
  const isAllDay = Boolean(start.date);
  return {
    providerEventId: id,
    iCalUid: event.iCalUID ?? null,
    title: event.summary ?? "",
    isAllDay,
    startAt: timeOf(start, calendarTimeZone, "start", id),
    endAt: timeOf(end, calendarTimeZone, "end", id),
    startDate: isAllDay ? (start.date ?? null) : null,
    endDate: isAllDay ? (end.date ?? null) : null,
    startTimeZone: start.timeZone ?? null,
    endTimeZone: end.timeZone ?? null,
    status: event.status === "tentative" ? "tentative" : "confirmed",
    organizerEmail: event.organizer?.email ?? null,
    organizerName: event.organizer?.displayName ?? null,
    attendeeCount: event.attendees?.length ?? 0,
    providerUpdatedAt: event.updated ? instant(event.updated, "updated time", id) : null,
    recurringSeriesId: event.recurringEventId ?? null,
    originalStartAt: event.originalStartTime ? timeOf(event.originalStartTime, calendarTimeZone, "original start", id) : null,
  };
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
