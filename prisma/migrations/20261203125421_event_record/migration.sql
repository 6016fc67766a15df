-- CreateEnum
CREATE TYPE "BusyStatus" AS ENUM ('free', 'tentative', 'busy', 'out_of_office', 'working_elsewhere', 'unknown');

-- CreateEnum
CREATE TYPE "EventVisibility" AS ENUM ('default', 'public', 'personal', 'private', 'confidential');

-- CreateEnum
CREATE TYPE "ConferenceProvider" AS ENUM ('meet', 'teams', 'zoom', 'other');

-- CreateEnum
CREATE TYPE "AttendeeResponse" AS ENUM ('needsAction', 'accepted', 'tentative', 'declined');

-- AlterTable
ALTER TABLE "events" ADD COLUMN     "busy_status" "BusyStatus" NOT NULL DEFAULT 'busy',
ADD COLUMN     "conference_dial_in" TEXT,
ADD COLUMN     "conference_provider" "ConferenceProvider",
ADD COLUMN     "conference_url" TEXT,
ADD COLUMN     "description_html" TEXT,
ADD COLUMN     "description_text" TEXT,
ADD COLUMN     "event_type" TEXT,
ADD COLUMN     "location" TEXT,
ADD COLUMN     "location_address" TEXT,
ADD COLUMN     "location_latitude" DOUBLE PRECISION,
ADD COLUMN     "location_longitude" DOUBLE PRECISION,
ADD COLUMN     "provider_created_at" TIMESTAMPTZ(3),
ADD COLUMN     "raw" JSONB,
ADD COLUMN     "self_response" TEXT,
ADD COLUMN     "visibility" "EventVisibility" NOT NULL DEFAULT 'default',
ADD COLUMN     "web_link" TEXT;

-- CreateTable
CREATE TABLE "event_attendees" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "organization_id" UUID NOT NULL,
    "event_id" UUID NOT NULL,
    "position" INTEGER NOT NULL,
    "email" TEXT NOT NULL,
    "name" TEXT,
    "response" "AttendeeResponse" NOT NULL DEFAULT 'needsAction',
    "optional" BOOLEAN NOT NULL DEFAULT false,
    "organizer" BOOLEAN NOT NULL DEFAULT false,
    "resource" BOOLEAN NOT NULL DEFAULT false,
    "self" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "event_attendees_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "event_series" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "organization_id" UUID NOT NULL,
    "calendar_id" UUID NOT NULL,
    "provider_series_id" TEXT NOT NULL,
    "rrule" TEXT[],
    "time_zone" TEXT,
    "rule" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "event_series_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "event_attendees_event_id_idx" ON "event_attendees"("event_id");

-- CreateIndex
CREATE INDEX "event_attendees_organization_id_email_idx" ON "event_attendees"("organization_id", "email");

-- CreateIndex
CREATE INDEX "event_series_organization_id_idx" ON "event_series"("organization_id");

-- CreateIndex
CREATE UNIQUE INDEX "event_series_calendar_id_provider_series_id_key" ON "event_series"("calendar_id", "provider_series_id");

-- CreateIndex
CREATE INDEX "events_organization_id_ical_uid_idx" ON "events"("organization_id", "ical_uid");

-- AddForeignKey
ALTER TABLE "event_attendees" ADD CONSTRAINT "event_attendees_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "event_attendees" ADD CONSTRAINT "event_attendees_event_id_fkey" FOREIGN KEY ("event_id") REFERENCES "events"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "event_series" ADD CONSTRAINT "event_series_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "event_series" ADD CONSTRAINT "event_series_calendar_id_fkey" FOREIGN KEY ("calendar_id") REFERENCES "calendars"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Backfill: every calendar's next sync is a full one, which fills the new columns,
-- attendees and series of existing rows from the provider (no reconnect needed).
UPDATE "calendars" SET "sync_cursor" = NULL;
