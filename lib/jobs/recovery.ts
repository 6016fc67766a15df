import { db } from "@/lib/db/client";
import { CRON_JOBS, type FollowUp } from "@/lib/jobs/catalog";
import { dispatchMany } from "@/lib/jobs/dispatch";

// The inline driver keeps its queue in memory, so a restart forgets work that was
// acknowledged but not done. Everything needed to find it again is in the database:
// a webhook event still `pending` was answered 2xx but never synced, and a calendar
// whose last poll is older than the poll interval missed at least one poll.

export interface RecoveryResult {
  /** Calendars re-queued because a notification for them was never processed. */
  webhook: number;
  /** Calendars re-queued because their poll is overdue (and no notification already covered them). */
  poll: number;
}

export interface RecoveryOptions {
  now?: Date;
  pollIntervalMs?: number;
}

export async function recoverPendingWork(options: RecoveryOptions = {}): Promise<RecoveryResult> {
  const now = options.now ?? new Date();
  const pollIntervalMs = options.pollIntervalMs ?? CRON_JOBS.poll.everyMs;
  const client = await db();

  // A system-wide scan, deliberately not scoped by organization: this runs at start-up
  // for every tenant. Each request carries the calendar's own organization_id, and
  // only a calendar's own columns and relations decide whether it is picked.
  // Disabled calendars and connections that are not active are skipped: a sync would
  // be refused anyway (and for a revoked connection, be one more failing call).
  const syncable = { syncEnabled: true, connection: { status: "active" as const } };
  const select = { id: true, organizationId: true } as const;

  const notified = await client.calendar.findMany({
    where: {
      ...syncable,
      OR: [
        { webhookEvents: { some: { status: "pending" } } },
        // A Graph notification names the subscription (the mailbox), not a calendar:
        // any calendar of that connection may have changed.
        { connection: { subscriptions: { some: { webhookEvents: { some: { status: "pending", calendarId: null } } } } } },
      ],
    },
    select,
    orderBy: { id: "asc" },
  });

  const notifiedIds = new Set(notified.map((calendar) => calendar.id));
  const overdue = (
    await client.calendar.findMany({
      where: { ...syncable, OR: [{ lastPolledAt: null }, { lastPolledAt: { lt: new Date(now.getTime() - pollIntervalMs) } }] },
      select,
      orderBy: { id: "asc" },
    })
  ).filter((calendar) => !notifiedIds.has(calendar.id));

  const requests: FollowUp[] = [...notified.map((calendar) => syncRequest(calendar, "webhook")), ...overdue.map((calendar) => syncRequest(calendar, "poll"))];
  await dispatchMany(requests);
  return { webhook: notified.length, poll: overdue.length };
}

function syncRequest(calendar: { id: string; organizationId: string }, trigger: "webhook" | "poll"): FollowUp {
  return { name: "calendar/sync.requested", data: { organizationId: calendar.organizationId, calendarId: calendar.id, trigger } };
}
