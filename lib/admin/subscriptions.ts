import type { AdminSubscription, AdminSubscriptionActionResponse, SubscriptionStatus } from "@/lib/api/types";
import { db } from "@/lib/db/client";
import { conflict, notFound, unavailable } from "@/lib/http/errors";
import { renewSubscription, stopSubscription } from "@/lib/subscriptions/lifecycle";
import { iso } from "@/lib/format";
import { eventSummarySelect, toAdminEvent } from "./events";

// Push subscriptions of one organization as the console shows them, and the three
// things an admin can do to one: renew it, register it afresh, stop it. The work
// itself is lib/subscriptions/lifecycle.ts; this adds the organization scope and
// the answers a person needs.

export const ALL_CALENDARS = "All calendars";
const RECENT_EVENTS = 5;
const LIST_LIMIT = 200;
const DAY_MS = 24 * 60 * 60_000;

// Live ones first: they are what an admin acts on; stopped ones are history.
const STATUS_ORDER: SubscriptionStatus[] = ["failed", "expired", "active", "pending", "stopped"];

async function loadSubscriptions(organizationId: string, options: { id?: string; statuses?: SubscriptionStatus[]; now: Date }): Promise<AdminSubscription[]> {
  const database = await db();
  const rows = await database.webhookSubscription.findMany({
    where: { organizationId, ...(options.id ? { id: options.id } : {}), ...(options.statuses?.length ? { status: { in: options.statuses } } : {}) },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: LIST_LIMIT,
    select: {
      id: true,
      provider: true,
      connectionId: true,
      calendarId: true,
      externalId: true,
      status: true,
      expiresAt: true,
      lastNotificationAt: true,
      lastRenewedAt: true,
      suspect: true,
      suspectCount: true,
      renewalFailures: true,
      lastError: true,
      createdAt: true,
      connection: { select: { accountEmail: true, status: true } },
      calendar: { select: { name: true } },
      webhookEvents: { orderBy: [{ receivedAt: "desc" }, { id: "desc" }], take: RECENT_EVENTS, select: eventSummarySelect },
    },
  });
  if (rows.length === 0) return [];
  const counts = await database.webhookEvent.groupBy({
    by: ["subscriptionId"],
    where: { organizationId, subscriptionId: { in: rows.map((row) => row.id) }, receivedAt: { gte: new Date(options.now.getTime() - DAY_MS) } },
    _count: { _all: true },
  });
  const countOf = new Map(counts.map((count) => [count.subscriptionId, count._count._all]));
  return rows
    .map((row) => ({
      id: row.id,
      provider: row.provider,
      connectionId: row.connectionId,
      connectionStatus: row.connection.status,
      accountEmail: row.connection.accountEmail,
      calendarId: row.calendarId,
      // No calendar: an account-wide subscription (Graph watches the whole mailbox).
      calendarName: row.calendar?.name ?? ALL_CALENDARS,
      externalId: row.externalId,
      status: row.status,
      expiresAt: iso(row.expiresAt),
      lastNotificationAt: iso(row.lastNotificationAt),
      lastRenewedAt: iso(row.lastRenewedAt),
      notifications24h: countOf.get(row.id) ?? 0,
      suspect: row.suspect,
      suspectCount: row.suspectCount,
      renewalFailures: row.renewalFailures,
      lastError: row.lastError,
      createdAt: row.createdAt.toISOString(),
      recentEvents: row.webhookEvents.map(toAdminEvent),
    }))
    .sort((a, b) => STATUS_ORDER.indexOf(a.status) - STATUS_ORDER.indexOf(b.status));
}

export async function listSubscriptions(organizationId: string, options: { statuses?: SubscriptionStatus[]; now?: Date } = {}): Promise<AdminSubscription[]> {
  return loadSubscriptions(organizationId, { statuses: options.statuses, now: options.now ?? new Date() });
}

export async function oneSubscription(organizationId: string, id: string, now = new Date()): Promise<AdminSubscription> {
  const [subscription] = await loadSubscriptions(organizationId, { id, now });
  if (!subscription) throw notFound("no such subscription");
  return subscription;
}

/**
 * Renews one subscription now (Graph: extend its expiry; Google: a new channel, the
 * old one stopped), or with `recreate` registers a brand-new one at the provider.
 */
export async function refreshSubscription(organizationId: string, id: string, options: { recreate: boolean }): Promise<AdminSubscriptionActionResponse> {
  const before = await oneSubscription(organizationId, id);
  if (before.status === "stopped" && !options.recreate) throw conflict("the subscription was deleted; re-register it to start push again");
  if (before.connectionStatus !== "active")
    throw conflict(`the account must be reconnected first (the connection is ${before.connectionStatus.replace("_", " ")})`);
  const outcome = await renewSubscription(id, { organizationId, recreate: options.recreate });
  if (outcome.action === "failed") {
    // Recorded on the subscription (renewal failures, last error); the hourly renewal tries again.
    throw unavailable(`the provider did not renew it: ${(outcome.error ?? "unknown error").slice(0, 300)}`);
  }
  if (outcome.action === "skipped" && outcome.error === "not found") throw notFound("no such subscription");
  return {
    action: outcome.action,
    expiresAt: iso(outcome.expiresAt),
    message: outcome.action === "skipped" ? (outcome.error ?? null) : null,
    subscription: await oneSubscription(organizationId, id),
  };
}

/** Stops it at the provider (best effort, as disconnecting does) and marks it stopped. */
export async function deleteSubscription(organizationId: string, id: string): Promise<AdminSubscriptionActionResponse> {
  const stopped = await stopSubscription(id, { organizationId });
  if (!stopped) throw notFound("no such subscription");
  return { action: "stopped", expiresAt: null, message: null, subscription: await oneSubscription(organizationId, id) };
}
