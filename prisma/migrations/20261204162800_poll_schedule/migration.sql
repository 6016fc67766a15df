-- The poll's schedule (lib/sync/poll.ts): each calendar's next slot, push it cannot
-- have, calendars found after connect, and a connection's quota back-off.
--
-- 1. The new calendar columns (and last_sync_started_at, next migration) are bookkeeping:
--    the change log's calendar trigger ignores them like last_polled_at, so scheduling a
--    poll appends no change. The list moves into calsync_calendar_bookkeeping(), so the
--    next bookkeeping column replaces that one-line function, not the whole trigger.
-- 2. Push lost means poll now: when a subscription stops being healthy (no longer
--    active, or flagged suspect) or goes away, the calendars it covered (one, or the
--    whole account for Graph) are due at once, and the poll then keeps them at the
--    short interval. Done here because every path that changes a subscription (renewal,
--    lifecycle, a poll that found silent changes, an operator) must have the effect.
-- 3. calsync_poll_slot: the one definition of a calendar's slot (below).

-- AlterTable
ALTER TABLE "calendar_connections" ADD COLUMN     "calendars_listed_at" TIMESTAMPTZ(3),
ADD COLUMN     "poll_backoff_level" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "poll_backoff_until" TIMESTAMPTZ(3);

-- AlterTable
ALTER TABLE "calendars" ADD COLUMN     "discovered_at" TIMESTAMPTZ(3),
ADD COLUMN     "next_poll_at" TIMESTAMPTZ(3),
ADD COLUMN     "push_unsupported_at" TIMESTAMPTZ(3);

-- CreateIndex
CREATE INDEX "calendars_poll_due_idx" ON "calendars"("next_poll_at") WHERE (sync_enabled);

-- The calendar columns no API consumer hears of: sync state and scheduling.
CREATE FUNCTION calsync_calendar_bookkeeping() RETURNS text[] LANGUAGE sql IMMUTABLE AS $$
  SELECT ARRAY['created_at', 'updated_at', 'sync_cursor', 'sync_window_start', 'sync_window_end', 'last_synced_at', 'last_polled_at',
               'next_poll_at', 'push_unsupported_at', 'discovered_at', 'last_sync_started_at']
$$;

CREATE OR REPLACE FUNCTION calsync_calendar_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  bookkeeping text[] := calsync_calendar_bookkeeping();
  fields text[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    IF NEW.sync_enabled THEN
      PERFORM calsync_append_change(NEW.organization_id, 'calendar.added', NEW.id, NEW.id, '{}', to_jsonb(NEW) - 'sync_cursor');
    END IF;
  ELSIF TG_OP = 'UPDATE' THEN
    IF NEW.sync_enabled AND NOT OLD.sync_enabled THEN
      PERFORM calsync_append_change(NEW.organization_id, 'calendar.added', NEW.id, NEW.id, '{}', to_jsonb(NEW) - 'sync_cursor');
    ELSIF OLD.sync_enabled AND NOT NEW.sync_enabled THEN
      PERFORM calsync_append_change(NEW.organization_id, 'calendar.removed', NEW.id, NEW.id, '{}', to_jsonb(NEW) - 'sync_cursor');
    ELSIF NEW.sync_enabled THEN
      fields := calsync_changed_columns(to_jsonb(OLD), to_jsonb(NEW), bookkeeping);
      IF cardinality(fields) > 0 THEN
        PERFORM calsync_append_change(NEW.organization_id, 'calendar.updated', NEW.id, NEW.id, fields, to_jsonb(NEW) - 'sync_cursor');
      END IF;
    END IF;
  ELSIF OLD.sync_enabled THEN
    PERFORM calsync_append_change(OLD.organization_id, 'calendar.removed', OLD.id, OLD.id, '{}', to_jsonb(OLD) - 'sync_cursor');
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION calsync_push_lost() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE calendars SET next_poll_at = now()
   WHERE connection_id = OLD.connection_id
     AND (OLD.calendar_id IS NULL OR id = OLD.calendar_id)
     AND sync_enabled
     AND (next_poll_at IS NULL OR next_poll_at > now());
  RETURN NULL;
END $$;

CREATE TRIGGER webhook_subscriptions_push_lost AFTER UPDATE OF status, suspect ON webhook_subscriptions FOR EACH ROW
  WHEN (OLD.status = 'active' AND NOT OLD.suspect AND (NEW.status <> 'active' OR NEW.suspect))
  EXECUTE FUNCTION calsync_push_lost();

CREATE TRIGGER webhook_subscriptions_push_removed AFTER DELETE ON webhook_subscriptions FOR EACH ROW
  WHEN (OLD.status = 'active' AND NOT OLD.suspect)
  EXECUTE FUNCTION calsync_push_lost();

-- A calendar's next poll slot after `after`: the first instant later than it that
-- sits at the calendar's own offset (from a hash of its id) in an `every_ms` cycle.
-- Offsets spread evenly, so each minute of an hour holds about 1/60 of the calendars
-- polled hourly, however many were connected at once; a calendar keeps its offset.
CREATE FUNCTION calsync_poll_slot(calendar_id uuid, after timestamptz, every_ms bigint) RETURNS timestamptz LANGUAGE sql STABLE AS $$
  SELECT to_timestamp((at_ms + every_ms - ((at_ms - (hashtext(calendar_id::text)::bigint & 2147483647) % every_ms) % every_ms + every_ms) % every_ms) / 1000.0)
  FROM (SELECT floor(extract(epoch FROM after) * 1000)::bigint AS at_ms) AS t
$$;

-- Calendars already synced get their slot in the default short interval (5 minutes),
-- spread as the poll spreads them; the poll moves each to its configured cadence.
UPDATE calendars SET next_poll_at = calsync_poll_slot(id, now(), 300000) WHERE sync_enabled;
