import { db } from "@/lib/db/client";
import { invalid, notFound } from "@/lib/http/errors";
import { isKnownZone } from "@/lib/providers/time";

// One meeting per organization for the copies of the same meeting in its calendars
// (the sync links them as it writes: lib/sync/store.ts upsertEvents). Read models: a meeting with
// its copies and the union of their attendees, and meeting hours per person per week.

/**
 * Which copy speaks for an attendee: their own calendar's (`self`), else the
 * organizer's, else the most recently changed one.
 */
const ATTENDEE_AUTHORITY = `a.self DESC, (e.self_response = 'organizer') DESC, e.provider_updated_at DESC NULLS LAST, e.id`;
/** Which copy speaks for the meeting's times: the organizer's, else the most recently changed. */
const COPY_AUTHORITY = `(e.self_response = 'organizer') DESC, e.provider_updated_at DESC NULLS LAST, e.id`;

export interface MeetingAttendee {
  email: string;
  name: string | null;
  response: "needsAction" | "accepted" | "tentative" | "declined";
  optional: boolean;
  resource: boolean;
  organizer: boolean;
}

export interface MeetingView {
  id: string;
  iCalUid: string;
  /** The original start of an instance of a series, ISO; null for a single event. */
  originalStartAt: string | null;
  title: string;
  startAt: string;
  endAt: string;
  organizerEmail: string | null;
  attendees: MeetingAttendee[];
  copies: Array<{ eventId: string; calendarId: string; calendarName: string; accountEmail: string }>;
}

export async function meetingOf(organizationId: string, meetingId: string): Promise<MeetingView> {
  const database = await db();
  const meeting = await database.meeting.findFirst({
    where: { id: meetingId, organizationId },
    include: { copies: { where: { organizationId }, include: { calendar: { select: { name: true, connection: { select: { accountEmail: true } } } } } } },
  });
  if (!meeting || meeting.copies.length === 0) throw notFound("no such meeting");
  const [lead] = await database.$queryRawUnsafe<Array<{ title: string; start_at: Date; end_at: Date; organizer_email: string | null }>>(
    `SELECT e.title, e.start_at, e.end_at, e.organizer_email FROM events e WHERE e.organization_id = $1::uuid AND e.meeting_id = $2::uuid ORDER BY ${COPY_AUTHORITY} LIMIT 1`,
    organizationId,
    meetingId,
  );
  const attendees = await database.$queryRawUnsafe<Array<MeetingAttendee>>(
    `SELECT DISTINCT ON (a.email) a.email, a.name, a.response::text AS response, a.optional, a.resource, a.organizer
     FROM event_attendees a JOIN events e ON e.id = a.event_id
     WHERE e.organization_id = $1::uuid AND a.organization_id = $1::uuid AND e.meeting_id = $2::uuid
     ORDER BY a.email, ${ATTENDEE_AUTHORITY}`,
    organizationId,
    meetingId,
  );
  return {
    id: meeting.id,
    iCalUid: meeting.iCalUid,
    originalStartAt: meeting.occurrenceKey === "" ? null : meeting.occurrenceKey,
    title: lead?.title ?? "",
    startAt: (lead?.start_at ?? new Date(0)).toISOString(),
    endAt: (lead?.end_at ?? new Date(0)).toISOString(),
    organizerEmail: lead?.organizer_email ?? null,
    attendees,
    copies: meeting.copies.map((copy) => ({
      eventId: copy.id,
      calendarId: copy.calendarId,
      calendarName: copy.calendar.name,
      accountEmail: copy.calendar.connection.accountEmail,
    })),
  };
}

/** After events went without the sync (a calendar turned off, a connection removed): meetings left without a copy go too. */
export async function deleteMeetingsWithoutCopies(organizationId: string): Promise<number> {
  const database = await db();
  const { count } = await database.meeting.deleteMany({ where: { organizationId, copies: { none: {} } } });
  return count;
}

export interface MeetingHoursRow {
  email: string;
  name: string | null;
  /** Monday of the week in the requested zone, `YYYY-MM-DD`. */
  week: string;
  hours: number;
  meetings: number;
}

export interface MeetingHoursQuery {
  /** Weeks back from the current one (which is included). */
  weeks: number;
  /** IANA zone the weeks are cut in. */
  timeZone: string;
  now?: Date;
}

/**
 * Meeting hours per person per week. A person counts once per meeting, however many
 * of the organization's calendars hold a copy: every attendee who accepted or is
 * tentative (as their own calendar says, where it is mirrored), and the organizer
 * unless they declined. Rooms and equipment are no people; a meeting is one with
 * someone besides its organizer, and its times are the organizer's copy's. All-day
 * events are no meetings.
 */
export async function meetingHours(organizationId: string, query: MeetingHoursQuery): Promise<MeetingHoursRow[]> {
  if (!isKnownZone(query.timeZone)) throw invalid(`unknown time zone ${query.timeZone}`, { timeZone: "not an IANA time zone" });
  const database = await db();
  const now = query.now ?? new Date();
  const rows = await database.$queryRawUnsafe<Array<{ email: string; name: string | null; week: string; hours: number; meetings: number }>>(
    `WITH bounds AS (
       SELECT (date_trunc('week', $2::timestamptz AT TIME ZONE $4) - make_interval(weeks => $3::int)) AT TIME ZONE $4 AS from_at,
              (date_trunc('week', $2::timestamptz AT TIME ZONE $4) + interval '1 week') AT TIME ZONE $4 AS to_at
     ),
     copy AS (
       SELECT DISTINCT ON (e.meeting_id) e.meeting_id, e.start_at, e.end_at, lower(e.organizer_email) AS organizer_email, e.organizer_name
       FROM events e, bounds b
       WHERE e.organization_id = $1::uuid AND e.meeting_id IS NOT NULL AND NOT e.is_all_day AND e.status <> 'cancelled' AND e.start_at >= b.from_at AND e.start_at < b.to_at
       ORDER BY e.meeting_id, ${COPY_AUTHORITY}
     ),
     people AS (
       SELECT DISTINCT ON (e.meeting_id, a.email) e.meeting_id, a.email, a.name, a.response, a.resource
       FROM event_attendees a JOIN events e ON e.id = a.event_id
       WHERE e.organization_id = $1::uuid AND a.organization_id = $1::uuid AND e.meeting_id IN (SELECT meeting_id FROM copy)
       ORDER BY e.meeting_id, a.email, ${ATTENDEE_AUTHORITY}
     ),
     attending AS (
       SELECT DISTINCT ON (meeting_id, email) meeting_id, email, name FROM (
         SELECT p.meeting_id, p.email, p.name FROM people p WHERE p.response IN ('accepted', 'tentative') AND NOT p.resource
         UNION ALL
         SELECT c.meeting_id, c.organizer_email, c.organizer_name FROM copy c
         WHERE c.organizer_email IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM people p WHERE p.meeting_id = c.meeting_id AND p.email = c.organizer_email AND p.response = 'declined')
       ) candidates
       ORDER BY meeting_id, email, name NULLS LAST
     )
     SELECT t.email, max(t.name) AS name,
            to_char(date_trunc('week', c.start_at AT TIME ZONE $4), 'YYYY-MM-DD') AS week,
            (sum(extract(epoch FROM c.end_at - c.start_at)) / 3600)::float8 AS hours,
            count(*)::int AS meetings
     FROM attending t JOIN copy c USING (meeting_id)
     WHERE EXISTS (SELECT 1 FROM people p WHERE p.meeting_id = c.meeting_id AND p.email IS DISTINCT FROM c.organizer_email AND NOT p.resource)
     GROUP BY t.email, week
     ORDER BY week, hours DESC, t.email`,
    organizationId,
    now.toISOString(),
    Math.max(0, Math.floor(query.weeks) - 1),
    query.timeZone,
  );
  return rows.map((row) => ({ email: row.email, name: row.name, week: row.week, hours: Number(row.hours), meetings: Number(row.meetings) }));
}
