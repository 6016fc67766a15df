import { EventDetailSchema, type EventDetail } from "@/lib/api/event-detail";
import { AttendeeSchema } from "@/lib/api/v1/schemas";
import { db } from "@/lib/db/client";
import { eventTimes } from "./event-times";
import { notFound } from "@/lib/http/errors";
import { ruleText } from "./rule-text";

const attendeeList = AttendeeSchema.array().catch([]);

/** One event of `organizationId` for the dashboard's drawer; not_found for any other organization's id. */
export async function eventDetail(organizationId: string, id: string): Promise<EventDetail> {
  const database = await db();
  const event = await database.event.findFirst({
    where: { id, organizationId },
    include: {
      calendar: { select: { name: true, timeZone: true, lastSyncedAt: true, connection: { select: { provider: true, accountEmail: true } } } },
    },
  });
  if (!event) throw notFound("no such event");
  const seriesIds = [event.recurringSeriesId, event.providerEventId].filter((value): value is string => value !== null);
  const series = await database.eventSeries.findFirst({
    where: { organizationId, calendarId: event.calendarId, providerSeriesId: { in: seriesIds } },
    orderBy: { providerSeriesId: event.recurringSeriesId ? "asc" : "desc" },
    select: { rrule: true },
  });
  const copies = event.meetingId ? await database.event.count({ where: { organizationId, meetingId: event.meetingId, id: { not: event.id } } }) : 0;
  return EventDetailSchema.parse({
    id: event.id,
    calendarId: event.calendarId,
    calendarName: event.calendar.name,
    calendarTimeZone: event.calendar.timeZone,
    calendarLastSyncedAt: event.calendar.lastSyncedAt?.toISOString() ?? null,
    provider: event.calendar.connection.provider,
    accountEmail: event.calendar.connection.accountEmail,
    title: event.title,
    descriptionText: event.descriptionText,
    location: event.location,
    locationAddress: event.locationAddress,
    webLink: event.webLink,
    ...eventTimes(event),
    timeZone: event.startTimeZone ?? event.calendar.timeZone,
    status: event.status,
    busyStatus: event.busyStatus,
    visibility: event.visibility,
    eventType: event.eventType,
    selfResponse: event.selfResponse,
    organizer: event.organizerEmail ? { email: event.organizerEmail, name: event.organizerName } : null,
    conference:
      event.conferenceProvider || event.conferenceUrl || event.conferenceDialIn
        ? { provider: event.conferenceProvider ?? "other", url: event.conferenceUrl, dialIn: event.conferenceDialIn }
        : null,
    attendees: attendeeList.parse(event.attendees),
    recurring: event.recurringSeriesId !== null || series !== null,
    seriesRule: series ? ruleText(series.rrule) : null,
    meetingId: event.meetingId,
    otherCopies: copies,
  } satisfies EventDetail);
}
