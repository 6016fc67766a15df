-- A sign-in joins an existing user by email only when that user's address was
-- verified by its provider: the join key becomes its own unique column, and
-- `email` (what the provider said, unverified for Microsoft) stops being unique.
-- Users created by a verified sign-in keep their address as that key, users created
-- by an unverified one (Microsoft) get none, so nobody can join them by email.

-- AlterTable
ALTER TABLE "users" ADD COLUMN     "verified_email" TEXT;

UPDATE "users" SET "verified_email" = "email" WHERE "email_verified" IS NOT NULL AND "email" IS NOT NULL;

-- AlterTable
ALTER TABLE "users" DROP COLUMN "email_verified";

-- DropIndex
DROP INDEX "users_email_key";

-- CreateIndex
CREATE UNIQUE INDEX "users_verified_email_key" ON "users"("verified_email");

-- CreateIndex
CREATE INDEX "users_email_idx" ON "users"("email");
