-- event_attendees keyed by (event_id, position): the sync writes a list whole
-- (positions 0..n-1 after clearing the event's old rows), so the pair is unique
-- already. The generated uuid id was read by nothing, and the primary key now
-- serves the lookups by event that event_attendees_event_id_idx did: one index and
-- a gen_random_uuid() per row less on the sync's largest insert by rows.
-- DropIndex
DROP INDEX "event_attendees_event_id_idx";

-- AlterTable
ALTER TABLE "event_attendees" DROP CONSTRAINT "event_attendees_pkey",
DROP COLUMN "id",
ADD CONSTRAINT "event_attendees_pkey" PRIMARY KEY ("event_id", "position");
