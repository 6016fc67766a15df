import { z } from "zod";
import { AttendeeSchema } from "@/lib/api/v1/schemas";
import { BUSY_STATUSES, CONFERENCE_PROVIDERS, EVENT_VISIBILITIES } from "@/lib/providers/port";

/**
 * GET /api/events/:id, the dashboard's event drawer: one event of the caller's
 * organization with what the drawer shows. The HTML body is left out on purpose:
 * the drawer shows the plain text, so nothing unsanitised can reach the page.
 */
export const EventDetailSchema = z.object({
  id: z.uuid(),
  calendarId: z.uuid(),
  calendarName: z.string(),
  calendarTimeZone: z.string(),
  /** When the calendar last finished a sync; null before its first. */
  calendarLastSyncedAt: z.iso.datetime({ offset: true }).nullable(),
  provider: z.enum(["google", "microsoft"]),
  accountEmail: z.string(),
  title: z.string(),
  descriptionText: z.string().nullable(),
  location: z.string().nullable(),
  locationAddress: z.string().nullable(),
  webLink: z.string().nullable(),
  isAllDay: z.boolean(),
  startAt: z.iso.datetime({ offset: true }),
  endAt: z.iso.datetime({ offset: true }),
  /** All-day events: `YYYY-MM-DD`, end exclusive. */
  startDate: z.string().nullable(),
  endDate: z.string().nullable(),
  /** The event's own IANA zone (its start's, else its calendar's). */
  timeZone: z.string(),
  status: z.enum(["confirmed", "tentative", "cancelled"]),
  busyStatus: z.enum(BUSY_STATUSES),
  visibility: z.enum(EVENT_VISIBILITIES),
  eventType: z.string().nullable(),
  selfResponse: z.string().nullable(),
  organizer: z.object({ email: z.string(), name: z.string().nullable() }).nullable(),
  conference: z.object({ provider: z.enum(CONFERENCE_PROVIDERS), url: z.string().nullable(), dialIn: z.string().nullable() }).nullable(),
  attendees: z.array(AttendeeSchema),
  recurring: z.boolean(),
  /** The series rule in words (lib/connections/rule-text.ts), null when none is stored. */
  seriesRule: z.string().nullable(),
  meetingId: z.uuid().nullable(),
  /** Copies of the same meeting in the organization's other calendars. */
  otherCopies: z.number().int().min(0),
});
export type EventDetail = z.infer<typeof EventDetailSchema>;
