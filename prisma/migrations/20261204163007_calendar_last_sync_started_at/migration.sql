-- AlterTable
ALTER TABLE "calendars" ADD COLUMN     "last_sync_started_at" TIMESTAMPTZ(3);
