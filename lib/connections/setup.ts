import { db } from "@/lib/db/client";
import type { JobPayloads, FollowUp, HandlerResult } from "@/lib/jobs/catalog";
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
