-- A calendar the provider stops listing is kept, marked removed, instead of deleted
-- (lib/connections/connect.ts discoverCalendars): the dashboard tells people it went,
-- and they dismiss it. Listed again, the mark is cleared and it is offered as new.
--
-- Removed means not synced, and the database holds it to that: the poll, push
-- registration, the webhook routes and every health check look at sync_enabled only,
-- so none of them can pick a removed calendar up by a path that forgot to ask.
-- For the same reason removed_at is not a bookkeeping column and needs no place in
-- calsync_calendar_bookkeeping(): it only ever changes while sync is off, which the
-- calendar trigger does not report, and the sync-off that goes with a removal is the
-- calendar.removed consumers hear.

-- AlterTable
ALTER TABLE "calendars" ADD COLUMN     "removed_at" TIMESTAMPTZ(3);

ALTER TABLE "calendars" ADD CONSTRAINT "calendars_removed_not_synced" CHECK ("removed_at" IS NULL OR NOT "sync_enabled");
