-- DropIndex
DROP INDEX "calendar_connections_provider_provider_account_id_key";

-- CreateIndex
CREATE UNIQUE INDEX "calendar_connections_organization_id_provider_provider_acco_key" ON "calendar_connections"("organization_id", "provider", "provider_account_id");

-- CreateIndex
CREATE UNIQUE INDEX "calendar_connections_live_account_key" ON "calendar_connections"("provider", "provider_account_id") WHERE (status <> 'revoked');
