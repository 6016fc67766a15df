-- DropIndex
DROP INDEX "events_organization_id_ical_uid_idx";

-- AlterTable
ALTER TABLE "events" ADD COLUMN     "meeting_id" UUID;

-- CreateTable
CREATE TABLE "meetings" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "organization_id" UUID NOT NULL,
    "ical_uid" TEXT NOT NULL,
    "occurrence_key" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "meetings_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "meetings_organization_id_ical_uid_occurrence_key_key" ON "meetings"("organization_id", "ical_uid", "occurrence_key");

-- CreateIndex
CREATE INDEX "events_meeting_id_idx" ON "events"("meeting_id");

-- AddForeignKey
ALTER TABLE "events" ADD CONSTRAINT "events_meeting_id_fkey" FOREIGN KEY ("meeting_id") REFERENCES "meetings"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "meetings" ADD CONSTRAINT "meetings_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;
