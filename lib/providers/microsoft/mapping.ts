import { ProviderError } from "../errors";
import { conferenceInText, conferenceProviderOf, htmlToPlainText, rawItemJson } from "../enrich";
import type { AttendeeRecord, AttendeeResponse, BusyStatus, ConferenceRecord, EventChange, EventRecord, EventVisibility, SeriesRecord } from "../port";
import { findIana } from "windows-iana";
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
  createdDateTime?: string | null;
  webLink?: string | null;
  sensitivity?: string | null;
  isOrganizer?: boolean;
  body?: { contentType?: string | null; content?: string | null } | null;
  location?: GraphLocation | null;
  responseStatus?: { response?: string | null } | null;
  isOnlineMeeting?: boolean;
  onlineMeetingProvider?: string | null;
  onlineMeetingUrl?: string | null;
  onlineMeeting?: { joinUrl?: string | null; conferenceId?: string | null; tollNumber?: string | null } | null;
  recurrence?: GraphPatternedRecurrence | null;
  organizer?: { emailAddress?: GraphEmailAddress | null } | null;
  attendees?: GraphAttendee[] | null;
}

export interface GraphLocation {
  displayName?: string | null;
  address?: { street?: string | null; city?: string | null; state?: string | null; countryOrRegion?: string | null; postalCode?: string | null } | null;
  coordinates?: { latitude?: number | null; longitude?: number | null } | null;
}

export interface GraphAttendee {
  type?: "required" | "optional" | "resource" | string | null;
  status?: { response?: string | null } | null;
  emailAddress?: GraphEmailAddress | null;
}

export interface GraphPatternedRecurrence {
  pattern?: {
    type?: string | null;
    interval?: number | null;
    month?: number | null;
    dayOfMonth?: number | null;
    daysOfWeek?: string[] | null;
    firstDayOfWeek?: string | null;
    index?: string | null;
  } | null;
  range?: {
    type?: string | null;
    startDate?: string | null;
    endDate?: string | null;
    recurrenceTimeZone?: string | null;
    numberOfOccurrences?: number | null;
  } | null;
}

/**
 * An IANA zone for a zone name Graph wrote: Exchange uses Windows names ("Pacific
 * Standard Time") for mailboxes and `originalStartTimeZone`, mapped by windows-iana
 * (CLDR's table, not ours); IANA names pass through. Null for names nobody maps
 * ("tzone://Microsoft/Custom").
 */
export function ianaZoneOf(zone: string | null | undefined): string | null {
  if (!zone) return null;
  // A mailbox has a handful of zones and every event names one: look each up once.
  const known = zoneNames.get(zone);
  if (known !== undefined) return known;
  const iana =
    (zone.includes("/") || zone === "UTC") && isKnownZone(zone)
      ? zone
      : (findIana(zone)?.find((candidate) => isKnownZone(candidate)) ?? (isKnownZone(zone) ? zone : null));
  if (zoneNames.size < 1000) zoneNames.set(zone, iana);
  return iana;
}
const zoneNames = new Map<string, string | null>();

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
  const eventZone = ianaZoneOf(field === "start" ? event.originalStartTimeZone : (event.originalEndTimeZone ?? event.originalStartTimeZone));
  if (isKnownZone(eventZone)) {
    return new Intl.DateTimeFormat("en-CA", { timeZone: eventZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(instant);
  }
  const wall = zonedTimeToInstant(value.dateTime, "UTC").getTime();
  return new Date(Math.round(wall / DAY_MS) * DAY_MS).toISOString().slice(0, 10);
}

/** Whose calendar it is: attendees with this address are `self`. */
export interface GraphMappingContext {
  calendarTimeZone: string;
  ownerEmail: string | null;
}

/**
 * One delta item as a change; null for items we do not store. Removed items
 * (`@removed`, which Graph also sends for changes outside the window) are
 * deletions. A meeting its organizer cancelled (`isCancelled`) stays in an
 * attendee's calendar, marked, until they remove it: it is kept with status
 * `cancelled`, as Outlook shows it. Series masters are skipped because
 * calendarView already expands them into occurrences (the emulator never sends
 * them, real Graph should not either).
 */
export function graphItemToChange(item: GraphEvent, context: GraphMappingContext): EventChange | null {
  if (item["@removed"] !== undefined) return { type: "delete", providerEventId: item.id };
  if (item.type === "seriesMaster") return null;
  return { type: "upsert", event: graphEventToRecord(item, context) };
}

const RESPONSES: Record<string, AttendeeResponse> = {
  none: "needsAction",
  notResponded: "needsAction",
  accepted: "accepted",
  tentativelyAccepted: "tentative",
  declined: "declined",
  // The organizer's own entry, where Graph lists one.
  organizer: "accepted",
};

const SHOW_AS: Record<string, BusyStatus> = {
  free: "free",
  tentative: "tentative",
  busy: "busy",
  oof: "out_of_office",
  workingElsewhere: "working_elsewhere",
  unknown: "unknown",
};
const SENSITIVITY: Record<string, EventVisibility> = { normal: "default", personal: "personal", private: "private", confidential: "confidential" };
const TEAMS_PROVIDERS = new Set(["teamsForBusiness", "skypeForBusiness", "skypeForConsumer"]);

function addressLine(location: GraphLocation | null | undefined): string | null {
  const address = location?.address;
  if (!address) return null;
  const cityLine = [address.city, [address.state, address.postalCode].filter(Boolean).join(" ")].filter(Boolean).join(", ");
  const line = [address.street, cityLine, address.countryOrRegion].filter((part) => part && part.trim() !== "").join(", ");
  return line === "" ? null : line;
}

function coordinate(value: number | null | undefined): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

function conferenceOf(event: GraphEvent, body: string | null): ConferenceRecord | null {
  const joinUrl = event.onlineMeeting?.joinUrl ?? event.onlineMeetingUrl ?? null;
  if (joinUrl) {
    const toll = event.onlineMeeting?.tollNumber ?? null;
    const conferenceId = event.onlineMeeting?.conferenceId ?? null;
    return {
      provider: event.onlineMeetingProvider && TEAMS_PROVIDERS.has(event.onlineMeetingProvider) ? "teams" : conferenceProviderOf(joinUrl),
      joinUrl,
      dialIn: toll ? [toll, conferenceId ? `PIN ${conferenceId}` : null].filter(Boolean).join(" ") : null,
    };
  }
  return conferenceInText(event.location?.displayName, body);
}

export function graphEventToRecord(event: GraphEvent, context: GraphMappingContext): EventRecord {
  const { calendarTimeZone } = context;
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
  const organizerEmail = organizer?.address?.toLowerCase() ?? null;
  const owner = context.ownerEmail?.toLowerCase() ?? null;
  const attendees: AttendeeRecord[] = [];
  for (const attendee of event.attendees ?? []) {
    const email = attendee.emailAddress?.address?.toLowerCase();
    if (!email) continue;
    attendees.push({
      email,
      name: attendee.emailAddress?.name ?? null,
      response: RESPONSES[attendee.status?.response ?? "none"] ?? "needsAction",
      optional: attendee.type === "optional",
      organizer: email === organizerEmail,
      resource: attendee.type === "resource",
      self: owner !== null && email === owner,
    });
  }
  const content = event.body?.content ? event.body.content : null;
  const isHtml = (event.body?.contentType ?? "").toLowerCase() === "html";
  const descriptionHtml = content && isHtml ? content : null;
  const descriptionText = content ? (isHtml ? htmlToPlainText(content) : content) : null;
  const response = event.responseStatus?.response;
  const selfResponse = event.isOrganizer === true || response === "organizer" ? "organizer" : response ? (RESPONSES[response] ?? "needsAction") : null;
  return {
    providerEventId: event.id,
    iCalUid: event.iCalUId ?? null,
    title: event.subject ?? "",
    descriptionText: descriptionText === "" ? null : descriptionText,
    descriptionHtml,
    location: event.location?.displayName || null,
    locationAddress: addressLine(event.location),
    locationLatitude: coordinate(event.location?.coordinates?.latitude),
    locationLongitude: coordinate(event.location?.coordinates?.longitude),
    webLink: event.webLink ?? null,
    isAllDay,
    startAt,
    endAt,
    startDate,
    endDate,
    startTimeZone: ianaZoneOf(event.originalStartTimeZone),
    endTimeZone: ianaZoneOf(event.originalEndTimeZone),
    status: event.isCancelled === true ? "cancelled" : event.showAs === "tentative" ? "tentative" : "confirmed",
    busyStatus: SHOW_AS[event.showAs ?? "busy"] ?? "unknown",
    visibility: SENSITIVITY[event.sensitivity ?? "normal"] ?? "default",
    eventType: event.type ?? null,
    organizerEmail: organizer?.address ?? null,
    organizerName: organizer?.name ?? null,
    attendeeCount: attendees.length,
    attendees,
    selfResponse,
    conference: conferenceOf(event, content),
    providerCreatedAt: parseGraphInstant(event.createdDateTime),
    providerUpdatedAt: parseGraphInstant(event.lastModifiedDateTime),
    recurringSeriesId: event.seriesMasterId ?? null,
    originalStartAt: parseGraphInstant(event.originalStart),
    rawJson: rawItemJson(event),
  };
}

const WEEKDAYS: Record<string, string> = { sunday: "SU", monday: "MO", tuesday: "TU", wednesday: "WE", thursday: "TH", friday: "FR", saturday: "SA" };
const INDEXES: Record<string, string> = { first: "1", second: "2", third: "3", fourth: "4", last: "-1" };

/**
 * Graph's patternedRecurrence as RFC 5545 lines, so both providers' series read
 * alike. Null for a pattern we cannot express (the rule stays in `rule` as given).
 */
export function patternedRecurrenceToRrule(recurrence: GraphPatternedRecurrence): string[] | null {
  const pattern = recurrence.pattern;
  const range = recurrence.range;
  if (!pattern?.type) return null;
  const parts: string[] = [];
  const days = (pattern.daysOfWeek ?? []).map((day) => WEEKDAYS[day.toLowerCase()]).filter((day): day is string => day !== undefined);
  switch (pattern.type) {
    case "daily":
      parts.push("FREQ=DAILY");
      break;
    case "weekly":
      parts.push("FREQ=WEEKLY");
      if (days.length > 0) parts.push(`BYDAY=${days.join(",")}`);
      if (pattern.firstDayOfWeek && WEEKDAYS[pattern.firstDayOfWeek.toLowerCase()] && pattern.firstDayOfWeek.toLowerCase() !== "monday")
        parts.push(`WKST=${WEEKDAYS[pattern.firstDayOfWeek.toLowerCase()]}`);
      break;
    case "absoluteMonthly":
      parts.push("FREQ=MONTHLY", `BYMONTHDAY=${pattern.dayOfMonth ?? 1}`);
      break;
    case "relativeMonthly":
      parts.push("FREQ=MONTHLY", `BYDAY=${days.map((day) => `${INDEXES[pattern.index ?? "first"] ?? "1"}${day}`).join(",")}`);
      break;
    case "absoluteYearly":
      parts.push("FREQ=YEARLY", `BYMONTH=${pattern.month ?? 1}`, `BYMONTHDAY=${pattern.dayOfMonth ?? 1}`);
      break;
    case "relativeYearly":
      parts.push("FREQ=YEARLY", `BYMONTH=${pattern.month ?? 1}`, `BYDAY=${days.map((day) => `${INDEXES[pattern.index ?? "first"] ?? "1"}${day}`).join(",")}`);
      break;
    default:
      return null;
  }
  if (pattern.interval && pattern.interval > 1) parts.push(`INTERVAL=${pattern.interval}`);
  if (range?.type === "numbered" && range.numberOfOccurrences) parts.push(`COUNT=${range.numberOfOccurrences}`);
  if (range?.type === "endDate" && range.endDate) parts.push(`UNTIL=${range.endDate.replace(/-/g, "")}`);
  return [`RRULE:${parts.join(";")}`];
}

export function graphSeriesRecord(master: GraphEvent): SeriesRecord | null {
  if (!master.recurrence || master.isCancelled === true) return null;
  return {
    providerSeriesId: master.id,
    rrule: patternedRecurrenceToRrule(master.recurrence) ?? [],
    timeZone: ianaZoneOf(master.recurrence.range?.recurrenceTimeZone ?? master.originalStartTimeZone),
    rule: master.recurrence,
  };
}
