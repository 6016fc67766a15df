-- The events change log, per statement instead of per row. A sync page writes up to
-- 2,500 events in one statement; the row trigger ran a PL/pgSQL call, a sequence
-- bump and an insert for each (about 150 µs a row, more than the write itself).
-- These triggers see the statement's rows as transition tables and append all of
-- their changes with one sequence bump per organization and one insert.
--
-- Semantics are those of calsync_event_change: event.created / event.updated (only
-- when a column other than the bookkeeping ones differs, naming them) /
-- event.deleted; the body is the row as stored, without `raw` (the provider's item
-- is the mirror's, not the change log's: it is large and every consumer-facing
-- shape leaves it out). The change_sequences row stays locked to commit, so one
-- organization's seqs commit in order. Within one statement, changes are numbered
-- in the order the statement wrote the rows (a transition table is read back in
-- that order), so a page's changes keep the provider's order.

DROP TRIGGER events_change_log ON events;
DROP FUNCTION calsync_event_change();

-- One change to append: what the triggers below collect from a statement's rows.
CREATE TYPE calsync_change_input AS (organization_id uuid, resource_id uuid, calendar_id uuid, fields text[], body jsonb);

-- Appends `rows` as changes of one type, numbered per organization after its last
-- seq. Organizations that no longer exist (a cascade from their deletion) are
-- skipped: nobody is left to tell.
CREATE FUNCTION calsync_append_changes(change_type text, rows calsync_change_input[]) RETURNS void LANGUAGE sql AS $$
  WITH numbered AS (
    SELECT r.*, row_number() OVER (PARTITION BY r.organization_id ORDER BY r.ord) AS position
    FROM unnest(rows) WITH ORDINALITY r(organization_id, resource_id, calendar_id, fields, body, ord)
    JOIN organizations o ON o.id = r.organization_id
  ),
  counts AS (SELECT organization_id, count(*) AS n FROM numbered GROUP BY organization_id),
  bumped AS (
    INSERT INTO change_sequences AS s (organization_id, last_seq)
    SELECT organization_id, n FROM counts ORDER BY organization_id
    ON CONFLICT (organization_id) DO UPDATE SET last_seq = s.last_seq + EXCLUDED.last_seq
    RETURNING s.organization_id, s.last_seq
  )
  INSERT INTO changes (organization_id, seq, type, resource_id, calendar_id, changed_fields, resource)
  SELECT x.organization_id, b.last_seq - c.n + x.position, change_type, x.resource_id, x.calendar_id, x.fields, x.body
  FROM numbered x JOIN counts c USING (organization_id) JOIN bumped b USING (organization_id)
$$;

-- Created and deleted rows are logged whole; each trigger names its transition table
-- `written_rows` and passes the change type.
CREATE FUNCTION calsync_events_written() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM calsync_append_changes(TG_ARGV[0], ARRAY(
    SELECT ROW(w.organization_id, w.id, w.calendar_id, '{}'::text[], to_jsonb(w) - 'raw')::calsync_change_input FROM written_rows w));
  RETURN NULL;
END $$;

CREATE FUNCTION calsync_events_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM calsync_append_changes('event.updated', ARRAY(
    SELECT ROW(c.organization_id, c.id, c.calendar_id, c.fields, c.body)::calsync_change_input
    FROM (
      SELECT n.organization_id, n.id, n.calendar_id, to_jsonb(n) - 'raw' AS body,
             calsync_changed_columns(to_jsonb(o), to_jsonb(n), ARRAY['created_at', 'updated_at']) AS fields
      FROM new_rows n JOIN old_rows o ON o.id = n.id
    ) c
    WHERE cardinality(c.fields) > 0));
  RETURN NULL;
END $$;

CREATE TRIGGER events_change_log_insert AFTER INSERT ON events REFERENCING NEW TABLE AS written_rows FOR EACH STATEMENT EXECUTE FUNCTION calsync_events_written('event.created');
CREATE TRIGGER events_change_log_update AFTER UPDATE ON events REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION calsync_events_updated();
CREATE TRIGGER events_change_log_delete AFTER DELETE ON events REFERENCING OLD TABLE AS written_rows FOR EACH STATEMENT EXECUTE FUNCTION calsync_events_written('event.deleted');

-- Earlier changes no longer carry the provider's item either.
UPDATE changes SET resource = resource - 'raw' WHERE type LIKE 'event.%' AND resource ? 'raw';
