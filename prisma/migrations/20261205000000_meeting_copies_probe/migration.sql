-- calsync_meeting_views: the copies of the touched meetings by one index probe per
-- meeting id, as the previous migration meant. Its LATERAL subquery was simple
-- enough for the planner to pull up into a plain join, which it then planned as a
-- hash join over a sequential scan of every event in the database (the statistics
-- of a table mid-first-sync say few rows match): each 500-event chunk of a sync read
-- the whole events table, 15 of a 100,000-event sync's 46 s of database time, and
-- growing with the table. OFFSET 0 keeps the subquery as it is written, so the plan
-- is a nested loop of probes on events_meeting_id_idx. Kept as written, the
-- subquery also computes its whole select list, so it names the columns the view
-- reads: `SELECT *` would fetch and decompress every copy's provider item and HTML
-- description for nothing. The result is unchanged.
CREATE OR REPLACE FUNCTION calsync_meeting_views(ids uuid[]) RETURNS TABLE (meeting_id uuid, start_at timestamptz, end_at timestamptz, view jsonb) LANGUAGE sql STABLE AS $$
  WITH copies AS (
    SELECT e.id, e.meeting_id, e.calendar_id, e.title, e.start_at, e.end_at, e.is_all_day, e.status, e.organizer_email, e.organizer_name,
           e.attendees, (e.self_response = 'organizer') AS organizers, e.provider_updated_at
    FROM (SELECT DISTINCT unnest(ids) AS id) k
    CROSS JOIN LATERAL (
      SELECT e.id, e.meeting_id, e.calendar_id, e.title, e.start_at, e.end_at, e.is_all_day, e.status, e.organizer_email, e.organizer_name,
             e.attendees, e.self_response, e.provider_updated_at
      FROM events e WHERE e.meeting_id = k.id OFFSET 0
    ) e
  ),
  lead AS (
    SELECT DISTINCT ON (c.meeting_id) c.*
    FROM copies c ORDER BY c.meeting_id, c.organizers DESC, c.provider_updated_at DESC NULLS LAST, c.id
  ),
  people AS (
    SELECT DISTINCT ON (c.meeting_id, a ->> 'email') c.meeting_id, a ->> 'email' AS email, a - 'self' AS attendee
    FROM copies c CROSS JOIN LATERAL jsonb_array_elements(c.attendees) a
    ORDER BY c.meeting_id, a ->> 'email', (a ->> 'self')::boolean DESC, c.organizers DESC, c.provider_updated_at DESC NULLS LAST, c.id
  ),
  attendee_lists AS (
    SELECT p.meeting_id, jsonb_agg(p.attendee ORDER BY p.email) AS attendees FROM people p GROUP BY p.meeting_id
  ),
  copy_lists AS (
    SELECT c.meeting_id, jsonb_agg(jsonb_build_object('eventId', c.id, 'calendarId', c.calendar_id) ORDER BY c.calendar_id, c.id) AS copies
    FROM copies c GROUP BY c.meeting_id
  )
  SELECT m.id, l.start_at, l.end_at, jsonb_build_object(
    'id', m.id,
    'iCalUid', m.ical_uid,
    'originalStartAt', NULLIF(m.occurrence_key, ''),
    'title', l.title,
    'isAllDay', l.is_all_day,
    'status', l.status,
    'startAt', calsync_iso(l.start_at),
    'endAt', calsync_iso(l.end_at),
    'organizerEmail', l.organizer_email,
    'organizerName', l.organizer_name,
    'attendees', coalesce(a.attendees, '[]'),
    'copies', cl.copies
  )
  FROM meetings m
  JOIN lead l ON l.meeting_id = m.id
  LEFT JOIN attendee_lists a ON a.meeting_id = m.id
  LEFT JOIN copy_lists cl ON cl.meeting_id = m.id
  WHERE m.id = ANY(ids)
$$;
