import { db } from "@/lib/db/client";
import { invalid } from "@/lib/http/errors";
import type { FollowUp } from "@/lib/jobs/catalog";
import { dispatchMany } from "@/lib/jobs/dispatch";
import { logger } from "@/lib/log";

// Replaying notifications an operator picked (typically dead ones, once the cause is
// fixed): they go back to `pending` with a fresh set of attempts, and their
// calendars get a sync, which processes them exactly like a new notification.

export interface ReplaySelection {
  /** Specific events; ids of other organizations, or of events in another status, are skipped. */
  ids?: string[];
  /** Only events in this status; without it, dead and failed ones. */
  status?: "dead" | "failed";
}

export interface ReplayOptions {
  /** Cap for a selection by status; REPLAY_BATCH_SIZE unless a test wants a smaller one. */
  batchSize?: number;
}

/** Enough for a page of a console selection; a whole backlog is selected by status instead. */
export const MAX_REPLAY_IDS = 1_000;

/**
 * Most events one replay by status resets: each one brings a sync request, and one
 * request must not reset (and dispatch for) a backlog of any size. The oldest go
 * first; the caller asks again for the rest (`replayableCount` says how many).
 */
export const REPLAY_BATCH_SIZE = 500;

function replayableStatus(status: ReplaySelection["status"]) {
  return status ? status : { in: ["dead" as const, "failed" as const] };
}

/** How many events of `organizationId` a replay by this status would still reset. */
export async function replayableCount(organizationId: string, status?: ReplaySelection["status"]): Promise<number> {
  const database = await db();
  return database.webhookEvent.count({ where: { organizationId, status: replayableStatus(status) } });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Resets the selected events of `organizationId` (attempts 0, status pending, no
 * error, no scheduled retry) and asks for one sync per affected calendar. A
 * selection by status alone resets at most `batchSize` (REPLAY_BATCH_SIZE) of them,
 * oldest first. A Graph
 * notification names the mailbox, not a calendar: it brings every synced calendar
 * of its subscription's connection. Throws invalid (400) for a malformed selection.
 *
 * The reset commits before the dispatch: if the dispatch fails, the events are
 * pending like any unsynced notification, and start-up recovery or the next
 * covering sync (the poll) processes them.
 */
export async function replayWebhookEvents(organizationId: string, selection: ReplaySelection, options: ReplayOptions = {}): Promise<{ replayed: number }> {
  if (selection.status !== undefined && selection.status !== "dead" && selection.status !== "failed") {
    throw invalid("only dead or failed events can be replayed", { status: "expected dead or failed" });
  }
  if (selection.ids !== undefined) {
    if (selection.ids.length > MAX_REPLAY_IDS) throw invalid(`at most ${MAX_REPLAY_IDS} events at a time`, { ids: `at most ${MAX_REPLAY_IDS}` });
    if (!selection.ids.every((id) => UUID.test(id))) throw invalid("event ids are UUIDs", { ids: "expected UUIDs" });
    if (selection.ids.length === 0) return { replayed: 0 };
  }

  const database = await db();
  let ids = selection.ids;
  if (ids === undefined) {
    const oldest = await database.webhookEvent.findMany({
      where: { organizationId, status: replayableStatus(selection.status) },
      orderBy: [{ receivedAt: "asc" }, { id: "asc" }],
      take: options.batchSize ?? REPLAY_BATCH_SIZE,
      select: { id: true },
    });
    ids = oldest.map((event) => event.id);
    if (ids.length === 0) return { replayed: 0 };
  }
  const reset = await database.webhookEvent.updateManyAndReturn({
    // The status again: an event picked above may have moved on meanwhile.
    where: { organizationId, status: replayableStatus(selection.status), id: { in: ids } },
    data: { status: "pending", attempts: 0, error: null, nextAttemptAt: null, processedAt: null },
    select: { calendarId: true, subscriptionId: true, provider: true },
  });
  if (reset.length === 0) return { replayed: 0 };

  const calendarIds = [...new Set(reset.flatMap((event) => (event.calendarId ? [event.calendarId] : [])))];
  const mailboxSubscriptionIds = [
    ...new Set(reset.flatMap((event) => (event.calendarId === null && event.provider === "microsoft" && event.subscriptionId ? [event.subscriptionId] : []))),
  ];
  const calendars = await database.calendar.findMany({
    where: {
      organizationId,
      syncEnabled: true,
      OR: [{ id: { in: calendarIds } }, { connection: { subscriptions: { some: { id: { in: mailboxSubscriptionIds }, organizationId } } } }],
    },
    select: { id: true },
    orderBy: { id: "asc" },
  });
  const requests: FollowUp[] = calendars.map((calendar) => ({
    name: "calendar/sync.requested",
    data: { organizationId, calendarId: calendar.id, trigger: "webhook" },
  }));
  await dispatchMany(requests);
  logger.info("webhook_events.replayed", { organizationId, replayed: reset.length, calendars: calendars.length });
  return { replayed: reset.length };
}
