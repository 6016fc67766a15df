import { db } from "@/lib/db/client";
import { notFound } from "@/lib/http/errors";
import { logger } from "@/lib/log";
import { registerPush, stopSubscription } from "@/lib/subscriptions/lifecycle";
import { requestSync } from "@/lib/sync/resync";
import { errorMessage } from "@/lib/format";

/**
 * Turns sync on or off for one calendar. On: push for it (where push is per
 * calendar) and a full first sync. Off: its own channel stopped and its mirrored
 * events removed, so the dashboard shows only what is synced.
 */
export async function setCalendarSync(organizationId: string, calendarId: string, enabled: boolean): Promise<void> {
  const database = await db();
  const calendar = await database.calendar.findFirst({
    where: { id: calendarId, organizationId, connection: { status: { not: "revoked" } } },
    select: { id: true, syncEnabled: true, connectionId: true, connection: { select: { status: true } } },
  });
  if (!calendar) throw notFound("no such calendar");
  if (calendar.syncEnabled === enabled) return;
  if (enabled) {
    await database.calendar.update({ where: { id: calendarId }, data: { syncEnabled: true } });
    if (calendar.connection.status === "active") {
      await requestSync(organizationId, calendarId, { full: true });
      // Best-effort and slow (a provider round trip): do not hold the request for it.
      void registerPush(calendar.connectionId, organizationId).catch((err: unknown) =>
        logger.warn("calendar.register_failed", { calendarId, error: errorMessage(err) }),
      );
    }
    return;
  }
  const own = await database.webhookSubscription.findMany({
    where: { calendarId, organizationId, status: { in: ["pending", "active"] } },
    select: { id: true },
  });
  for (const subscription of own) await stopSubscription(subscription.id, { organizationId });
  await database.$transaction([
    database.event.deleteMany({ where: { calendarId, organizationId } }),
    // Off means no poll slot either: chosen again, it is scheduled after its first sync.
    database.calendar.update({
      where: { id: calendarId },
      data: { syncEnabled: false, syncCursor: null, syncWindowStart: null, syncWindowEnd: null, nextPollAt: null },
    }),
  ]);
}
