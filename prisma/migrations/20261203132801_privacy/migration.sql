-- CreateEnum
CREATE TYPE "PrivateEventPolicy" AS ENUM ('everything', 'busy_only', 'nothing');

-- AlterTable
ALTER TABLE "organizations" ADD COLUMN     "keep_declined" BOOLEAN NOT NULL DEFAULT true,
ADD COLUMN     "private_events" "PrivateEventPolicy" NOT NULL DEFAULT 'everything';
