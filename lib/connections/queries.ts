import type { CalendarSummary, ConnectionSummary, ProviderSummary, PushSummary, SyncRunSummary, UpcomingEvent } from "@/lib/api/types";
import { pollCadence } from "@/lib/config";
import { db } from "@/lib/db/client";
import { eventTimes } from "./event-times";
import { notFound } from "@/lib/http/errors";
import { providerSettings } from "@/lib/providers/config";
import { providerFor } from "@/lib/providers";
import { PROVIDER_LABELS, PROVIDERS } from "@/lib/providers/port";
import { iso } from "@/lib/format";

// Read models for the onboarding page and the dashboard. Every query takes the
// caller's organization id; nothing here reads a tenant row without it.

function pushSummary(
  subscriptions: Array<{ status: string; expiresAt: Date | null; lastNotificationAt: Date | null; suspect: boolean; updatedAt: Date }>,
): PushSummary {
  if (subscriptions.length === 0) return { status: "none", expiresAt: null, lastNotificationAt: null, suspect: false };
  const rank = ["active", "pending", "failed", "expired", "stopped"];
  const best = [...subscriptions].sort((a, b) => rank.indexOf(a.status) - rank.indexOf(b.status) || b.updatedAt.getTime() - a.updatedAt.getTime())[0]!;
  const live = subscriptions.filter((subscription) => subscription.status === "active");
  const soonest = live
    .map((subscription) => subscription.expiresAt)
    .filter((date): date is Date => date !== null)
    .sort((a, b) => a.getTime() - b.getTime())[0];
  const lastNotification = subscriptions
    .map((s) => s.lastNotificationAt)
    .filter((date): date is Date => date !== null)
    .sort((a, b) => b.getTime() - a.getTime())[0];
  return {
    status: best.status as PushSummary["status"],
    expiresAt: iso(soonest ?? best.expiresAt),
    lastNotificationAt: iso(lastNotification),
    suspect: live.some((subscription) => subscription.suspect),
  };
}

export async function connectionSummaries(organizationId: string): Promise<ProviderSummary[]> {
  const database = await db();
  const settings = providerSettings();
  const connections = await database.calendarConnection.findMany({
    where: { organizationId, status: { not: "revoked" } },
    orderBy: { createdAt: "asc" },
    include: {
      user: { select: { name: true, email: true } },
      calendars: { select: { id: true, syncEnabled: true, lastSyncedAt: true, removedAt: true } },
      subscriptions: {
        where: { status: { not: "stopped" } },
        select: { status: true, expiresAt: true, lastNotificationAt: true, suspect: true, updatedAt: true },
      },
    },
  });
  const running = await database.syncRun.findMany({
    where: { organizationId, status: "running", startedAt: { gt: new Date(Date.now() - 15 * 60_000) } },
    select: { calendarId: true },
  });
  const runningCalendars = new Set(running.map((run) => run.calendarId));
  const isSyncing = (connection: (typeof connections)[number]) =>
    connection.status === "active" &&
    (connection.calendars.some((calendar) => calendar.syncEnabled && calendar.lastSyncedAt === null) ||
      connection.calendars.some((calendar) => runningCalendars.has(calendar.id)));
  // Counted only for accounts that are syncing, so the page's steady refresh costs no count over a large mirror.
  const syncingCalendarIds = connections.filter(isSyncing).flatMap((connection) => connection.calendars.map((calendar) => calendar.id));
  const counts =
    syncingCalendarIds.length === 0
      ? []
      : await database.event.groupBy({ by: ["calendarId"], where: { organizationId, calendarId: { in: syncingCalendarIds } }, _count: { _all: true } });
  const eventsIn = new Map(counts.map((row) => [row.calendarId, row._count._all]));
  return PROVIDERS.map((provider) => {
    // Every live connection of the provider, needs-reconnect ones included: each gets its own card.
    const summaries: ConnectionSummary[] = connections
      .filter((connection) => connection.provider === provider)
      .map((connection) => {
        const synced = connection.calendars.filter((calendar) => calendar.syncEnabled);
        return {
          id: connection.id,
          provider,
          accountEmail: connection.accountEmail,
          status: connection.status,
          lastError: connection.lastError,
          lastSyncedAt: iso(connection.lastSyncedAt),
          // A calendar the provider no longer lists is not one to choose from.
          calendarCount: connection.calendars.filter((calendar) => calendar.removedAt === null).length,
          syncedCalendarCount: synced.length,
          syncing: isSyncing(connection),
          mirroredWhileSyncing: isSyncing(connection) ? connection.calendars.reduce((sum, calendar) => sum + (eventsIn.get(calendar.id) ?? 0), 0) : null,
          push: pushSummary(connection.subscriptions),
          createdAt: connection.createdAt.toISOString(),
          connectedBy: connection.user ? { name: connection.user.name, email: connection.user.email ?? "" } : null,
        };
      });
    const configured = settings[provider] !== null;
    return {
      provider,
      displayName: PROVIDER_LABELS[provider].shortName,
      configured,
      revocation: configured ? providerFor(provider, settings).revocation : null,
      connections: summaries,
    };
  });
}

function runSummary(run: {
  id: string;
  trigger: SyncRunSummary["trigger"];
  mode: SyncRunSummary["mode"];
  status: SyncRunSummary["status"];
  created: number;
  updated: number;
  deleted: number;
  startedAt: Date;
  finishedAt: Date | null;
  durationMs: number | null;
  error: string | null;
}): SyncRunSummary {
  return { ...run, startedAt: run.startedAt.toISOString(), finishedAt: iso(run.finishedAt) };
}

const calendarInclude = {
  connection: { select: { provider: true, accountEmail: true } },
  syncRuns: { orderBy: { startedAt: "desc" }, take: 1 },
  _count: { select: { events: true } },
} as const;

type CalendarRow = Awaited<ReturnType<typeof loadCalendars>>[number];

async function loadCalendars(organizationId: string, id?: string) {
  const database = await db();
  return database.calendar.findMany({
    where: { organizationId, ...(id ? { id } : {}), connection: { status: { not: "revoked" } } },
    orderBy: [{ connection: { createdAt: "asc" } }, { isPrimary: "desc" }, { name: "asc" }],
    include: calendarInclude,
  });
}

function calendarSummary(calendar: CalendarRow): CalendarSummary {
  const lastRun = calendar.syncRuns[0];
  return {
    id: calendar.id,
    connectionId: calendar.connectionId,
    provider: calendar.connection.provider,
    accountEmail: calendar.connection.accountEmail,
    name: calendar.name,
    isPrimary: calendar.isPrimary,
    timeZone: calendar.timeZone,
    syncEnabled: calendar.syncEnabled,
    lastSyncedAt: iso(calendar.lastSyncedAt),
    lastRun: lastRun ? runSummary(lastRun) : null,
    // The slot the poll gave it (lib/sync/poll.ts); none before its first sync.
    nextPollAt: calendar.syncEnabled ? iso(calendar.nextPollAt) : null,
    pollOnlyMinutes: calendar.pushUnsupportedAt === null ? null : pollCadence().withoutPushMs / 60_000,
    discovered: calendar.discoveredAt !== null && !calendar.syncEnabled && calendar.removedAt === null,
    removedAt: iso(calendar.removedAt),
    eventCount: calendar._count.events,
  };
}

export async function calendarSummaries(organizationId: string): Promise<CalendarSummary[]> {
  return (await loadCalendars(organizationId)).map(calendarSummary);
}

export async function oneCalendarSummary(organizationId: string, calendarId: string): Promise<CalendarSummary> {
  const [calendar] = await loadCalendars(organizationId, calendarId);
  if (!calendar) throw notFound("no such calendar");
  return calendarSummary(calendar);
}

export async function upcomingEvents(organizationId: string, days: number, now = new Date()): Promise<{ from: Date; to: Date; events: UpcomingEvent[] }> {
  const database = await db();
  const from = now;
  const to = new Date(now.getTime() + days * 24 * 60 * 60_000);
  const events = await database.event.findMany({
    where: { organizationId, startAt: { lt: to }, endAt: { gt: from }, status: { not: "cancelled" }, calendar: { syncEnabled: true } },
    orderBy: [{ startAt: "asc" }, { title: "asc" }],
    take: 500,
    include: { calendar: { select: { name: true, timeZone: true, connection: { select: { provider: true } } } } },
  });
  return {
    from,
    to,
    events: events.map((event) => ({
      id: event.id,
      calendarId: event.calendarId,
      calendarName: event.calendar.name,
      provider: event.calendar.connection.provider,
      title: event.title,
      ...eventTimes(event),
      status: event.status,
      recurring: event.recurringSeriesId !== null,
      timeZone: event.startTimeZone ?? event.calendar.timeZone,
    })),
  };
}
