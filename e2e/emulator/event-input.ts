// Turns the control API's provider-neutral event input into store fields, and
// store records back into the control API's view. Provider wire formats live in
// google/format.ts and microsoft/format.ts.

import { RecurrenceError, parseRecurrence } from "./recurrence";
import { InvalidInputError, type Calendar, type EventFields, type StoredEvent } from "./state";
import { type EventTime, formatIsoUtc, formatRfc3339InZone, instantOfWallTime, isDate, isValidTimeZone, parseLocalDateTime, parseRfc3339 } from "./time";
import type { EventInput, EventPatch, EventTimeView, EventView, Provider } from "./types";

function parseTime(text: string, allDay: boolean, timeZone: string, field: string): EventTime {
  if (allDay) {
    if (!isDate(text)) throw new InvalidInputError(`${field} must be YYYY-MM-DD for an all-day event`);
    return { kind: "date", date: text };
  }
  const instant = parseRfc3339(text);
  if (instant !== undefined) return { kind: "dateTime", instant, timeZone };
  const wall = parseLocalDateTime(text);
  if (!wall) throw new InvalidInputError(`${field} must be RFC 3339 or YYYY-MM-DDTHH:MM[:SS]`);
  return { kind: "dateTime", instant: instantOfWallTime(wall, timeZone), timeZone };
}

function checkRecurrence(lines: string[] | undefined): void {
  if (!lines) return;
  try {
    parseRecurrence(lines);
  } catch (error) {
    if (error instanceof RecurrenceError) throw new InvalidInputError(error.message);
    throw error;
  }
}

export function checkOrder(start: EventTime, end: EventTime): void {
  const startKey = start.kind === "date" ? start.date : start.instant;
  const endKey = end.kind === "date" ? end.date : end.instant;
  if (start.kind !== end.kind) throw new InvalidInputError("start and end must both be dates or both be date-times");
  if (endKey <= startKey && !(start.kind === "dateTime" && endKey === startKey)) {
    throw new InvalidInputError("The specified time range is empty.");
  }
}

export function eventFieldsFromInput(input: EventInput, calendar: Calendar): EventFields {
  const allDay = input.allDay ?? isDate(input.start);
  const timeZone = input.timeZone ?? calendar.timeZone;
  if (!isValidTimeZone(timeZone)) throw new InvalidInputError(`Unknown time zone ${timeZone}`);
  const start = parseTime(input.start, allDay, timeZone, "start");
  const end = parseTime(input.end, allDay, timeZone, "end");
  checkOrder(start, end);
  checkRecurrence(input.recurrence);
  return {
    summary: input.summary,
    description: input.description,
    location: input.location,
    start,
    end,
    recurrence: input.recurrence && input.recurrence.length > 0 ? input.recurrence : undefined,
    status: input.status ?? "confirmed",
    attendees: (input.attendees ?? []).map(attendeeOf),
    ...richFields(input),
    showAs: input.showAs ?? "busy",
    visibility: input.visibility ?? "default",
    eventType: input.eventType ?? "default",
  };
}

function attendeeOf(attendee: NonNullable<EventInput["attendees"]>[number]): EventFields["attendees"][number] {
  if (!attendee.email || !attendee.email.includes("@")) throw new InvalidInputError(`attendee email ${JSON.stringify(attendee.email)} is not an address`);
  return { ...attendee, email: attendee.email, responseStatus: attendee.responseStatus ?? "needsAction" };
}

const SHOW_AS = new Set(["free", "tentative", "busy", "oof", "workingElsewhere"]);
const VISIBILITY = new Set(["default", "public", "private", "confidential"]);
const EVENT_TYPES = new Set(["default", "focusTime", "outOfOffice", "workingLocation"]);

/** The optional rich fields (location details, organizer, conference), checked. */
function richFields(input: EventPatch): Partial<EventFields> {
  const fields: Partial<EventFields> = {};
  if (input.showAs !== undefined && !SHOW_AS.has(input.showAs)) throw new InvalidInputError(`showAs must be one of ${[...SHOW_AS].join(", ")}`);
  if (input.visibility !== undefined && !VISIBILITY.has(input.visibility))
    throw new InvalidInputError(`visibility must be one of ${[...VISIBILITY].join(", ")}`);
  if (input.eventType !== undefined && !EVENT_TYPES.has(input.eventType))
    throw new InvalidInputError(`eventType must be one of ${[...EVENT_TYPES].join(", ")}`);
  if (input.locationAddress !== undefined) fields.locationAddress = input.locationAddress;
  if (input.locationCoordinates !== undefined) {
    const { latitude, longitude } = input.locationCoordinates;
    if (!Number.isFinite(latitude) || !Number.isFinite(longitude) || Math.abs(latitude) > 90 || Math.abs(longitude) > 180)
      throw new InvalidInputError("locationCoordinates must be a latitude and longitude");
    fields.locationCoordinates = { latitude, longitude };
  }
  if (input.organizer !== undefined) {
    if (!input.organizer.email?.includes("@")) throw new InvalidInputError("organizer.email must be an address");
    fields.organizer = { email: input.organizer.email.toLowerCase(), ...(input.organizer.name ? { name: input.organizer.name } : {}) };
  }
  if (input.conference !== undefined) {
    if (!["meet", "teams", "zoom"].includes(input.conference.type) || !/^https:\/\//.test(input.conference.joinUrl ?? ""))
      throw new InvalidInputError("conference needs a type (meet, teams, zoom) and an https joinUrl");
    fields.conference = { ...input.conference };
  }
  return fields;
}

export function eventFieldsFromPatch(patch: EventPatch, existing: StoredEvent, calendar: Calendar): Partial<EventFields> {
  const fields: Partial<EventFields> = {};
  if (patch.summary !== undefined) fields.summary = patch.summary;
  if (patch.description !== undefined) fields.description = patch.description;
  if (patch.location !== undefined) fields.location = patch.location;
  if (patch.status !== undefined) fields.status = patch.status;
  if (patch.attendees !== undefined) fields.attendees = patch.attendees.map(attendeeOf);
  Object.assign(fields, richFields(patch));
  if (patch.showAs !== undefined) fields.showAs = patch.showAs;
  if (patch.visibility !== undefined) fields.visibility = patch.visibility;
  if (patch.eventType !== undefined) fields.eventType = patch.eventType;
  if (patch.recurrence !== undefined) {
    checkRecurrence(patch.recurrence ?? undefined);
    fields.recurrence = patch.recurrence && patch.recurrence.length > 0 ? patch.recurrence : undefined;
  }
  if (patch.start !== undefined || patch.end !== undefined || patch.timeZone !== undefined || patch.allDay !== undefined) {
    const allDay = patch.allDay ?? (patch.start !== undefined ? isDate(patch.start) : existing.start.kind === "date");
    const timeZone = patch.timeZone ?? (existing.start.kind === "dateTime" ? existing.start.timeZone : calendar.timeZone);
    if (!isValidTimeZone(timeZone)) throw new InvalidInputError(`Unknown time zone ${timeZone}`);
    const start = patch.start !== undefined ? parseTime(patch.start, allDay, timeZone, "start") : existing.start;
    const end = patch.end !== undefined ? parseTime(patch.end, allDay, timeZone, "end") : existing.end;
    checkOrder(start, end);
    fields.start = start;
    fields.end = end;
  }
  return fields;
}

/** Reads an instance's original start the way the control API accepts it. */
export function parseOriginalStart(text: string, master: StoredEvent): EventTime {
  if (master.start.kind === "date") {
    if (!isDate(text)) throw new InvalidInputError("originalStart must be YYYY-MM-DD for an all-day series");
    return { kind: "date", date: text };
  }
  const wall = parseLocalDateTime(text);
  const instant = parseRfc3339(text) ?? (wall ? instantOfWallTime(wall, master.start.timeZone) : undefined);
  if (instant === undefined) throw new InvalidInputError("originalStart must be RFC 3339, or local YYYY-MM-DDTHH:MM[:SS] in the series' zone");
  return { kind: "dateTime", instant, timeZone: master.start.timeZone };
}

export function eventTimeView(time: EventTime): EventTimeView {
  return time.kind === "date" ? { date: time.date } : { dateTime: formatRfc3339InZone(time.instant, time.timeZone), timeZone: time.timeZone };
}

export function eventView(event: StoredEvent, provider: Provider): EventView {
  return {
    id: event.id,
    calendarId: event.calendarId,
    provider,
    summary: event.summary,
    description: event.description,
    location: event.location,
    start: eventTimeView(event.start),
    end: eventTimeView(event.end),
    allDay: event.start.kind === "date",
    recurrence: event.recurrence,
    seriesMasterId: event.seriesMasterId,
    originalStart: event.originalStart ? eventTimeView(event.originalStart) : undefined,
    status: event.status,
    attendees: event.attendees.map((attendee) => ({ ...attendee })),
    ...(event.locationAddress ? { locationAddress: event.locationAddress } : {}),
    ...(event.locationCoordinates ? { locationCoordinates: event.locationCoordinates } : {}),
    ...(event.organizer ? { organizer: event.organizer } : {}),
    ...(event.conference ? { conference: event.conference } : {}),
    showAs: event.showAs,
    visibility: event.visibility,
    eventType: event.eventType,
    deleted: event.deleted,
    iCalUID: event.iCalUID,
    updated: formatIsoUtc(event.updatedAt),
  };
}
