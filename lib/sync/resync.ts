import { db } from "@/lib/db/client";
import { notFound } from "@/lib/http/errors";
import { dispatch } from "@/lib/jobs/dispatch";
import type { SyncTrigger } from "@/lib/jobs/catalog";

/**
 * Asks for a sync of one calendar. A full one is requested by forgetting the
 * cursor first: the engine then has nothing to resume from, whichever request the
 * coalescing keeps (a trailing run carries only the last request it took in, so a
 * `mode` in the payload alone could be lost to a webhook arriving right after).
 */
export async function requestSync(organizationId: string, calendarId: string, options: { full?: boolean; trigger?: SyncTrigger } = {}): Promise<void> {
  const database = await db();
  const calendar = await database.calendar.findFirst({ where: { id: calendarId, organizationId }, select: { id: true } });
  if (!calendar) throw notFound("no such calendar");
  if (options.full) await database.calendar.update({ where: { id: calendar.id }, data: { syncCursor: null } });
  await dispatch("calendar/sync.requested", {
    organizationId,
    calendarId,
    trigger: options.trigger ?? "manual",
    ...(options.full ? { mode: "full" as const } : {}),
  });
}
