-- Attendees and meetings reach the change log (and so /api/v1 and the outbound
-- webhooks), in the transaction of the write, like every other change.
--
-- 1. events.attendees: the event's attendee list as /api/v1 shows it (Attendee in
--    lib/api/v1/schemas.ts), written by the same upsert as the rest of the row. The
--    change triggers see the row whole, so an attendee-only change (a response) is an
--    event.updated naming "attendees", and a change carries its event's list as it
--    was then. event_attendees stays the queryable index of the same list (by email,
--    for meeting hours), written from the same record in the same transaction.
-- 2. meetings.view: the meeting as /api/v1 shows it (Meeting), recomputed by a
--    statement trigger on events for the meetings a statement touched. When the view
--    differs from the stored one it is stored and a meeting.created (first view) or
--    meeting.updated (naming the fields) is appended. A meeting a statement left
--    without copies (a deletion, a cascade from its calendar, a copy moved to another
--    meeting) is deleted by the same trigger, and a deleted meeting that had a view
--    appends meeting.deleted with it: a meeting disappears with its last copy.
--    The events triggers run in name order, so a statement's event changes precede the
--    meeting changes they caused, and the change_sequences row the event changes lock
--    serializes one organization's writers: the view is computed after any other
--    writer of the organization committed.

ALTER TABLE "events" ADD COLUMN "attendees" JSONB NOT NULL DEFAULT '[]';
ALTER TABLE "meetings" ADD COLUMN "view" JSONB, ADD COLUMN "start_at" TIMESTAMPTZ(3), ADD COLUMN "end_at" TIMESTAMPTZ(3);
CREATE INDEX "meetings_organization_id_start_at_idx" ON "meetings"("organization_id", "start_at");

CREATE FUNCTION calsync_iso(t timestamptz) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
$$;

-- The views of these meetings from their copies now; a meeting without a copy has none.
-- The copy that speaks for the meeting's title and times is the organizer's, else the
-- most recently changed; the one that speaks for an attendee is their own calendar's,
-- then the organizer's, then the most recently changed.
CREATE FUNCTION calsync_meeting_views(ids uuid[]) RETURNS TABLE (meeting_id uuid, start_at timestamptz, end_at timestamptz, view jsonb) LANGUAGE sql STABLE AS $$
  WITH copies AS (
    SELECT e.id, e.meeting_id, e.calendar_id, e.title, e.start_at, e.end_at, e.is_all_day, e.status, e.organizer_email, e.organizer_name,
           e.attendees, (e.self_response = 'organizer') AS organizers, e.provider_updated_at
    FROM events e WHERE e.meeting_id = ANY(ids)
  ),
  lead AS (
    SELECT DISTINCT ON (c.meeting_id) c.*
    FROM copies c ORDER BY c.meeting_id, c.organizers DESC, c.provider_updated_at DESC NULLS LAST, c.id
  ),
  people AS (
    SELECT DISTINCT ON (c.meeting_id, a ->> 'email') c.meeting_id, a ->> 'email' AS email, a - 'self' AS attendee
    FROM copies c CROSS JOIN LATERAL jsonb_array_elements(c.attendees) a
    ORDER BY c.meeting_id, a ->> 'email', (a ->> 'self')::boolean DESC, c.organizers DESC, c.provider_updated_at DESC NULLS LAST, c.id
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
    'attendees', coalesce((SELECT jsonb_agg(p.attendee ORDER BY p.email) FROM people p WHERE p.meeting_id = m.id), '[]'),
    'copies', (SELECT jsonb_agg(jsonb_build_object('eventId', c.id, 'calendarId', c.calendar_id) ORDER BY c.calendar_id, c.id) FROM copies c WHERE c.meeting_id = m.id)
  )
  FROM meetings m JOIN lead l ON l.meeting_id = m.id
  WHERE m.id = ANY(ids)
$$;

CREATE TYPE calsync_meeting_refresh AS (id uuid, organization_id uuid, old_view jsonb, view jsonb, start_at timestamptz, end_at timestamptz);

-- Stores the views of these meetings that changed, and appends their changes.
CREATE FUNCTION calsync_refresh_meetings(ids uuid[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE refreshed calsync_meeting_refresh[];
BEGIN
  refreshed := ARRAY(
    SELECT ROW(m.id, m.organization_id, m.view, v.view, v.start_at, v.end_at)::calsync_meeting_refresh
    FROM calsync_meeting_views(ids) v JOIN meetings m ON m.id = v.meeting_id
    WHERE m.view IS DISTINCT FROM v.view
    ORDER BY m.id);
  IF cardinality(refreshed) = 0 THEN RETURN; END IF;
  UPDATE meetings m SET view = r.view, start_at = r.start_at, end_at = r.end_at FROM unnest(refreshed) r WHERE m.id = r.id;
  PERFORM calsync_append_changes('meeting.created', ARRAY(
    SELECT ROW(r.organization_id, r.id, NULL::uuid, '{}'::text[], r.view)::calsync_change_input FROM unnest(refreshed) r WHERE r.old_view IS NULL));
  PERFORM calsync_append_changes('meeting.updated', ARRAY(
    SELECT ROW(r.organization_id, r.id, NULL::uuid, calsync_changed_columns(r.old_view, r.view, '{}'), r.view)::calsync_change_input
    FROM unnest(refreshed) r WHERE r.old_view IS NOT NULL));
END $$;

-- Each events trigger names its transition tables new_rows and old_rows, as the
-- operation has them; a branch reads only the ones its operation has.
CREATE FUNCTION calsync_events_touch_meetings() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE touched uuid[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    touched := ARRAY(SELECT DISTINCT n.meeting_id FROM new_rows n WHERE n.meeting_id IS NOT NULL);
  ELSIF TG_OP = 'DELETE' THEN
    touched := ARRAY(SELECT DISTINCT o.meeting_id FROM old_rows o WHERE o.meeting_id IS NOT NULL);
  ELSE
    touched := ARRAY(
      SELECT n.meeting_id FROM new_rows n WHERE n.meeting_id IS NOT NULL
      UNION SELECT o.meeting_id FROM old_rows o WHERE o.meeting_id IS NOT NULL);
  END IF;
  IF cardinality(touched) = 0 THEN RETURN NULL; END IF;
  PERFORM calsync_refresh_meetings(touched);
  IF TG_OP <> 'INSERT' THEN
    DELETE FROM meetings m WHERE m.id = ANY(touched) AND NOT EXISTS (SELECT 1 FROM events e WHERE e.meeting_id = m.id);
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER events_meeting_log_insert AFTER INSERT ON events REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION calsync_events_touch_meetings();
CREATE TRIGGER events_meeting_log_update AFTER UPDATE ON events REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION calsync_events_touch_meetings();
CREATE TRIGGER events_meeting_log_delete AFTER DELETE ON events REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION calsync_events_touch_meetings();

CREATE FUNCTION calsync_meetings_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM calsync_append_changes('meeting.deleted', ARRAY(
    SELECT ROW(d.organization_id, d.id, NULL::uuid, '{}'::text[], d.view)::calsync_change_input FROM old_rows d WHERE d.view IS NOT NULL ORDER BY d.id));
  RETURN NULL;
END $$;

CREATE TRIGGER meetings_change_log_delete AFTER DELETE ON meetings REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION calsync_meetings_deleted();

-- What is mirrored already: each event's list from its attendee rows (an event.updated
-- naming "attendees" for each event that has any, so a consumer's copy learns them),
-- then every meeting's first view (a meeting.created each); meetings an earlier
-- deletion left without copies go.
UPDATE events e SET attendees = a.list
FROM (
  SELECT event_id, jsonb_agg(jsonb_build_object('email', email, 'name', name, 'response', response, 'optional', optional,
           'organizer', organizer, 'resource', resource, 'self', self) ORDER BY position) AS list
  FROM event_attendees GROUP BY event_id
) a
WHERE a.event_id = e.id;
SELECT calsync_refresh_meetings(ARRAY(SELECT id FROM meetings));
DELETE FROM meetings m WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.meeting_id = m.id);

-- Changes written before this migration carry rows without the list.
UPDATE changes SET resource = resource || '{"attendees": []}' WHERE type LIKE 'event.%' AND NOT resource ? 'attendees';
