-- An event's history, which privacy scrubs (lib/privacy/history.ts).
CREATE INDEX "changes_organization_id_resource_id_idx" ON "changes"("organization_id", "resource_id");
