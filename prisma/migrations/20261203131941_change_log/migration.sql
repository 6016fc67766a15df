-- CreateEnum
CREATE TYPE "WebhookDeliveryStatus" AS ENUM ('pending', 'succeeded', 'failed');

-- CreateTable
CREATE TABLE "changes" (
    "organization_id" UUID NOT NULL,
    "seq" BIGINT NOT NULL,
    "type" TEXT NOT NULL,
    "resource_id" UUID NOT NULL,
    "calendar_id" UUID,
    "changed_fields" TEXT[],
    "resource" JSONB NOT NULL,
    "occurred_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "changes_pkey" PRIMARY KEY ("organization_id","seq")
);

-- CreateTable
CREATE TABLE "change_sequences" (
    "organization_id" UUID NOT NULL,
    "last_seq" BIGINT NOT NULL DEFAULT 0,
    "pruned_through" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "change_sequences_pkey" PRIMARY KEY ("organization_id")
);

-- CreateTable
CREATE TABLE "api_keys" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "organization_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "key_hash" TEXT NOT NULL,
    "scopes" TEXT[],
    "created_by_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_used_at" TIMESTAMPTZ(3),
    "revoked_at" TIMESTAMPTZ(3),

    CONSTRAINT "api_keys_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "webhook_endpoints" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "organization_id" UUID NOT NULL,
    "url" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "event_types" TEXT[],
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "secret" TEXT NOT NULL,
    "previous_secret" TEXT,
    "previous_secret_until" TIMESTAMPTZ(3),
    "delivered_through" BIGINT NOT NULL DEFAULT 0,
    "consecutive_failures" INTEGER NOT NULL DEFAULT 0,
    "failing_since" TIMESTAMPTZ(3),
    "next_attempt_at" TIMESTAMPTZ(3),
    "disabled_at" TIMESTAMPTZ(3),
    "disabled_reason" TEXT,
    "leased_until" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "webhook_endpoints_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "webhook_deliveries" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "organization_id" UUID NOT NULL,
    "endpoint_id" UUID NOT NULL,
    "message_id" TEXT NOT NULL,
    "event_type" TEXT NOT NULL,
    "change_seq" BIGINT,
    "status" "WebhookDeliveryStatus" NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "response_status" INTEGER,
    "latency_ms" INTEGER,
    "error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_attempt_at" TIMESTAMPTZ(3),
    "delivered_at" TIMESTAMPTZ(3),

    CONSTRAINT "webhook_deliveries_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "changes_occurred_at_idx" ON "changes"("occurred_at");

-- CreateIndex
CREATE UNIQUE INDEX "api_keys_key_hash_key" ON "api_keys"("key_hash");

-- CreateIndex
CREATE INDEX "api_keys_organization_id_idx" ON "api_keys"("organization_id");

-- CreateIndex
CREATE INDEX "webhook_endpoints_organization_id_idx" ON "webhook_endpoints"("organization_id");

-- CreateIndex
CREATE UNIQUE INDEX "webhook_deliveries_message_id_key" ON "webhook_deliveries"("message_id");

-- CreateIndex
CREATE INDEX "webhook_deliveries_endpoint_id_created_at_idx" ON "webhook_deliveries"("endpoint_id", "created_at");

-- CreateIndex
CREATE INDEX "webhook_deliveries_organization_id_status_idx" ON "webhook_deliveries"("organization_id", "status");

-- AddForeignKey
ALTER TABLE "changes" ADD CONSTRAINT "changes_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "change_sequences" ADD CONSTRAINT "change_sequences_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "webhook_endpoints" ADD CONSTRAINT "webhook_endpoints_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_endpoint_id_fkey" FOREIGN KEY ("endpoint_id") REFERENCES "webhook_endpoints"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- The change log's writers (lib/changes). Triggers, so that every write of a mirrored
-- row appends its change in the same transaction whatever code path made it (sync
-- pages, full-sync sweeps, disconnects, calendars turned off), and so that the
-- changed fields come from the stored and the new row as a whole: a column added to
-- events later is covered without touching this.

-- Appends one change, taking the organization's next seq. The row lock on
-- change_sequences is held to commit, so seqs of one organization commit in order.
CREATE FUNCTION calsync_append_change(org uuid, change_type text, resource_id uuid, calendar_id uuid, fields text[], body jsonb) RETURNS void LANGUAGE plpgsql AS $$
DECLARE next_seq bigint;
BEGIN
  -- A cascade from a deleted organization: nobody is left to tell.
  IF NOT EXISTS (SELECT 1 FROM organizations WHERE id = org) THEN RETURN; END IF;
  INSERT INTO change_sequences (organization_id, last_seq) VALUES (org, 1)
  ON CONFLICT (organization_id) DO UPDATE SET last_seq = change_sequences.last_seq + 1
  RETURNING last_seq INTO next_seq;
  INSERT INTO changes (organization_id, seq, type, resource_id, calendar_id, changed_fields, resource)
  VALUES (org, next_seq, change_type, resource_id, calendar_id, fields, body);
END $$;

-- The columns whose values differ between two versions of a row, bookkeeping aside.
CREATE FUNCTION calsync_changed_columns(old_row jsonb, new_row jsonb, ignored text[]) RETURNS text[] LANGUAGE sql IMMUTABLE AS $$
  SELECT coalesce(array_agg(n.key ORDER BY n.key), '{}') FROM jsonb_each(new_row) n
  WHERE NOT (n.key = ANY(ignored)) AND n.value IS DISTINCT FROM old_row -> n.key
$$;

CREATE FUNCTION calsync_event_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE fields text[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM calsync_append_change(NEW.organization_id, 'event.created', NEW.id, NEW.calendar_id, '{}', to_jsonb(NEW));
  ELSIF TG_OP = 'UPDATE' THEN
    fields := calsync_changed_columns(to_jsonb(OLD), to_jsonb(NEW), ARRAY['created_at', 'updated_at']);
    IF cardinality(fields) > 0 THEN
      PERFORM calsync_append_change(NEW.organization_id, 'event.updated', NEW.id, NEW.calendar_id, fields, to_jsonb(NEW));
    END IF;
  ELSE
    PERFORM calsync_append_change(OLD.organization_id, 'event.deleted', OLD.id, OLD.calendar_id, '{}', to_jsonb(OLD));
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER events_change_log AFTER INSERT OR UPDATE OR DELETE ON events FOR EACH ROW EXECUTE FUNCTION calsync_event_change();

-- A calendar is "added" when its sync is turned on and "removed" when turned off or
-- deleted; the sync cursor and timestamps are bookkeeping, never a change.
CREATE FUNCTION calsync_calendar_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  bookkeeping text[] := ARRAY['created_at', 'updated_at', 'sync_cursor', 'sync_window_start', 'sync_window_end', 'last_synced_at', 'last_polled_at'];
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

CREATE TRIGGER calendars_change_log AFTER INSERT OR UPDATE OR DELETE ON calendars FOR EACH ROW EXECUTE FUNCTION calsync_calendar_change();

-- A connection's status: connected, needs reconnect, disconnected (revoked), error.
-- Only these columns go into the log: never the sealed tokens.
CREATE FUNCTION calsync_connection_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' OR NEW.status IS DISTINCT FROM OLD.status THEN
    PERFORM calsync_append_change(
      NEW.organization_id,
      CASE NEW.status WHEN 'active' THEN 'connection.connected' WHEN 'needs_reconnect' THEN 'connection.needs_reconnect' WHEN 'revoked' THEN 'connection.disconnected' ELSE 'connection.error' END,
      NEW.id, NULL, '{}',
      jsonb_build_object('id', NEW.id, 'provider', NEW.provider, 'account_email', NEW.account_email, 'status', NEW.status, 'last_error', NEW.last_error, 'created_at', NEW.created_at));
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER calendar_connections_change_log AFTER INSERT OR UPDATE OF status ON calendar_connections FOR EACH ROW EXECUTE FUNCTION calsync_connection_change();
