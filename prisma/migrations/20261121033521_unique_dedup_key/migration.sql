-- Rows recorded before this migration may share a key (copies recorded as
-- duplicates kept it, and two copies arriving together could both be stored):
-- keep the key on the first row of each key only.
UPDATE "webhook_events" SET "dedup_key" = NULL WHERE "status" = 'duplicate';
UPDATE "webhook_events" AS e SET "dedup_key" = NULL
  FROM (
    SELECT "id", row_number() OVER (PARTITION BY "dedup_key" ORDER BY "received_at", "id") AS n
      FROM "webhook_events" WHERE "dedup_key" IS NOT NULL
  ) AS ranked
 WHERE e."id" = ranked."id" AND ranked.n > 1;

-- DropIndex
DROP INDEX "webhook_events_dedup_key_idx";

-- CreateIndex
CREATE UNIQUE INDEX "webhook_events_dedup_key_key" ON "webhook_events"("dedup_key");
