import { db } from "@/lib/db/client";
import { POLL_BATCH_SIZE, type JobPayloads, type FollowUp, type HandlerResult } from "@/lib/jobs/catalog";
import { registerPush } from "@/lib/subscriptions/lifecycle";
import { discoverCalendars } from "./connect";

/**
 * After a connect: calendars known (discovery again if the callback could not),
 * push registered (best-effort), and a first full sync of every synced calendar
 * queued through the per-calendar sync job, so it never overlaps another sync of
 * the same calendar.
 */
export async function setUpConnectionJob(data: JobPayloads["connection/connected"]): Promise<HandlerResult> {
  const database = await db();
  const known = await database.calendar.count({ where: { connectionId: data.connectionId, organizationId: data.organizationId } });
  if (known === 0) await discoverCalendars(data.connectionId, data.organizationId);
  const registered = await registerPush(data.connectionId, data.organizationId);
  const calendars = await database.calendar.findMany({
    where: { connectionId: data.connectionId, organizationId: data.organizationId, syncEnabled: true, connection: { status: "active" } },
    select: { id: true },
  });
  const followUps: FollowUp[] = calendars.map((calendar) => ({
    name: "calendar/sync.requested",
    data: { organizationId: data.organizationId, calendarId: calendar.id, trigger: "initial", mode: "full" },
  }));
  return { followUps, summary: { calendars: calendars.length, push: registered.map((outcome) => outcome.status) } };
}

/** How often a connected account's calendar list is read again for new and removed calendars. */
export const CALENDAR_LIST_INTERVAL_MS = 6 * 60 * 60_000;

/**
 * One batch of the discovery cron: claims active connections whose calendar list is
 * older than the interval (moving their mark first, so an overlapping run skips them)
 * and asks for one list each. A system-wide scan, like the poll; each request carries
 * its connection's organization.
 */
export async function discoverCalendarsCronJob(options: { now?: Date; limit?: number } = {}): Promise<HandlerResult> {
  const now = options.now ?? new Date();
  const limit = options.limit ?? POLL_BATCH_SIZE;
  const database = await db();
  const claimed = await database.$queryRawUnsafe<Array<{ connectionId: string; organizationId: string }>>(
    `UPDATE calendar_connections SET calendars_listed_at = $1::timestamptz
      WHERE id IN (SELECT id FROM calendar_connections
                    WHERE status = 'active' AND (calendars_listed_at IS NULL OR calendars_listed_at <= $1::timestamptz - $2::bigint * interval '1 millisecond')
                    ORDER BY calendars_listed_at NULLS FIRST, id LIMIT $3 FOR UPDATE SKIP LOCKED)
      RETURNING id::text AS "connectionId", organization_id::text AS "organizationId"`,
    now,
    CALENDAR_LIST_INTERVAL_MS,
    limit,
  );
  const followUps: FollowUp[] = claimed.map((connection) => ({ name: "connection/calendars.refresh", data: connection }));
  return { followUps, summary: { connections: claimed.length }, more: claimed.length === limit };
}

/** One connection's calendar list read again: new calendars appear unsynced, removed ones are marked removed and shown until dismissed. */
export async function refreshCalendarsJob(data: JobPayloads["connection/calendars.refresh"]): Promise<HandlerResult> {
  const outcome = await discoverCalendars(data.connectionId, data.organizationId, { periodic: true });
  return { summary: outcome };
}
