-- The renewal schedule (lib/subscriptions/lifecycle.ts, constants in
-- lib/subscriptions/schedule.ts): the renewal cron claims due subscriptions in
-- bounded batches instead of reading everything inside the 24-hour margin at once.
--
-- 1. webhook_subscriptions.renew_at: when the cron takes the subscription next. Set from
--    the expiry at registration and at each renewal (calsync_renew_at below), moved on
--    by the claim itself while a renewal runs (so an overlapping run skips it), cleared
--    when the subscription stops.
-- 2. A subscription that turns suspect (a poll found changes no notification announced,
--    lib/sync/engine.ts) is due at once, to be recreated: a trigger, because the write
--    that flags it is not the renewal code's, and every such write must have the effect.
-- 3. calendar_connections.push_checked_at: when the cron last took the connection to
--    register missing push, so that pass is a claim of the connections that need it
--    instead of a loop over every connection each hour. calendar_connections' change-log
--    trigger fires on status only, so this column appends no change.

-- AlterTable
ALTER TABLE "calendar_connections" ADD COLUMN     "push_checked_at" TIMESTAMPTZ(3);

-- AlterTable
ALTER TABLE "webhook_subscriptions" ADD COLUMN     "renew_at" TIMESTAMPTZ(3);

-- CreateIndex
CREATE INDEX "webhook_subscriptions_renew_at_idx" ON "webhook_subscriptions"("renew_at");

-- A subscription's renewal slot: `margin_ms` before it expires, plus its own offset
-- (from a hash of its id, which a renewal keeps) in the first `spread_ms` of that
-- margin. Subscriptions registered together (an organization connected at once, this
-- migration) renew spread over `spread_ms` instead of in one run; the slot is never
-- later than `margin_ms - spread_ms` before expiry, the reserve a backlog drains in.
CREATE FUNCTION calsync_renew_at(subscription_id uuid, expires_at timestamptz, margin_ms bigint, spread_ms bigint) RETURNS timestamptz LANGUAGE sql STABLE AS $$
  SELECT expires_at + (((hashtext(subscription_id::text)::bigint & 2147483647) % greatest(spread_ms, 1)) - margin_ms) * interval '1 millisecond'
$$;

CREATE FUNCTION calsync_renew_suspect() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.renew_at := LEAST(COALESCE(NEW.renew_at, now()), now());
  RETURN NEW;
END $$;

-- Unless the statement that flags it sets renew_at itself.
CREATE TRIGGER webhook_subscriptions_renew_suspect BEFORE UPDATE OF suspect ON webhook_subscriptions FOR EACH ROW
  WHEN (NEW.suspect AND NOT OLD.suspect AND NEW.status = 'active' AND NEW.renew_at IS NOT DISTINCT FROM OLD.renew_at)
  EXECUTE FUNCTION calsync_renew_suspect();

-- Existing subscriptions get their slot with the defaults (24-hour margin, 12-hour
-- spread); what the hourly job would have taken at its next run (suspect, expired, a
-- failed registration) is due at once.
UPDATE webhook_subscriptions
   SET renew_at = CASE WHEN status = 'active' AND NOT suspect AND expires_at IS NOT NULL
                       THEN calsync_renew_at(id, expires_at, 86400000, 43200000)
                       ELSE now() END
 WHERE status IN ('active', 'expired', 'failed');
