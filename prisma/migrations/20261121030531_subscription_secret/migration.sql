-- AlterTable
ALTER TABLE "webhook_subscriptions" ADD COLUMN     "secret" TEXT;
