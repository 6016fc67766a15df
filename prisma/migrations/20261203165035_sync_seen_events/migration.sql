-- CreateTable
-- Unlogged: the rows live for one full sync and are written for every event it
-- lists, so they skip the WAL. A database crash empties the table, and the run it
-- interrupted repeats from the start anyway (its cursor is stored only at the end).
CREATE UNLOGGED TABLE "sync_seen_events" (
    "sync_run_id" UUID NOT NULL,
    "provider_event_id" TEXT NOT NULL,

    CONSTRAINT "sync_seen_events_pkey" PRIMARY KEY ("sync_run_id","provider_event_id")
);

-- AddForeignKey
ALTER TABLE "sync_seen_events" ADD CONSTRAINT "sync_seen_events_sync_run_id_fkey" FOREIGN KEY ("sync_run_id") REFERENCES "sync_runs"("id") ON DELETE CASCADE ON UPDATE CASCADE;
