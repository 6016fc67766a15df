import type { ConnectionStatus, HealthCardItem, HealthCards, HealthConnection, HealthFigures, HealthHour, HealthReport, HealthStatus } from "@/lib/api/types";
import { HOUR_MS, fillBuckets, hourlyWindow, successRate, toNumber } from "@/lib/admin/metrics";
import { db } from "@/lib/db/client";
import { Prisma } from "@/lib/db/generated/client";
import { breakerStates } from "@/lib/providers/breaker";
import { PROVIDER_LABELS, type ProviderName } from "@/lib/providers/port";
import { iso } from "@/lib/format";
import { PENDING_REGISTRATION_STALE_MS, RENEWAL_LATE_MS } from "@/lib/subscriptions/schedule";

export type { HealthReport, HealthStatus } from "@/lib/api/types";

// How push and sync are doing, for one organization (the admin console) or the
// whole installation (the operators' `health-check`, organizationId undefined).
// Aggregates are computed in SQL, over indexed time ranges, so the console can
// poll this; every query is scoped by organization when one is given.
//
// Status: "unhealthy" when notifications have stopped or cannot be acted on (an
// active connection's push expired, a connection needs reconnecting, events are
// dead); "degraded" when something will need a person soon or may be losing
// notifications (expiring soon, suspect, failing renewals, registrations, syncs or
// deliveries, an open provider circuit).

/**
 * Expiring sooner than this is worth a look: the subscription is past its latest
 * renewal slot (each renews at its own time in the 24 h before expiry, at the latest
 * 12 h before it), so its renewal is late or failing. Not the whole margin: a
 * subscription waiting for its slot inside it is on schedule.
 */
export const EXPIRING_SOON_MS = RENEWAL_LATE_MS;
const DAY_MS = 24 * HOUR_MS;
// A calendar's latest run is looked for this far back; older failures were
// followed by nothing at all, which the poll would have noticed long since.
const LATEST_RUN_LOOKBACK_MS = 7 * DAY_MS;

const RECONNECT_STATUSES: ConnectionStatus[] = ["needs_reconnect", "error"];
const latest = (dates: Array<Date | null | undefined>) => dates.reduce<Date | null>((best, date) => (date && (!best || date > best) ? date : best), null);
const earliest = (dates: Array<Date | null | undefined>) => dates.reduce<Date | null>((best, date) => (date && (!best || date < best) ? date : best), null);
const plural = (count: number, one: string, many = `${one}s`) => `${count} ${count === 1 ? one : many}`;

interface EventWindowRow {
  connection_id: string | null;
  total: number;
  notifications: number;
  processed: number;
  failed: number;
  last_received_at: Date | null;
  p50: number | null;
  p95: number | null;
}

interface BacklogRow {
  connection_id: string | null;
  status: "failed" | "dead";
  count: number;
}

interface HourRow {
  bucket: number;
  notifications: number;
  processed: number;
  failed: number;
  p95: number | null;
}

interface FailedRunRow {
  calendar_id: string;
  calendar_name: string;
  connection_id: string;
  error: string | null;
  started_at: Date;
}

function scoped(alias: string, organizationId: string | undefined): Prisma.Sql {
  return organizationId ? Prisma.sql`AND ${Prisma.raw(alias)}.organization_id = ${organizationId}::uuid` : Prisma.empty;
}

// Which connection an event concerns: through its subscription, else its calendar.
const EVENT_CONNECTION = Prisma.sql`COALESCE(s.connection_id, c.connection_id)`;
const EVENT_JOINS = Prisma.sql`LEFT JOIN webhook_subscriptions s ON s.id = e.subscription_id LEFT JOIN calendars c ON c.id = e.calendar_id`;
const LATENCY_MS = Prisma.sql`CASE WHEN e.status = 'processed' AND e.processed_at IS NOT NULL
  THEN (extract(epoch FROM (e.processed_at - e.received_at)) * 1000)::double precision END`;

async function eventWindow(organizationId: string | undefined, since: Date, until: Date): Promise<EventWindowRow[]> {
  const database = await db();
  const rows = await database.$queryRaw<EventWindowRow[]>`
    SELECT x.connection_id, GROUPING(x.connection_id) AS total,
      count(*)::int AS notifications,
      (count(*) FILTER (WHERE x.status = 'processed'))::int AS processed,
      (count(*) FILTER (WHERE x.status IN ('failed', 'dead')))::int AS failed,
      max(x.received_at) AS last_received_at,
      percentile_cont(0.5) WITHIN GROUP (ORDER BY x.latency_ms) AS p50,
      percentile_cont(0.95) WITHIN GROUP (ORDER BY x.latency_ms) AS p95
    FROM (
      SELECT e.status::text AS status, e.received_at, ${EVENT_CONNECTION}::text AS connection_id, ${LATENCY_MS} AS latency_ms
      FROM webhook_events e ${EVENT_JOINS}
      WHERE e.received_at >= ${since}::timestamptz AND e.received_at <= ${until}::timestamptz ${scoped("e", organizationId)}
    ) x
    GROUP BY ROLLUP (x.connection_id)`;
  return rows.map((row) => ({
    ...row,
    total: toNumber(row.total) ?? 0,
    notifications: toNumber(row.notifications) ?? 0,
    processed: toNumber(row.processed) ?? 0,
    failed: toNumber(row.failed) ?? 0,
    p50: toNumber(row.p50),
    p95: toNumber(row.p95),
  }));
}

/** Failed and dead events as they stand now, whenever they arrived: they wait for a retry or a person. */
async function eventBacklog(organizationId: string | undefined): Promise<BacklogRow[]> {
  const database = await db();
  const rows = await database.$queryRaw<BacklogRow[]>`
    SELECT ${EVENT_CONNECTION}::text AS connection_id, e.status::text AS status, count(*)::int AS count
    FROM webhook_events e ${EVENT_JOINS}
    WHERE e.status IN ('failed', 'dead') ${scoped("e", organizationId)}
    GROUP BY 1, 2`;
  return rows.map((row) => ({ ...row, count: toNumber(row.count) ?? 0 }));
}

async function hourlySeries(organizationId: string | undefined, now: Date): Promise<HealthHour[]> {
  const database = await db();
  const window = hourlyWindow(now);
  const rows = await database.$queryRaw<HourRow[]>`
    SELECT floor(extract(epoch FROM (e.received_at - ${window.start}::timestamptz)) / 3600)::int AS bucket,
      count(*)::int AS notifications,
      (count(*) FILTER (WHERE e.status = 'processed'))::int AS processed,
      (count(*) FILTER (WHERE e.status IN ('failed', 'dead')))::int AS failed,
      percentile_cont(0.95) WITHIN GROUP (ORDER BY ${LATENCY_MS}) AS p95
    FROM webhook_events e
    WHERE e.received_at >= ${window.start}::timestamptz AND e.received_at < ${window.end}::timestamptz ${scoped("e", organizationId)}
    GROUP BY 1`;
  const normalized = rows.map((row) => ({
    bucket: toNumber(row.bucket) ?? -1,
    notifications: toNumber(row.notifications) ?? 0,
    processed: toNumber(row.processed) ?? 0,
    failed: toNumber(row.failed) ?? 0,
    p95: toNumber(row.p95),
  }));
  return fillBuckets(
    normalized,
    window,
    (row, start) => ({
      start: start.toISOString(),
      notifications: row.notifications,
      processed: row.processed,
      failed: row.failed,
      successRate: successRate(row.processed, row.failed),
      p95LatencyMs: row.p95 === null ? null : Math.round(row.p95),
    }),
    (start) => ({ start: start.toISOString(), notifications: 0, processed: 0, failed: 0, successRate: null, p95LatencyMs: null }),
  );
}

async function failedRunsByConnection(organizationId: string | undefined, since: Date): Promise<Map<string, number>> {
  const database = await db();
  const rows = await database.$queryRaw<Array<{ connection_id: string; count: number }>>`
    SELECT c.connection_id::text AS connection_id, count(*)::int AS count
    FROM sync_runs r JOIN calendars c ON c.id = r.calendar_id
    WHERE r.status = 'failed' AND r.started_at >= ${since}::timestamptz ${scoped("r", organizationId)}
    GROUP BY 1`;
  return new Map(rows.map((row) => [row.connection_id, toNumber(row.count) ?? 0]));
}

/** Synced calendars whose most recent run failed. */
async function calendarsFailingToSync(organizationId: string | undefined, now: Date): Promise<FailedRunRow[]> {
  const database = await db();
  return database.$queryRaw<FailedRunRow[]>`
    SELECT latest.* FROM (
      SELECT DISTINCT ON (r.calendar_id) r.calendar_id::text AS calendar_id, c.name AS calendar_name, c.connection_id::text AS connection_id,
        r.status::text AS status, r.error, r.started_at
      FROM sync_runs r JOIN calendars c ON c.id = r.calendar_id
      WHERE c.sync_enabled AND r.started_at >= ${new Date(now.getTime() - LATEST_RUN_LOOKBACK_MS)}::timestamptz ${scoped("r", organizationId)}
      ORDER BY r.calendar_id, r.started_at DESC
    ) latest
    WHERE latest.status = 'failed'
    ORDER BY latest.started_at DESC`;
}

interface UncoveredCalendarRow {
  calendar_id: string;
  calendar_name: string;
  connection_id: string;
  last_synced_at: Date | null;
}

/**
 * Synced calendars of active connections that no push subscription covers at all (none
 * registered, or stopped and deleted): a subscription names its calendar, or covers
 * every calendar of its connection when it names none. One that is expired or failed
 * still covers its calendar here: those are reported, with their reason, on their own.
 * A pending one covers it only while its registration can still be under way
 * (PENDING_REGISTRATION_STALE_MS): older, a crash left it, and nothing is covered.
 */
async function calendarsWithoutPush(organizationId: string | undefined, now: Date): Promise<UncoveredCalendarRow[]> {
  const staleBefore = new Date(now.getTime() - PENDING_REGISTRATION_STALE_MS);
  const database = await db();
  return database.$queryRaw<UncoveredCalendarRow[]>`
    SELECT c.id::text AS calendar_id, c.name AS calendar_name, c.connection_id::text AS connection_id, c.last_synced_at
    FROM calendars c JOIN calendar_connections cc ON cc.id = c.connection_id
    WHERE c.sync_enabled AND cc.status = 'active' ${scoped("c", organizationId)}
      -- Poll-only by the provider's choice (holiday calendars): polled every few minutes, nothing to fix.
      AND c.push_unsupported_at IS NULL
      AND NOT EXISTS (
        SELECT 1 FROM webhook_subscriptions s
        WHERE s.connection_id = c.connection_id AND (s.calendar_id = c.id OR s.calendar_id IS NULL)
          AND (s.status IN ('active', 'expired', 'failed')
               OR (s.status = 'pending' AND s.created_at > ${staleBefore}))
      )
    ORDER BY c.name, c.id`;
}

interface SubscriptionRow {
  id: string;
  connectionId: string;
  provider: ProviderName;
  status: "pending" | "active" | "expired" | "failed";
  expiresAt: Date | null;
  suspect: boolean;
  suspectCount: number;
  renewalFailures: number;
  lastError: string | null;
  calendar: { name: string } | null;
  connection: { accountEmail: string; status: ConnectionStatus };
}

function subscriptionLabel(subscription: SubscriptionRow): string {
  return `${subscription.calendar?.name ?? "All calendars"} (${subscription.connection.accountEmail}, ${PROVIDER_LABELS[subscription.provider].shortName})`;
}

function isLive(subscription: SubscriptionRow): boolean {
  return subscription.status === "active" || subscription.status === "pending";
}

/** Push that should be running and is not: expired, or live past its expiry, on a connection still in use. */
function hasExpired(subscription: SubscriptionRow, now: Date): boolean {
  if (subscription.connection.status !== "active") return false;
  return subscription.status === "expired" || (isLive(subscription) && subscription.expiresAt !== null && subscription.expiresAt <= now);
}

function expiresSoon(subscription: SubscriptionRow, now: Date): boolean {
  return (
    isLive(subscription) &&
    subscription.expiresAt !== null &&
    subscription.expiresAt > now &&
    subscription.expiresAt.getTime() - now.getTime() < EXPIRING_SOON_MS
  );
}

function hoursUntil(date: Date, now: Date): string {
  const hours = Math.max(0, (date.getTime() - now.getTime()) / HOUR_MS);
  return hours < 1 ? "within the hour" : `in ${plural(Math.round(hours), "hour")}`;
}

export async function healthReport(options: { organizationId?: string; now?: Date } = {}): Promise<HealthReport> {
  const now = options.now ?? new Date();
  const organizationId = options.organizationId;
  const since = new Date(now.getTime() - DAY_MS);
  const scope = organizationId ? { organizationId } : {};
  const database = await db();

  const [connections, subscriptions, lastNotifications, windowRows, backlogRows, hourly, failedRuns, failingCalendars, uncoveredCalendars] = await Promise.all([
    database.calendarConnection.findMany({
      where: { ...scope, status: { not: "revoked" } },
      orderBy: [{ createdAt: "asc" }, { id: "asc" }],
      select: {
        id: true,
        organizationId: true,
        provider: true,
        accountEmail: true,
        status: true,
        lastError: true,
        lastSyncedAt: true,
        user: { select: { name: true, email: true } },
      },
    }),
    database.webhookSubscription.findMany({
      where: { ...scope, status: { in: ["pending", "active", "expired", "failed"] }, connection: { status: { not: "revoked" } } },
      orderBy: [{ expiresAt: "asc" }, { id: "asc" }],
      select: {
        id: true,
        connectionId: true,
        provider: true,
        status: true,
        expiresAt: true,
        suspect: true,
        suspectCount: true,
        renewalFailures: true,
        lastError: true,
        calendar: { select: { name: true } },
        connection: { select: { accountEmail: true, status: true } },
      },
    }) as Promise<SubscriptionRow[]>,
    // Stopped subscriptions included: the last notification may have come through one.
    database.webhookSubscription.groupBy({ by: ["connectionId"], where: scope, _max: { lastNotificationAt: true } }),
    eventWindow(organizationId, since, now),
    eventBacklog(organizationId),
    hourlySeries(organizationId, now),
    failedRunsByConnection(organizationId, since),
    calendarsFailingToSync(organizationId, now),
    calendarsWithoutPush(organizationId, now),
  ]);

  const breakers = new Map(breakerStates().map((breaker) => [breaker.connectionId, breaker]));
  const lastNotificationOf = new Map(lastNotifications.map((row) => [row.connectionId, row._max.lastNotificationAt]));
  const windowOf = new Map(windowRows.filter((row) => row.total === 0).map((row) => [row.connection_id, row]));
  const totals = windowRows.find((row) => row.total === 1);
  const backlogOf = (connectionId: string | null, status: BacklogRow["status"]) =>
    backlogRows
      .filter((row) => (connectionId === null || row.connection_id === connectionId) && row.status === status)
      .reduce((sum, row) => sum + row.count, 0);

  const figures = (input: {
    window: EventWindowRow | undefined;
    lastNotificationAt: Date | null;
    lastSuccessfulSyncAt: Date | null;
    subscriptions: SubscriptionRow[];
    failedEvents: number;
    deadEvents: number;
    failedRuns24h: number;
  }): HealthFigures => {
    const live = input.subscriptions.filter(isLive);
    return {
      lastNotificationAt: iso(latest([input.lastNotificationAt, input.window?.last_received_at])),
      lastSuccessfulSyncAt: iso(input.lastSuccessfulSyncAt),
      expiryHorizon: iso(earliest(live.map((subscription) => subscription.expiresAt))),
      failures: { failedEvents: input.failedEvents, deadEvents: input.deadEvents, failedRuns24h: input.failedRuns24h },
      suspectSubscriptions: live.filter((subscription) => subscription.suspect).length,
      notifications24h: input.window?.notifications ?? 0,
      successRate: input.window ? successRate(input.window.processed, input.window.failed) : null,
      latency: {
        p50Ms: input.window?.p50 == null ? null : Math.round(input.window.p50),
        p95Ms: input.window?.p95 == null ? null : Math.round(input.window.p95),
      },
    };
  };

  const connectionReports: HealthConnection[] = connections.map((connection) => {
    const breaker = breakers.get(connection.id);
    return {
      id: connection.id,
      organizationId: connection.organizationId,
      provider: connection.provider,
      accountEmail: connection.accountEmail,
      connectedBy: connection.user ? { name: connection.user.name, email: connection.user.email ?? "" } : null,
      status: connection.status,
      lastError: connection.lastError,
      breaker: breaker ? { state: breaker.state, failures: breaker.failures, openedAt: iso(breaker.openedAt) } : null,
      ...figures({
        window: windowOf.get(connection.id),
        lastNotificationAt: lastNotificationOf.get(connection.id) ?? null,
        lastSuccessfulSyncAt: connection.lastSyncedAt,
        subscriptions: subscriptions.filter((subscription) => subscription.connectionId === connection.id),
        failedEvents: backlogOf(connection.id, "failed"),
        deadEvents: backlogOf(connection.id, "dead"),
        failedRuns24h: failedRuns.get(connection.id) ?? 0,
      }),
    };
  });

  const overall = figures({
    window: totals,
    lastNotificationAt: latest(lastNotifications.map((row) => row._max.lastNotificationAt)),
    lastSuccessfulSyncAt: latest(connections.map((connection) => connection.lastSyncedAt)),
    subscriptions,
    failedEvents: backlogOf(null, "failed"),
    deadEvents: backlogOf(null, "dead"),
    failedRuns24h: [...failedRuns.values()].reduce((sum, count) => sum + count, 0),
  });

  const assessment = assess({ now, connections, subscriptions, failingCalendars, uncoveredCalendars, overall, connectionReports });
  return {
    status: assessment.status,
    attention: assessment.status !== "ok",
    problems: assessment.problems,
    organizationId: organizationId ?? null,
    generatedAt: now.toISOString(),
    ...overall,
    hourly,
    connections: connectionReports,
    cards: assessment.cards,
  };
}

function assess(input: {
  now: Date;
  connections: Array<{ id: string; provider: ProviderName; accountEmail: string; status: ConnectionStatus; lastError: string | null }>;
  subscriptions: SubscriptionRow[];
  failingCalendars: FailedRunRow[];
  uncoveredCalendars: UncoveredCalendarRow[];
  overall: HealthFigures;
  connectionReports: HealthConnection[];
}): { status: HealthStatus; problems: string[]; cards: HealthCards } {
  const { now, overall } = input;
  const unhealthy: string[] = [];
  const degraded: string[] = [];
  const cards: HealthCards = { expiringSoon: [], suspect: [], failing: [], needsReconnect: [] };
  const emailOf = new Map(input.connections.map((connection) => [connection.id, connection.accountEmail]));

  for (const connection of input.connections.filter((candidate) => RECONNECT_STATUSES.includes(candidate.status))) {
    const label = `${connection.accountEmail} (${PROVIDER_LABELS[connection.provider].shortName})`;
    unhealthy.push(`${label} must be reconnected${connection.lastError ? `: ${connection.lastError}` : ""}`);
    cards.needsReconnect.push({
      id: connection.id,
      title: connection.accountEmail,
      detail: connection.lastError ?? `${PROVIDER_LABELS[connection.provider].shortName} access was lost`,
      href: "/onboarding/connect-calendar",
      at: null,
    });
  }

  for (const subscription of input.subscriptions) {
    const label = subscriptionLabel(subscription);
    const item = (detail: string, at: Date | null): HealthCardItem => ({
      id: subscription.id,
      title: subscription.calendar?.name ?? "All calendars",
      detail: `${subscription.connection.accountEmail}: ${detail}`,
      href: "/admin/subscriptions",
      at: iso(at),
    });
    if (hasExpired(subscription, now)) {
      unhealthy.push(`Push for ${label} has expired; only the poll keeps it in sync, every few minutes`);
      cards.failing.push(item("push expired", subscription.expiresAt));
      continue;
    }
    if (subscription.connection.status !== "active") continue;
    if (subscription.status === "failed") {
      degraded.push(`Push registration failed for ${label}${subscription.lastError ? `: ${subscription.lastError}` : ""}`);
      cards.failing.push(item(subscription.lastError ?? "registration failed", null));
      continue;
    }
    if (expiresSoon(subscription, now)) {
      degraded.push(`Push for ${label} expires ${hoursUntil(subscription.expiresAt!, now)}`);
      cards.expiringSoon.push(item(`expires ${hoursUntil(subscription.expiresAt!, now)}`, subscription.expiresAt));
    }
    if (subscription.suspect) {
      degraded.push(`Push for ${label} is suspect: a poll found changes no notification announced`);
      cards.suspect.push(item(`polls found unannounced changes ${plural(subscription.suspectCount, "time")}`, null));
    }
    if (subscription.renewalFailures > 0) {
      degraded.push(
        `Renewing push for ${label} failed ${plural(subscription.renewalFailures, "time")}${subscription.lastError ? `: ${subscription.lastError}` : ""}`,
      );
      cards.failing.push(item(`renewal failed ${plural(subscription.renewalFailures, "time")}`, null));
    }
  }

  const reconnecting = new Set(input.connections.filter((connection) => RECONNECT_STATUSES.includes(connection.status)).map((connection) => connection.id));
  for (const calendar of input.failingCalendars) {
    // Its account must be reconnected: that is the problem, already reported above.
    if (reconnecting.has(calendar.connection_id)) continue;
    degraded.push(
      `The last sync of ${calendar.calendar_name} (${emailOf.get(calendar.connection_id) ?? "unknown account"}) failed${calendar.error ? `: ${calendar.error}` : ""}`,
    );
    cards.failing.push({
      id: calendar.calendar_id,
      title: calendar.calendar_name,
      detail: `last sync failed${calendar.error ? `: ${calendar.error}` : ""}`,
      href: `/admin/sync-runs?calendarId=${calendar.calendar_id}`,
      at: iso(calendar.started_at),
    });
  }

  for (const calendar of input.uncoveredCalendars) {
    degraded.push(
      `${calendar.calendar_name} (${emailOf.get(calendar.connection_id) ?? "unknown account"}) has no push subscription; the poll keeps it in sync every few minutes until the hourly renewal registers one`,
    );
    cards.failing.push({
      id: calendar.calendar_id,
      title: calendar.calendar_name,
      detail: `${emailOf.get(calendar.connection_id) ?? "unknown account"}: no push; polled every few minutes until the hourly renewal registers it`,
      href: "/admin/subscriptions",
      at: iso(calendar.last_synced_at),
    });
  }

  const { deadEvents, failedEvents } = overall.failures;
  if (deadEvents > 0) {
    unhealthy.push(
      `${plural(deadEvents, "webhook event")} exhausted ${deadEvents === 1 ? "its" : "their"} retries; replay ${deadEvents === 1 ? "it" : "them"} from Webhook events`,
    );
    cards.failing.push({
      id: "dead-events",
      title: plural(deadEvents, "dead event"),
      detail: "retries exhausted; replay to sync again",
      href: "/admin/webhook-events?status=dead",
      at: null,
    });
  }
  if (failedEvents > 0) {
    degraded.push(`${plural(failedEvents, "webhook event")} failed and ${failedEvents === 1 ? "waits" : "wait"} for a retry`);
    cards.failing.push({
      id: "failed-events",
      title: plural(failedEvents, "failed event"),
      detail: "waiting for an automatic retry",
      href: "/admin/webhook-events?status=failed",
      at: null,
    });
  }

  for (const connection of input.connectionReports) {
    if (connection.breaker && connection.breaker.state !== "closed") {
      degraded.push(
        `Calls to ${PROVIDER_LABELS[connection.provider].shortName} for ${connection.accountEmail} are paused after ${plural(connection.breaker.failures, "failure")} (circuit ${connection.breaker.state.replace("_", "-")})`,
      );
      cards.failing.push({
        id: connection.id,
        title: connection.accountEmail,
        detail: `provider circuit ${connection.breaker.state.replace("_", "-")} after ${plural(connection.breaker.failures, "failure")}`,
        href: null,
        at: connection.breaker.openedAt,
      });
    }
  }

  const status: HealthStatus = unhealthy.length > 0 ? "unhealthy" : degraded.length > 0 ? "degraded" : "ok";
  return { status, problems: [...unhealthy, ...degraded], cards };
}
