import { db } from "@/lib/db/client";
import type { FollowUp, HandlerResult } from "@/lib/jobs/catalog";

// The 15-minute poll: every synced calendar of every active connection gets an
// incremental sync, so a notification that never arrived costs at most one
// interval. It is a system-wide scan by design (the cron acts for every
// organization); each follow-up carries its calendar's organization.

export async function calendarsToPoll(): Promise<Array<{ organizationId: string; calendarId: string }>> {
  const database = await db();
  const calendars = await database.calendar.findMany({
    where: { syncEnabled: true, connection: { status: "active" } },
    select: { id: true, organizationId: true },
    orderBy: [{ lastPolledAt: { sort: "asc", nulls: "first" } }],
  });
  return calendars.map((calendar) => ({ organizationId: calendar.organizationId, calendarId: calendar.id }));
}

export async function pollJob(): Promise<HandlerResult> {
  const calendars = await calendarsToPoll();
  const followUps: FollowUp[] = calendars.map((calendar) => ({ name: "calendar/sync.requested", data: { ...calendar, trigger: "poll" } }));
  return { followUps, summary: { calendars: calendars.length } };
}
