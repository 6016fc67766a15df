import { ProviderError } from "../errors";
import type { EventChange, EventRecord } from "../port";
import { isKnownZone, zonedMidnight, zonedTimeToInstant } from "../time";

// Graph `microsoft.graph.event` (as calendarView/delta returns it) to our
// EventRecord. Only the fields we read are typed; Graph sends many more.

export interface GraphDateTimeTimeZone {
  dateTime?: string;
  timeZone?: string;
}

export interface GraphEmailAddress {
  name?: string | null;
  address?: string | null;
}

export interface GraphEvent {
  id: string;
  "@removed"?: { reason?: string };
  iCalUId?: string | null;
  subject?: string | null;
  isAllDay?: boolean;
  isCancelled?: boolean;
  showAs?: string | null;
  type?: "singleInstance" | "occurrence" | "exception" | "seriesMaster" | string;
  start?: GraphDateTimeTimeZone | null;
  end?: GraphDateTimeTimeZone | null;
  originalStartTimeZone?: string | null;
  originalEndTimeZone?: string | null;
  originalStart?: string | null;
  seriesMasterId?: string | null;
  lastModifiedDateTime?: string | null;
  organizer?: { emailAddress?: GraphEmailAddress | null } | null;
  attendees?: unknown[] | null;
}

const LOCAL = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?$/;
const DAY_MS = 86_400_000;

/**
 * Graph timestamps: DateTimeOffset values carry `Z` or an offset; some are
 * written without one (`2026-01-05T10:00:00.0000000`) and are UTC.
 */
export function parseGraphInstant(value: string | null | undefined): Date | null {
  if (!value) return null;
  if (/(Z|[+-]\d{2}:?\d{2})$/i.test(value)) {
    const parsed = new Date(value);
    return Number.isNaN(parsed.getTime()) ? null : parsed;
  }
  try {
    return zonedTimeToInstant(value, "UTC");
  } catch {
    return null;
  }
}

function unreadable(event: GraphEvent, field: string): ProviderError {
  return new ProviderError("failed", `Microsoft event ${event.id} has an unreadable ${field}`);
}

/** A timed start/end: the wall time in the zone Graph wrote it in (UTC under our Prefer header). */
function instantOf(event: GraphEvent, field: "start" | "end"): Date {
  const value = event[field];
  if (!value?.dateTime || !LOCAL.test(value.dateTime)) throw unreadable(event, field);
  return zonedTimeToInstant(value.dateTime, value.timeZone ?? "UTC");
}

/**
 * The calendar date of an all-day boundary. Graph stores all-day events at
 * midnight in the event's own zone and normally hands back that midnight as is
 * (the emulator does too). Should a response zone have been applied to it
 * instead, the time is no longer midnight: read it back in the event's zone when
 * that is an IANA name, else round to the nearest midnight (offsets are within
 * ±12 h for nearly every zone).
 */
function allDayDate(event: GraphEvent, field: "start" | "end"): string {
  const value = event[field];
  const match = value?.dateTime ? LOCAL.exec(value.dateTime) : null;
  if (!value?.dateTime || !match?.[1]) throw unreadable(event, field);
  const [, date, hours = "00", minutes = "00", seconds = "00", fraction = "0"] = match;
  if (Number(hours) === 0 && Number(minutes) === 0 && Number(seconds) === 0 && Number(fraction) === 0) return date;
  const instant = zonedTimeToInstant(value.dateTime, value.timeZone ?? "UTC");
  const eventZone = field === "start" ? event.originalStartTimeZone : (event.originalEndTimeZone ?? event.originalStartTimeZone);
  if (isKnownZone(eventZone)) {
    return new Intl.DateTimeFormat("en-CA", { timeZone: eventZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(instant);
  }
  const wall = zonedTimeToInstant(value.dateTime, "UTC").getTime();
  return new Date(Math.round(wall / DAY_MS) * DAY_MS).toISOString().slice(0, 10);
}

/**
 * One delta item as a change; null for items we do not store. Removed items
 * (`@removed`, which Graph also sends for changes outside the window) and
 * cancelled occurrences are deletions; series masters are skipped because
 * calendarView already expands them into occurrences (the emulator never sends
 * them, real Graph should not either).
 */
export function graphItemToChange(item: GraphEvent, calendarTimeZone: string): EventChange | null {
  if (item["@removed"] !== undefined || item.isCancelled === true) return { type: "delete", providerEventId: item.id };
  if (item.type === "seriesMaster") return null;
  return { type: "upsert", event: graphEventToRecord(item, calendarTimeZone) };
}

export function graphEventToRecord(event: GraphEvent, calendarTimeZone: string): EventRecord {
  const isAllDay = event.isAllDay === true;
  let startAt: Date;
  let endAt: Date;
  let startDate: string | null = null;
  let endDate: string | null = null;
  if (isAllDay) {
    startDate = allDayDate(event, "start");
    endDate = allDayDate(event, "end");
    startAt = zonedMidnight(startDate, calendarTimeZone);
    endAt = zonedMidnight(endDate, calendarTimeZone);
  } else {
    startAt = instantOf(event, "start");
    endAt = instantOf(event, "end");
  }
  const organizer = event.organizer?.emailAddress;
  return {
    providerEventId: event.id,
    iCalUid: event.iCalUId ?? null,
    title: event.subject ?? "",
    isAllDay,
    startAt,
    endAt,
    startDate,
    endDate,
    startTimeZone: event.originalStartTimeZone ?? null,
    endTimeZone: event.originalEndTimeZone ?? null,
    status: event.showAs === "tentative" ? "tentative" : "confirmed",
    organizerEmail: organizer?.address ?? null,
    organizerName: organizer?.name ?? null,
    attendeeCount: Array.isArray(event.attendees) ? event.attendees.length : 0,
    providerUpdatedAt: parseGraphInstant(event.lastModifiedDateTime),
    recurringSeriesId: event.seriesMasterId ?? null,
    originalStartAt: parseGraphInstant(event.originalStart),
  };
}
