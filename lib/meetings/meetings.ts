import { db } from "@/lib/db/client";
import { invalid } from "@/lib/http/errors";
import { isKnownZone } from "@/lib/providers/time";

// One meeting per organization for the copies of the same meeting in its calendars
// (the sync links them as it writes: lib/sync/store.ts upsertEvents). Each meeting's
// view (its times, organizer, the union of its copies' attendees with each one's own
// answer, its copies) is kept in meetings.view by the database, in the write's
// transaction (migration "meetings_in_change_log"): /api/v1/meetings serves it
// (lib/changes/resources.ts) and meeting hours are counted from it here.

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
     meeting AS (
       SELECT m.id AS meeting_id, m.start_at, m.end_at, lower(m.view->>'organizerEmail') AS organizer_email, m.view->>'organizerName' AS organizer_name,
              m.view->'attendees' AS attendees
       FROM meetings m, bounds b
       WHERE m.organization_id = $1::uuid AND m.view IS NOT NULL AND m.start_at >= b.from_at AND m.start_at < b.to_at
         AND NOT (m.view->>'isAllDay')::boolean AND m.view->>'status' <> 'cancelled'
         AND EXISTS (SELECT 1 FROM events e WHERE e.meeting_id = m.id AND e.organization_id = $1::uuid)
     ),
     people AS (
       SELECT c.meeting_id, a->>'email' AS email, a->>'name' AS name, a->>'response' AS response, (a->>'resource')::boolean AS resource
       FROM meeting c CROSS JOIN LATERAL jsonb_array_elements(c.attendees) a
     ),
     attending AS (
       SELECT DISTINCT ON (meeting_id, email) meeting_id, email, name FROM (
         SELECT p.meeting_id, p.email, p.name FROM people p WHERE p.response IN ('accepted', 'tentative') AND NOT p.resource
         UNION ALL
         SELECT c.meeting_id, c.organizer_email, c.organizer_name FROM meeting c
         WHERE c.organizer_email IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM people p WHERE p.meeting_id = c.meeting_id AND p.email = c.organizer_email AND p.response = 'declined')
       ) candidates
       ORDER BY meeting_id, email, name NULLS LAST
     )
     SELECT t.email, max(t.name) AS name,
            to_char(date_trunc('week', c.start_at AT TIME ZONE $4), 'YYYY-MM-DD') AS week,
            (sum(extract(epoch FROM c.end_at - c.start_at)) / 3600)::float8 AS hours,
            count(*)::int AS meetings
     FROM attending t JOIN meeting c USING (meeting_id)
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
