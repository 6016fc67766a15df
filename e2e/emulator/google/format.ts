// Google Calendar v3 resources: store records to `calendar#event` JSON and
// request bodies back to store fields (with Google's validation messages).

import { googleApiError } from "../errors";
import { HttpError } from "../http";
import { RecurrenceError, parseRecurrence } from "../recurrence";
import type { Account, Attendee, Calendar, EventFields, StoredEvent } from "../state";
import { type EventTime, formatIsoUtc, formatRfc3339InZone, isDate, isValidTimeZone, parseLocalDateTime, parseRfc3339, instantOfWallTime } from "../time";

export type GoogleEventTime = { date?: string; dateTime?: string; timeZone?: string };

export interface GoogleEventBody {
  id?: string;
  summary?: string;
  description?: string;
  location?: string;
  status?: string;
  start?: GoogleEventTime;
  end?: GoogleEventTime;
  recurrence?: string[];
  attendees?: Array<{ email?: string; displayName?: string; responseStatus?: string }>;
  [key: string]: unknown;
}

export function googleEventTime(time: EventTime, responseTimeZone: string): GoogleEventTime {
  if (time.kind === "date") return { date: time.date };
  return { dateTime: formatRfc3339InZone(time.instant, responseTimeZone), timeZone: time.timeZone };
}

function etagOf(event: { changeSeq: number; updatedAt: number }): string {
  return `"${event.updatedAt * 1000 + (event.changeSeq % 1000)}"`;
}

/** `calendar#event`. Tombstones in lists are minimal (`minimal`): only id and status are guaranteed. */
export function formatGoogleEvent(
  event: StoredEvent,
  context: { calendar: Calendar; account: Account; origin: string; responseTimeZone: string; minimalIfCancelled: boolean },
): Record<string, unknown> {
  const cancelled = event.deleted || event.status === "cancelled";
  const base: Record<string, unknown> = { kind: "calendar#event", etag: etagOf(event), id: event.id, status: cancelled ? "cancelled" : event.status };
  if (event.seriesMasterId && event.originalStart) {
    base.recurringEventId = event.seriesMasterId;
    base.originalStartTime = googleEventTime(event.originalStart, context.responseTimeZone);
  }
  if (cancelled && context.minimalIfCancelled) return base;
  const organizerEmail = context.calendar.primary ? context.account.email : context.calendar.id;
  return {
    ...base,
    htmlLink: `${context.origin}/calendar/event?eid=${Buffer.from(`${event.id} ${context.calendar.id}`).toString("base64url")}`,
    created: formatIsoUtc(event.createdAt),
    updated: formatIsoUtc(event.updatedAt),
    summary: event.summary,
    ...(event.description !== undefined ? { description: event.description } : {}),
    ...(event.location !== undefined ? { location: event.location } : {}),
    creator: { email: context.account.email, self: true },
    organizer: context.calendar.primary ? { email: organizerEmail, self: true } : { email: organizerEmail, displayName: context.calendar.name, self: true },
    start: googleEventTime(event.start, context.responseTimeZone),
    end: googleEventTime(event.end, context.responseTimeZone),
    ...(event.recurrence ? { recurrence: event.recurrence } : {}),
    iCalUID: event.iCalUID,
    sequence: event.sequence,
    ...(event.attendees.length > 0
      ? { attendees: event.attendees.map((attendee) => ({ email: attendee.email, ...(attendee.name ? { displayName: attendee.name } : {}), responseStatus: attendee.responseStatus })) }
      : {}),
    reminders: { useDefault: true },
    eventType: "default",
  };
}

const bad = (message: string, reason = "invalid"): HttpError => googleApiError(400, message, { reason });

function parseGoogleTime(value: GoogleEventTime | undefined, which: "start" | "end", calendar: Calendar): EventTime {
  if (!value || (value.date === undefined && value.dateTime === undefined)) throw bad(`Missing ${which} time.`, "required");
  if (value.date !== undefined) {
    if (!isDate(value.date)) throw bad(`Invalid ${which} time.`);
    return { kind: "date", date: value.date };
  }
  const timeZone = value.timeZone;
  if (timeZone !== undefined && !isValidTimeZone(timeZone)) throw bad(`Invalid time zone definition for ${which} time.`);
  const instant = parseRfc3339(value.dateTime ?? "");
  if (instant !== undefined) return { kind: "dateTime", instant, timeZone: timeZone ?? calendar.timeZone };
  const wall = parseLocalDateTime(value.dateTime ?? "");
  if (!wall) throw bad(`Invalid ${which} time.`);
  if (!timeZone) throw bad(`Missing time zone definition for ${which} time.`, "required");
  return { kind: "dateTime", instant: instantOfWallTime(wall, timeZone), timeZone };
}

const ATTENDEE_STATUSES = new Set(["needsAction", "accepted", "declined", "tentative"]);

/** Validates a full event body (insert/update, or patch after merging). */
export function googleEventFields(body: GoogleEventBody, calendar: Calendar, options: { isInstance: boolean }): EventFields {
  const start = parseGoogleTime(body.start, "start", calendar);
  const end = parseGoogleTime(body.end, "end", calendar);
  if (start.kind !== end.kind) throw bad("Start and end times must either both be date or both be dateTime.");
  const startKey = start.kind === "date" ? start.date : start.instant;
  const endKey = end.kind === "date" ? end.date : end.instant;
  if (endKey < startKey || (start.kind === "date" && endKey === startKey)) throw bad("The specified time range is empty.", "timeRangeEmpty");
  let recurrence: string[] | undefined;
  if (body.recurrence !== undefined && body.recurrence !== null) {
    if (!Array.isArray(body.recurrence)) throw bad("Invalid recurrence rule.");
    if (body.recurrence.length > 0) {
      if (options.isInstance) throw bad("Cannot set recurrence on an instance of a recurring event.");
      try {
        parseRecurrence(body.recurrence);
      } catch (error) {
        if (error instanceof RecurrenceError) throw bad(`Invalid recurrence rule. (${error.message})`);
        throw error;
      }
      recurrence = body.recurrence;
    }
  }
  const status = body.status ?? "confirmed";
  if (status !== "confirmed" && status !== "tentative" && status !== "cancelled") throw bad("Invalid value for: status");
  const attendees: Attendee[] = (body.attendees ?? []).map((attendee) => {
    if (!attendee.email) throw bad("Missing attendee email.", "required");
    const responseStatus = attendee.responseStatus ?? "needsAction";
    if (!ATTENDEE_STATUSES.has(responseStatus)) throw bad("Invalid attendee responseStatus.");
    return { email: attendee.email, name: attendee.displayName, responseStatus: responseStatus as Attendee["responseStatus"] };
  });
  return {
    summary: typeof body.summary === "string" ? body.summary : "",
    description: typeof body.description === "string" ? body.description : undefined,
    location: typeof body.location === "string" ? body.location : undefined,
    start,
    end,
    recurrence,
    status,
    attendees,
  };
}

/** PATCH semantics: objects merge field by field, everything else (arrays included) replaces. */
export function mergePatch(target: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...target };
  for (const [key, value] of Object.entries(patch)) {
    const existing = merged[key];
    if (value && typeof value === "object" && !Array.isArray(value) && existing && typeof existing === "object" && !Array.isArray(existing)) {
      merged[key] = mergePatch(existing as Record<string, unknown>, value as Record<string, unknown>);
    } else {
      merged[key] = value;
    }
  }
  return merged;
}

const GOOGLE_ID = /^[a-v0-9]{5,1024}$/;

export function checkClientEventId(id: unknown): string | undefined {
  if (id === undefined) return undefined;
  if (typeof id !== "string" || !GOOGLE_ID.test(id)) throw bad("Invalid resource id value.");
  return id;
}
