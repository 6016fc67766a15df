import { db } from "@/lib/db/client";
import { logger } from "@/lib/log";
import { requestSync } from "@/lib/sync/resync";
import { BUSY_ONLY_CLEARED, BUSY_ONLY_SET_SQL, PRIVATE_SQL, scrubPrivateHistory } from "./history";
import { BUSY_TITLE, DEFAULT_PRIVACY, type PrivacySettings } from "./policy";

// The organization's privacy setting: read by every sync run, changed by an admin.
// A change rewrites what is already mirrored: at once, in SQL, what the new setting
// no longer allows (so nothing private outlives the change), then a full resync of
// every synced calendar writes each row exactly as the sync path would
// (lib/privacy/policy.ts), including what a looser setting allows back.

export async function privacySettings(organizationId: string): Promise<PrivacySettings> {
  const database = await db();
  const organization = await database.organization.findUnique({ where: { id: organizationId }, select: { privateEvents: true, keepDeclined: true } });
  return organization ? { privateEvents: organization.privateEvents, keepDeclined: organization.keepDeclined } : DEFAULT_PRIVACY;
}

export async function updatePrivacySettings(
  organizationId: string,
  settings: PrivacySettings,
): Promise<{ settings: PrivacySettings; rewritten: number; resynced: number }> {
  const database = await db();
  const previous = await privacySettings(organizationId);
  let rewritten = 0;
  await database.$transaction(async (tx) => {
    await tx.organization.update({ where: { id: organizationId }, data: { privateEvents: settings.privateEvents, keepDeclined: settings.keepDeclined } });
    if (!settings.keepDeclined) {
      rewritten += await tx.$executeRawUnsafe(`DELETE FROM events WHERE organization_id = $1::uuid AND self_response = 'declined'`, organizationId);
    }
    if (settings.privateEvents === "nothing") {
      rewritten += await tx.$executeRawUnsafe(`DELETE FROM events WHERE organization_id = $1::uuid AND ${PRIVATE_SQL}`, organizationId);
    } else if (settings.privateEvents === "busy_only") {
      await tx.$executeRawUnsafe(
        `DELETE FROM event_attendees a USING events e WHERE a.event_id = e.id AND e.organization_id = $1::uuid AND a.organization_id = $1::uuid AND e.${PRIVATE_SQL}`,
        organizationId,
      );
      rewritten += await tx.$executeRawUnsafe(
        `UPDATE events SET ${BUSY_ONLY_CLEARED.map((column) => `${column} = NULL`).join(", ")}, ${BUSY_ONLY_SET_SQL}, updated_at = now()
         WHERE organization_id = $1::uuid AND ${PRIVATE_SQL}`,
        organizationId,
        BUSY_TITLE,
      );
    }
    if (settings.privateEvents !== "everything") await scrubPrivateHistory(tx, organizationId);
  });
  const calendars = await database.calendar.findMany({ where: { organizationId, syncEnabled: true }, select: { id: true } });
  for (const calendar of calendars) await requestSync(organizationId, calendar.id, { full: true, trigger: "manual" });
  logger.info("organization.privacy_changed", { organizationId, from: previous, to: settings, rewritten, resynced: calendars.length });
  return { settings, rewritten, resynced: calendars.length };
}
