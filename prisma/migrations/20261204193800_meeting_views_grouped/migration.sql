-- calsync_meeting_views and calsync_refresh_meetings: the same views, computed in
-- time that grows with the meetings a statement touched, not with the organization.
--
-- 1. Each meeting's attendees and copies were aggregated by a subquery per meeting
--    over the statement's CTEs, which PostgreSQL scans whole for every outer row: n x
--    (their copies and attendees) for n meetings, and a 500-event chunk of a first
--    sync (500 new meetings) spent about half of its time there (57 of 120 ms). They
--    are grouped once and joined.
-- 2. The copies are found by one index probe per meeting id (LATERAL), and the
--    refresh reads only the touched meetings (m.id = ANY(ids)). With `meeting_id =
--    ANY(ids)` against a parameter array, and a planner whose statistics lag a large
--    first sync, the plan became a scan of every event and a nested loop over every
--    meeting of the organization: 26 s per 500-event chunk at 240,000 events.
-- The result is unchanged (lib/meetings and the change-log tests pin it).
CREATE OR REPLACE FUNCTION calsync_meeting_views(ids uuid[]) RETURNS TABLE (meeting_id uuid, start_at timestamptz, end_at timestamptz, view jsonb) LANGUAGE sql STABLE AS $$
  WITH copies AS (
    SELECT e.id, e.meeting_id, e.calendar_id, e.title, e.start_at, e.end_at, e.is_all_day, e.status, e.organizer_email, e.organizer_name,
           e.attendees, (e.self_response = 'organizer') AS organizers, e.provider_updated_at
    FROM (SELECT DISTINCT unnest(ids) AS id) k
    CROSS JOIN LATERAL (SELECT * FROM events e WHERE e.meeting_id = k.id) e
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

CREATE OR REPLACE FUNCTION calsync_refresh_meetings(ids uuid[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE refreshed calsync_meeting_refresh[];
BEGIN
  refreshed := ARRAY(
    SELECT ROW(m.id, m.organization_id, m.view, v.view, v.start_at, v.end_at)::calsync_meeting_refresh
    FROM calsync_meeting_views(ids) v JOIN meetings m ON m.id = v.meeting_id
    WHERE m.id = ANY(ids) AND m.view IS DISTINCT FROM v.view
    ORDER BY m.id);
  IF cardinality(refreshed) = 0 THEN RETURN; END IF;
  UPDATE meetings m SET view = r.view, start_at = r.start_at, end_at = r.end_at FROM unnest(refreshed) r WHERE m.id = r.id;
  PERFORM calsync_append_changes('meeting.created', ARRAY(
    SELECT ROW(r.organization_id, r.id, NULL::uuid, '{}'::text[], r.view)::calsync_change_input FROM unnest(refreshed) r WHERE r.old_view IS NULL));
  PERFORM calsync_append_changes('meeting.updated', ARRAY(
    SELECT ROW(r.organization_id, r.id, NULL::uuid, calsync_changed_columns(r.old_view, r.view, '{}'), r.view)::calsync_change_input
    FROM unnest(refreshed) r WHERE r.old_view IS NOT NULL));
END $$;
