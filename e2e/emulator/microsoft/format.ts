// Microsoft Graph resources: store records as `microsoft.graph.event` JSON.

import type { RecurrenceRule } from "../recurrence";
import type { Account, Attendee, Calendar, StoredEvent } from "../state";
import { findWindows } from "windows-iana";
import { formatGraphDateTime, formatGraphUtc, isValidTimeZone } from "../time";

/** The Windows name Exchange uses for an IANA zone (UTC stays UTC). */
export function windowsZone(zone: string): string {
  return findWindows(zone)?.[0] ?? zone;
}

export type GraphEventType = "singleInstance" | "occurrence" | "exception" | "seriesMaster";

export function graphEventType(event: StoredEvent): GraphEventType {
  if (event.rule) return "seriesMaster";
  if (event.seriesMasterId) return event.synthetic ? "occurrence" : "exception";
  return "singleInstance";
}

export function graphChangeKey(event: StoredEvent): string {
  return Buffer.from(`emu-${event.changeSeq}-${event.updatedAt}`).toString("base64");
}

/** Zone of start/end in responses: `Prefer: outlook.timezone="..."` (IANA names only), else UTC. */
export function preferredTimeZone(prefer: string | undefined): string {
  const match = /outlook\.timezone="([^"]+)"/i.exec(prefer ?? "");
  const zone = match?.[1];
  return zone && isValidTimeZone(zone) ? zone : "UTC";
}

const RESPONSES: Record<Attendee["responseStatus"], string> = {
  needsAction: "none",
  accepted: "accepted",
  declined: "declined",
  tentative: "tentativelyAccepted",
};

const WEEKDAY_NAMES: Record<string, string> = { MO: "monday", TU: "tuesday", WE: "wednesday", TH: "thursday", FR: "friday", SA: "saturday", SU: "sunday" };

function graphRecurrence(event: StoredEvent, rule: RecurrenceRule): Record<string, unknown> {
  const startDate = event.start.kind === "date" ? event.start.date : formatGraphDateTime(event.start.instant, event.start.timeZone).slice(0, 10);
  const zone = event.start.kind === "dateTime" ? event.start.timeZone : "UTC";
  const firstWeekday = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"][rule.weekStart - 1];
  const weekdayOfStart = new Date(`${startDate}T00:00:00Z`).toLocaleDateString("en-US", { weekday: "long", timeZone: "UTC" }).toLowerCase();
  const pattern =
    rule.freq === "DAILY"
      ? { type: "daily", interval: rule.interval, month: 0, dayOfMonth: 0, firstDayOfWeek: "sunday", index: "first" }
      : {
          type: "weekly",
          interval: rule.interval,
          month: 0,
          dayOfMonth: 0,
          daysOfWeek: rule.byDay?.map((day) => WEEKDAY_NAMES[day]) ?? [weekdayOfStart],
          firstDayOfWeek: firstWeekday,
          index: "first",
        };
  const range =
    rule.count !== undefined
      ? { type: "numbered", startDate, endDate: "0001-01-01", recurrenceTimeZone: windowsZone(zone), numberOfOccurrences: rule.count }
      : rule.until
        ? {
            type: "endDate",
            startDate,
            endDate: rule.until.kind === "date" ? rule.until.date : new Date(rule.until.instant).toISOString().slice(0, 10),
            recurrenceTimeZone: windowsZone(zone),
            numberOfOccurrences: 0,
          }
        : { type: "noEnd", startDate, endDate: "0001-01-01", recurrenceTimeZone: windowsZone(zone), numberOfOccurrences: 0 };
  return { pattern, range };
}

const SENSITIVITY: Record<StoredEvent["visibility"], string> = { default: "normal", public: "normal", private: "private", confidential: "confidential" };

/**
 * The mailbox owner's answer: organizer, else their attendee entry's response. Graph's
 * responseStatus docs: an answer not given reads `notResponded` in the attendee's own
 * calendar and `none` everywhere else (the attendee list, as RESPONSES has it).
 */
function ownResponse(event: StoredEvent, account: Account, isOrganizer: boolean): string {
  if (isOrganizer) return "organizer";
  const own = event.attendees.find((attendee) => attendee.email.toLowerCase() === account.email);
  return own && own.responseStatus !== "needsAction" ? RESPONSES[own.responseStatus] : "notResponded";
}

function graphLocation(event: StoredEvent): Record<string, unknown> {
  const address = event.locationAddress ?? {};
  return {
    displayName: event.location ?? "",
    locationType: "default",
    uniqueIdType: event.location ? "private" : "unknown",
    address: {
      street: address.street ?? "",
      city: address.city ?? "",
      state: address.state ?? "",
      countryOrRegion: address.countryOrRegion ?? "",
      postalCode: address.postalCode ?? "",
    },
    coordinates: event.locationCoordinates ? { latitude: event.locationCoordinates.latitude, longitude: event.locationCoordinates.longitude } : {},
  };
}

/** Graph's `onlineMeeting` (onlineMeetingInfo) exists for Teams meetings only; other links live in the body or location. */
function graphOnlineMeeting(event: StoredEvent): Record<string, unknown> | null {
  const conference = event.conference;
  if (conference?.type !== "teams") return null;
  return {
    joinUrl: conference.joinUrl,
    conferenceId: conference.pin ?? null,
    tollNumber: conference.phone ?? null,
    tollFreeNumbers: [],
    phones: conference.phone ? [{ number: conference.phone, type: "home" }] : [],
  };
}

/** The body Outlook shows: the description, and a Zoom or Meet invitation's link as such clients write it. */
function graphBody(event: StoredEvent): string {
  const link =
    event.conference && event.conference.type !== "teams" ? `<p>Join: <a href="${event.conference.joinUrl}">${event.conference.joinUrl}</a></p>` : "";
  if (!event.description && !link) return "";
  return `<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head><body>${event.description ?? ""}${link}</body></html>`;
}

export function formatGraphEvent(
  event: StoredEvent,
  context: { calendar: Calendar; account: Account; master?: StoredEvent; responseTimeZone: string },
): Record<string, unknown> {
  const { account, calendar, responseTimeZone } = context;
  const changeKey = graphChangeKey(event);
  const eventZone = event.start.kind === "dateTime" ? event.start.timeZone : calendar.timeZone;
  const dateTime = (time: StoredEvent["start"]) =>
    time.kind === "date"
      ? { dateTime: `${time.date}T00:00:00.0000000`, timeZone: responseTimeZone }
      : { dateTime: formatGraphDateTime(time.instant, responseTimeZone), timeZone: responseTimeZone };
  const type = graphEventType(event);
  const organizer = event.organizer ?? { email: account.email, name: account.name };
  const isOrganizer = organizer.email.toLowerCase() === account.email;
  const onlineMeeting = graphOnlineMeeting(event);
  const body = graphBody(event);
  return {
    "@odata.type": "#microsoft.graph.event",
    "@odata.etag": `W/"${changeKey}"`,
    id: event.id,
    createdDateTime: formatGraphUtc(event.createdAt),
    lastModifiedDateTime: formatGraphUtc(event.updatedAt),
    changeKey,
    categories: [],
    transactionId: null,
    // Exchange names zones the Windows way here.
    originalStartTimeZone: windowsZone(eventZone),
    originalEndTimeZone: windowsZone(event.end.kind === "dateTime" ? event.end.timeZone : calendar.timeZone),
    iCalUId: event.iCalUID,
    uid: event.iCalUID,
    reminderMinutesBeforeStart: 15,
    isReminderOn: true,
    hasAttachments: false,
    subject: event.summary,
    bodyPreview: (event.description ?? "").replace(/<[^>]*>/g, "").slice(0, 255),
    importance: "normal",
    sensitivity: SENSITIVITY[event.visibility],
    isAllDay: event.start.kind === "date",
    isCancelled: event.status === "cancelled",
    isOrganizer,
    responseRequested: true,
    seriesMasterId: event.seriesMasterId ?? null,
    showAs: event.status === "tentative" && event.showAs === "busy" ? "tentative" : event.showAs,
    type,
    webLink: `https://outlook.office365.com/owa/?itemid=${encodeURIComponent(event.id)}&exvsurl=1&path=/calendar/item`,
    onlineMeetingUrl: null,
    isOnlineMeeting: onlineMeeting !== null,
    onlineMeetingProvider: onlineMeeting !== null ? "teamsForBusiness" : "unknown",
    allowNewTimeProposals: true,
    isDraft: false,
    hideAttendees: false,
    ...(event.originalStart
      ? {
          originalStart:
            event.originalStart.kind === "date"
              ? `${event.originalStart.date}T00:00:00Z`
              : new Date(event.originalStart.instant).toISOString().replace(".000Z", "Z"),
        }
      : {}),
    responseStatus: { response: ownResponse(event, account, isOrganizer), time: "0001-01-01T00:00:00Z" },
    body: { contentType: "html", content: body },
    start: dateTime(event.start),
    end: dateTime(event.end),
    location: graphLocation(event),
    locations: event.location ? [graphLocation(event)] : [],
    recurrence: type === "seriesMaster" && event.rule ? graphRecurrence(event, event.rule) : null,
    attendees: event.attendees.map((attendee) => ({
      type: attendee.resource ? "resource" : attendee.optional ? "optional" : "required",
      status: { response: RESPONSES[attendee.responseStatus], time: "0001-01-01T00:00:00Z" },
      emailAddress: { name: attendee.name ?? attendee.email, address: attendee.email },
    })),
    organizer: { emailAddress: { name: organizer.name ?? organizer.email, address: organizer.email } },
    onlineMeeting,
  };
}
