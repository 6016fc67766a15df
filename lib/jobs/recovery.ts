import { db } from "@/lib/db/client";
import type { FollowUp } from "@/lib/jobs/catalog";
import { dispatchMany } from "@/lib/jobs/dispatch";

// The inline driver keeps its queue in memory, so a restart forgets work that was
// acknowledged but not done. Everything needed to find it again is in the database:
// a webhook event still `pending` was answered 2xx but never synced, and a calendar
// whose poll slot (calendars.next_poll_at) has passed missed its poll. The first is
// re-queued here; the second needs nothing but the poll itself, which claims every
// calendar whose slot has passed (lib/sync/poll.ts): the composition root runs it once
// right after this, so nothing is polled twice and the spread of slots is kept.

export interface RecoveryResult {
  /** Calendars re-queued because a notification for them was never processed. */
  webhook: number;
  /** Calendars whose poll slot has passed (or that have none yet): the poll that follows takes them. */
  poll: number;
}

export interface RecoveryOptions {
  now?: Date;
}

export async function recoverPendingWork(options: RecoveryOptions = {}): Promise<RecoveryResult> {
  const now = options.now ?? new Date();
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

  const overdue = await client.calendar.count({ where: { ...syncable, OR: [{ nextPollAt: null }, { nextPollAt: { lte: now } }] } });

  await dispatchMany(notified.map((calendar) => syncRequest(calendar)));
  return { webhook: notified.length, poll: overdue };
}

function syncRequest(calendar: { id: string; organizationId: string }): FollowUp {
  return { name: "calendar/sync.requested", data: { organizationId: calendar.organizationId, calendarId: calendar.id, trigger: "webhook" } };
}
