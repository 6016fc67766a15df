// Google Calendar v3 resources: store records to `calendar#event` JSON and
// request bodies back to store fields (with Google's validation messages).

import { googleApiError } from "../errors";
import { HttpError } from "../http";
import { RecurrenceError, parseRecurrence } from "../recurrence";
import type { Account, Attendee, Calendar, Conference, EventFields, GoogleEventType, StoredEvent, Visibility } from "../state";
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
  attendees?: Array<{ email?: string; displayName?: string; responseStatus?: string; optional?: boolean; resource?: boolean }>;
  transparency?: string;
  visibility?: string;
  eventType?: string;
  organizer?: { email?: string; displayName?: string; self?: boolean };
  conferenceData?: GoogleConferenceData;
  [key: string]: unknown;
}

export interface GoogleConferenceData {
  conferenceId?: string;
  conferenceSolution?: { key?: { type?: string }; name?: string };
  entryPoints?: Array<{ entryPointType?: string; uri?: string; label?: string; pin?: string; regionCode?: string }>;
}

const SOLUTIONS: Record<Conference["type"], { key: { type: string }; name: string }> = {
  meet: { key: { type: "hangoutsMeet" }, name: "Google Meet" },
  // Third-party conferencing reaches Google Calendar through Workspace add-ons.
  teams: { key: { type: "addOn" }, name: "Microsoft Teams Meeting" },
  zoom: { key: { type: "addOn" }, name: "Zoom Meeting" },
};

/** `conferenceData` as Calendar v3 shows it: a video entry point, and a phone one with its PIN. */
function googleConferenceData(conference: Conference): GoogleConferenceData {
  const entryPoints: NonNullable<GoogleConferenceData["entryPoints"]> = [
    { entryPointType: "video", uri: conference.joinUrl, label: conference.joinUrl.replace(/^https:\/\//, "") },
  ];
  if (conference.phone) {
    entryPoints.push({
      entryPointType: "phone",
      uri: `tel:${conference.phone.replace(/[^+\d]/g, "")}`,
      label: conference.phone,
      ...(conference.pin ? { pin: conference.pin } : {}),
      regionCode: "US",
    });
  }
  return { conferenceId: conference.joinUrl.split("/").pop() ?? conference.joinUrl, conferenceSolution: SOLUTIONS[conference.type], entryPoints };
}

/** Back from `conferenceData` to the store's conference (an update sends what a get returned). */
function conferenceFromGoogle(data: GoogleConferenceData | undefined): Conference | undefined {
  const video = data?.entryPoints?.find((entry) => entry.entryPointType === "video" && entry.uri);
  if (!video?.uri) return undefined;
  const phone = data?.entryPoints?.find((entry) => entry.entryPointType === "phone");
  const name = data?.conferenceSolution?.name ?? "";
  const type: Conference["type"] =
    data?.conferenceSolution?.key?.type === "hangoutsMeet" ? "meet" : /zoom/i.test(name) ? "zoom" : /teams/i.test(name) ? "teams" : "meet";
  return { type, joinUrl: video.uri, ...(phone?.label ? { phone: phone.label } : {}), ...(phone?.pin ? { pin: phone.pin } : {}) };
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
  const ownerEmail = context.calendar.primary ? context.account.email : context.calendar.id;
  const organizer = event.organizer
    ? {
        email: event.organizer.email,
        ...(event.organizer.name ? { displayName: event.organizer.name } : {}),
        ...(event.organizer.email === ownerEmail ? { self: true } : {}),
      }
    : context.calendar.primary
      ? { email: ownerEmail, self: true }
      : { email: ownerEmail, displayName: context.calendar.name, self: true };
  const organizerEmail = organizer.email;
  return {
    ...base,
    htmlLink: `${context.origin}/calendar/event?eid=${Buffer.from(`${event.id} ${context.calendar.id}`).toString("base64url")}`,
    created: formatIsoUtc(event.createdAt),
    updated: formatIsoUtc(event.updatedAt),
    summary: event.summary,
    ...(event.description !== undefined ? { description: event.description } : {}),
    ...(event.location !== undefined ? { location: event.location } : {}),
    creator: event.organizer
      ? { email: event.organizer.email, ...(event.organizer.email === ownerEmail ? { self: true } : {}) }
      : { email: context.account.email, self: true },
    organizer,
    ...(event.showAs === "free" ? { transparency: "transparent" } : {}),
    ...(event.visibility !== "default" ? { visibility: event.visibility } : {}),
    ...(event.conference?.type === "meet" ? { hangoutLink: event.conference.joinUrl } : {}),
    ...(event.conference ? { conferenceData: googleConferenceData(event.conference) } : {}),
    start: googleEventTime(event.start, context.responseTimeZone),
    end: googleEventTime(event.end, context.responseTimeZone),
    ...(event.recurrence ? { recurrence: event.recurrence } : {}),
    iCalUID: event.iCalUID,
    sequence: event.sequence,
    ...(event.attendees.length > 0
      ? {
          attendees: event.attendees.map((attendee) => ({
            email: attendee.email,
            ...(attendee.name ? { displayName: attendee.name } : {}),
            ...(attendee.email.toLowerCase() === organizerEmail.toLowerCase() ? { organizer: true } : {}),
            ...(attendee.email.toLowerCase() === ownerEmail.toLowerCase() ? { self: true } : {}),
            ...(attendee.resource ? { resource: true } : {}),
            ...(attendee.optional ? { optional: true } : {}),
            responseStatus: attendee.responseStatus,
          })),
        }
      : {}),
    reminders: { useDefault: true },
    eventType: event.eventType,
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
    return {
      email: attendee.email,
      name: attendee.displayName,
      responseStatus: responseStatus as Attendee["responseStatus"],
      ...(attendee.optional === true ? { optional: true } : {}),
      ...(attendee.resource === true ? { resource: true } : {}),
    };
  });
  if (body.transparency !== undefined && body.transparency !== "opaque" && body.transparency !== "transparent") throw bad("Invalid value for: transparency");
  const visibility = body.visibility ?? "default";
  if (!VISIBILITIES.has(visibility)) throw bad("Invalid value for: visibility");
  const eventType = body.eventType ?? "default";
  if (!EVENT_TYPES.has(eventType)) throw bad("Invalid value for: eventType");
  const organizer =
    body.organizer?.email && body.organizer.self !== true
      ? { email: body.organizer.email.toLowerCase(), ...(body.organizer.displayName ? { name: body.organizer.displayName } : {}) }
      : undefined;
  const conference = conferenceFromGoogle(body.conferenceData);
  return {
    summary: typeof body.summary === "string" ? body.summary : "",
    description: typeof body.description === "string" ? body.description : undefined,
    location: typeof body.location === "string" ? body.location : undefined,
    start,
    end,
    recurrence,
    status,
    attendees,
    // Google has no "tentative"/"out of office" busy state: opaque is busy, transparent free.
    showAs: body.transparency === "transparent" ? "free" : eventType === "outOfOffice" ? "oof" : eventType === "workingLocation" ? "workingElsewhere" : "busy",
    visibility: visibility as Visibility,
    eventType: eventType as GoogleEventType,
    ...(organizer ? { organizer } : {}),
    ...(conference ? { conference } : {}),
  };
}

const VISIBILITIES = new Set(["default", "public", "private", "confidential"]);
const EVENT_TYPES = new Set(["default", "focusTime", "outOfOffice", "workingLocation"]);

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
