import { db } from "@/lib/db/client";
import { conflict, notFound } from "@/lib/http/errors";
import { logger } from "@/lib/log";
import { registerPush, stopSubscription } from "@/lib/subscriptions/lifecycle";
import { requestSync } from "@/lib/sync/resync";
import { errorMessage } from "@/lib/format";

/**
 * Turns sync on or off for one calendar. On: push for it (where push is per
 * calendar) and a full first sync. Off: its mirroring ended (stopMirroring), so the
 * dashboard shows only what is synced. A calendar the provider no longer lists
 * cannot be turned on: there is nothing left to sync.
 */
export async function setCalendarSync(organizationId: string, calendarId: string, enabled: boolean): Promise<void> {
  const database = await db();
  const calendar = await database.calendar.findFirst({
    where: { id: calendarId, organizationId, connection: { status: { not: "revoked" } } },
    select: { id: true, syncEnabled: true, removedAt: true, connectionId: true, connection: { select: { status: true } } },
  });
  if (!calendar) throw notFound("no such calendar");
  if (calendar.syncEnabled === enabled) return;
  if (enabled) {
    const gone = conflict("the provider no longer lists this calendar; dismiss it instead");
    if (calendar.removedAt) throw gone;
    // Only while still listed: a removal since the read wins (the migration's check would refuse the write anyway).
    const turnedOn = await database.calendar.updateMany({ where: { id: calendarId, organizationId, removedAt: null }, data: { syncEnabled: true } });
    if (turnedOn.count === 0) throw gone;
    if (calendar.connection.status === "active") {
      await requestSync(organizationId, calendarId, { full: true });
      // Best-effort and slow (a provider round trip): do not hold the request for it.
      void registerPush(calendar.connectionId, organizationId).catch((err: unknown) =>
        logger.warn("calendar.register_failed", { calendarId, error: errorMessage(err) }),
      );
    }
    return;
  }
  await stopMirroring(organizationId, calendarId);
}

/**
 * Ends the mirroring of one calendar, the one way both ends happen (sync turned off,
 * or the provider stopped listing it: `removedAt`): every subscription of its own
 * stopped through the lifecycle (failed and expired ones too, so none is reported
 * as broken push afterwards), its events deleted (the change log says so, as for any
 * delete), sync off with no cursor and no poll slot. A subscription for the whole
 * account (Graph) covers other calendars and stays.
 */
export async function stopMirroring(organizationId: string, calendarId: string, mark: { removedAt?: Date } = {}): Promise<void> {
  const database = await db();
  const own = await database.webhookSubscription.findMany({
    where: { calendarId, organizationId, status: { in: ["pending", "active", "failed", "expired"] } },
    select: { id: true },
  });
  for (const subscription of own) await stopSubscription(subscription.id, { organizationId });
  await database.$transaction([
    // The row's lock first: it waits for a sync's chunk in flight (each holds a share
    // lock on the row while the calendar is mirrored: lib/sync/store.ts), so the
    // delete below sees that chunk's events, and a later chunk finds sync off.
    database.$executeRaw`SELECT 1 FROM calendars WHERE id = ${calendarId}::uuid AND organization_id = ${organizationId}::uuid FOR UPDATE`,
    // Then the events, then the calendar: the change log tells each event's deletion before the calendar's.
    database.event.deleteMany({ where: { calendarId, organizationId } }),
    // Off means no poll slot either: chosen again, it is scheduled after its first sync.
    database.calendar.updateMany({
      where: { id: calendarId, organizationId },
      data: { syncEnabled: false, syncCursor: null, syncWindowStart: null, syncWindowEnd: null, nextPollAt: null, ...mark },
    }),
  ]);
}

/**
 * Dismisses a calendar the provider no longer lists: its row goes (its events went
 * when it was removed). A calendar still listed is refused: turning its sync off is
 * what stops mirroring it, and discovery would only bring the row back.
 */
export async function dismissCalendar(organizationId: string, calendarId: string): Promise<void> {
  const database = await db();
  const calendar = await database.calendar.findFirst({
    where: { id: calendarId, organizationId, connection: { status: { not: "revoked" } } },
    select: { removedAt: true },
  });
  if (!calendar) throw notFound("no such calendar");
  const notRemoved = conflict("only a calendar the provider no longer lists can be dismissed; turn its sync off instead");
  if (!calendar.removedAt) throw notRemoved;
  // Listed again since it was read (discovery cleared the mark): it stays.
  const deleted = await database.calendar.deleteMany({ where: { id: calendarId, organizationId, removedAt: { not: null } } });
  if (deleted.count === 0) throw notRemoved;
}
