import { randomUUID } from "node:crypto";
import { publicBaseUrl } from "@/lib/config";
import { db, type Database } from "@/lib/db/client";
import { RENEWAL_BATCH_SIZE, type JobPayloads, type FollowUp, type HandlerResult } from "@/lib/jobs/catalog";
import { logger } from "@/lib/log";
import { randomToken } from "@/lib/oauth/pkce";
import { secretHash as hashOfSecret } from "@/lib/subscriptions/identity";
import { withAccessToken } from "@/lib/oauth/tokens";
import { isProviderError } from "@/lib/providers/errors";
import { providerFor } from "@/lib/providers";
import type { CalendarProvider, PushChannel } from "@/lib/providers/port";
import { errorMessage } from "@/lib/format";
import { PENDING_REGISTRATION_STALE_MS, RENEWAL_MARGIN_MS, RENEWAL_RETRY_MS, RENEWAL_SPREAD_MS } from "@/lib/subscriptions/schedule";

// Push subscriptions, whole life: register, renew (Google: new channel, switch, stop
// the old; Graph: PATCH, recreate when gone), stop, and the history of replaced ids
// that keeps late notifications routable. Nothing else writes webhook_subscriptions.
//
// Registration is best-effort everywhere: a calendar without push still syncs, the
// poll covers it (every 5 minutes without push), and the hourly renewal job retries registration.
//
// Renewal is spread and batched like the poll: each subscription has its own slot in
// the margin before its expiry (renew_at, from calsync_renew_at in the renewal_schedule
// migration; the numbers in ./schedule.ts), written with every new expiry. The hourly
// cron claims the due ones in batches (FOR UPDATE SKIP LOCKED, moving the slot on in
// the same statement), oldest expiry first, then the connections where a synced
// calendar has no push, and renews or registers them inside the batch's step.

/** How long a calendar the provider refused push for is left to the poll before registration is tried again. */
export const PUSH_UNSUPPORTED_RETRY_MS = 7 * 24 * 60 * 60_000;

type Subscription = NonNullable<Awaited<ReturnType<typeof loadSubscription>>>;
type Tx = Parameters<Parameters<Database["$transaction"]>[0]>[0];
type Executor = Pick<Database, "$executeRawUnsafe"> | Pick<Tx, "$executeRawUnsafe">;

/**
 * Gives a subscription its renewal slot from the expiry it now has: part of every
 * write of a new expiry (registration, extension, replacement), in its transaction.
 */
function scheduleRenewal(client: Executor, subscriptionId: string) {
  return client.$executeRawUnsafe(
    `UPDATE webhook_subscriptions SET renew_at = calsync_renew_at(id, expires_at, $2::bigint, $3::bigint) WHERE id = $1::uuid`,
    subscriptionId,
    RENEWAL_MARGIN_MS,
    RENEWAL_SPREAD_MS,
  );
}

export function webhookUrls(provider: Pick<CalendarProvider, "name">, base = publicBaseUrl()): { notificationUrl: string; lifecycleUrl: string } {
  return { notificationUrl: `${base}/api/webhooks/${provider.name}`, lifecycleUrl: `${base}/api/webhooks/${provider.name}/lifecycle` };
}

async function loadSubscription(subscriptionId: string, organizationId?: string) {
  const database = await db();
  return database.webhookSubscription.findFirst({
    where: { id: subscriptionId, ...(organizationId ? { organizationId } : {}) },
    include: {
      connection: { select: { id: true, provider: true, status: true, organizationId: true } },
      calendar: { select: { id: true, providerCalendarId: true, syncEnabled: true } },
    },
  });
}

export interface RegisterOutcome {
  calendarId: string | null;
  /** poll_only: the provider offers no push for this calendar (it is polled at the short interval). */
  status: "active" | "failed" | "poll_only";
  subscriptionId: string;
  error?: string;
}

/** Where a channel's notifications route while its `watch` call is in flight. */
type Holder = { kind: "subscription"; id: string } | { kind: "forward"; id: string };

/**
 * Creates one channel/subscription at the provider for `calendar` (or the whole
 * account). Its id is routable before the provider is called, because Google's
 * first `sync` message can overtake the watch response: a new subscription gets a
 * pending row of its own; a replacement gets a forward entry in the id history
 * pointing at the subscription it renews (whose row is never deleted, so a
 * notification stored meanwhile always has a parent).
 */
async function createOne(
  connection: { id: string; provider: "google" | "microsoft"; organizationId: string },
  calendar: { id: string; providerCalendarId: string } | null,
  expiresAt: Date,
  replacing?: { subscriptionId: string },
): Promise<{ holder: Holder; secret: string; secretHash: string; channel?: PushChannel; error?: unknown }> {
  const database = await db();
  const secret = randomToken(32);
  const secretHash = hashOfSecret(secret);
  const channelId = randomUUID();
  const holder: Holder = replacing
    ? {
        kind: "forward",
        id: (
          await database.replacedSubscriptionId.create({
            data: { organizationId: connection.organizationId, subscriptionId: replacing.subscriptionId, externalId: channelId, secretHash },
            select: { id: true },
          })
        ).id,
      }
    : {
        kind: "subscription",
        id: (
          await database.webhookSubscription.create({
            data: {
              organizationId: connection.organizationId,
              connectionId: connection.id,
              calendarId: calendar?.id ?? null,
              provider: connection.provider,
              externalId: channelId,
              secretHash,
              secret,
              status: "pending",
            },
            select: { id: true },
          })
        ).id,
      };
  try {
    const channel = await withAccessToken(connection, (token, provider) => {
      const urls = webhookUrls(provider);
      return provider.createPush(token, {
        providerCalendarId: calendar?.providerCalendarId ?? "primary",
        channelId,
        secret,
        notificationUrl: urls.notificationUrl,
        lifecycleUrl: urls.lifecycleUrl,
        expiresAt,
      });
    });
    return { holder, secret, secretHash, channel };
  } catch (error) {
    return { holder, secret, secretHash, error };
  }
}

function lifetimeFor(provider: CalendarProvider, now: Date): Date {
  return new Date(now.getTime() + provider.maxPushLifetimeMs);
}

/**
 * Registers push for every synced calendar of the connection that has none (Google)
 * or for the account (Graph). Never throws for a provider failure: it is recorded on
 * the subscription row and retried by the renewal job.
 */
export async function registerPush(connectionId: string, organizationId: string, now = new Date()): Promise<RegisterOutcome[]> {
  const database = await db();
  const connection = await database.calendarConnection.findFirst({
    where: { id: connectionId, organizationId, status: "active" },
    select: {
      id: true,
      provider: true,
      organizationId: true,
      calendars: {
        // A calendar the provider refused push for is polled; it is asked again after a while.
        where: { syncEnabled: true, OR: [{ pushUnsupportedAt: null }, { pushUnsupportedAt: { lt: new Date(now.getTime() - PUSH_UNSUPPORTED_RETRY_MS) } }] },
        select: { id: true, providerCalendarId: true },
      },
    },
  });
  if (!connection) return [];
  const provider = providerFor(connection.provider);
  // A pending row past PENDING_REGISTRATION_STALE_MS is a crash's leftover, not a registration under way.
  const staleBefore = new Date(now.getTime() - PENDING_REGISTRATION_STALE_MS);
  const live = await database.webhookSubscription.findMany({
    where: { connectionId, OR: [{ status: "active" }, { status: "pending", createdAt: { gt: staleBefore } }] },
    select: { calendarId: true },
  });
  const covered = new Set(live.map((subscription) => subscription.calendarId ?? "account"));
  const targets =
    provider.pushScope === "account"
      ? covered.has("account") || connection.calendars.length === 0
        ? []
        : [null]
      : connection.calendars.filter((calendar) => !covered.has(calendar.id));
  const outcomes: RegisterOutcome[] = [];
  for (const calendar of targets) {
    // A new registration supersedes what the renewal cron would otherwise retry for this
    // calendar (a failed registration, an expired channel, a stale pending row): one
    // attempt at a time, and never a second live subscription once the cron gets to the old row.
    await database.webhookSubscription.updateMany({
      where: {
        connectionId,
        calendarId: calendar?.id ?? null,
        OR: [{ status: { in: ["failed", "expired"] } }, { status: "pending", createdAt: { lte: staleBefore } }],
      },
      data: { status: "stopped", renewAt: null },
    });
    const created = await createOne(connection, calendar, lifetimeFor(provider, now));
    outcomes.push(await recordCreation(created, calendar?.id ?? null, now));
  }
  return outcomes;
}

async function recordCreation(created: Awaited<ReturnType<typeof createOne>>, calendarId: string | null, now: Date): Promise<RegisterOutcome> {
  const database = await db();
  if (created.channel) {
    await database.$transaction([
      database.webhookSubscription.update({
        where: { id: created.holder.id },
        data: {
          externalId: created.channel.externalId,
          resourceId: created.channel.resourceId,
          resource: created.channel.resource,
          expiresAt: created.channel.expiresAt,
          status: "active",
          lastError: null,
        },
      }),
      scheduleRenewal(database, created.holder.id),
    ]);
    return { calendarId, status: "active", subscriptionId: created.holder.id };
  }
  const message = errorMessage(created.error);
  if (calendarId && isProviderError(created.error, "push_unsupported")) {
    // Not a failure: this calendar can only be polled. No channel exists, so the
    // pending row (nothing can have reached it) goes, and the calendar says why.
    await database.$transaction([
      database.webhookSubscription.delete({ where: { id: created.holder.id } }),
      database.calendar.update({ where: { id: calendarId }, data: { pushUnsupportedAt: new Date() } }),
    ]);
    logger.info("subscription.push_unsupported", { calendarId });
    return { calendarId, status: "poll_only", subscriptionId: created.holder.id };
  }
  // The renewal cron registers it again at its next run (renew_at), unless a registration for the calendar supersedes it first.
  await database.webhookSubscription.update({
    where: { id: created.holder.id },
    data: { status: "failed", lastError: message.slice(0, 500), renewAt: new Date(now.getTime() + RENEWAL_RETRY_MS) },
  });
  logger.warn("subscription.register_failed", { subscriptionId: created.holder.id, error: message });
  return { calendarId, status: "failed", subscriptionId: created.holder.id, error: message };
}

export interface RenewOutcome {
  subscriptionId: string;
  action: "extended" | "replaced" | "recreated" | "failed" | "skipped";
  expiresAt?: Date | null;
  error?: string;
}

/**
 * Renews one subscription. Graph: PATCH the expiry (recreate on 404). Google: a new
 * channel, then switch the row over (the old id goes to the history, still
 * routable), then stop the old channel: there is never a moment without a channel.
 */
export async function renewSubscription(
  subscriptionId: string,
  options: { organizationId?: string; now?: Date; recreate?: boolean } = {},
): Promise<RenewOutcome> {
  const now = options.now ?? new Date();
  const database = await db();
  const subscription = await loadSubscription(subscriptionId, options.organizationId);
  if (!subscription) return { subscriptionId, action: "skipped", error: "not found" };
  if (subscription.connection.status !== "active") return { subscriptionId, action: "skipped", error: `connection is ${subscription.connection.status}` };
  const provider = providerFor(subscription.provider);
  const expiresAt = lifetimeFor(provider, now);
  if (provider.renewal === "extend" && !options.recreate && subscription.status === "active") {
    try {
      const extended = await withAccessToken(subscription.connection, (token, port) =>
        port.extendPush(token, { externalId: subscription.externalId, resourceId: subscription.resourceId }, expiresAt),
      );
      await database.$transaction([
        database.webhookSubscription.update({
          where: { id: subscription.id },
          data: { expiresAt: extended.expiresAt, lastRenewedAt: now, renewalFailures: 0, lastError: null, suspect: false },
        }),
        scheduleRenewal(database, subscription.id),
      ]);
      return { subscriptionId, action: "extended", expiresAt: extended.expiresAt };
    } catch (err) {
      if (!isProviderError(err, "not_found")) return recordRenewalFailure(subscription, err);
      // Gone at the provider: fall through and create a new one.
    }
  }
  return replaceSubscription(subscription, expiresAt, now);
}

async function replaceSubscription(subscription: Subscription, expiresAt: Date, now: Date): Promise<RenewOutcome> {
  const database = await db();
  const calendar = subscription.calendar;
  if (subscription.calendarId && (!calendar || !calendar.syncEnabled)) {
    await stopSubscription(subscription.id, { organizationId: subscription.organizationId });
    return { subscriptionId: subscription.id, action: "skipped", error: "calendar no longer synced" };
  }
  const created = await createOne(subscription.connection, calendar, expiresAt, { subscriptionId: subscription.id });
  if (!created.channel) {
    await database.replacedSubscriptionId.delete({ where: { id: created.holder.id } });
    return recordRenewalFailure(subscription, created.error);
  }
  const channel = created.channel;
  const previous = {
    externalId: subscription.externalId,
    resourceId: subscription.resourceId,
    secretHash: subscription.secretHash,
    expiresAt: subscription.expiresAt,
  };
  const wasLive = subscription.status === "active" || subscription.status === "pending";
  // The forward entry becomes the subscription's current id, and the old id joins
  // the history, in one step: the row keeps its id, history and event log. Two
  // renewals of one subscription can overlap (the renewal job, a lifecycle event,
  // an operator's refresh); only the one that still finds the id it replaced
  // switches the row (the update waits for the other's commit, then re-checks).
  const switched = await database.$transaction(async (tx) => {
    const moved = await tx.webhookSubscription.updateMany({
      where: { id: subscription.id, externalId: previous.externalId },
      data: {
        externalId: channel.externalId,
        resourceId: channel.resourceId,
        resource: channel.resource,
        secretHash: created.secretHash,
        secret: created.secret,
        expiresAt: channel.expiresAt,
        status: "active",
        lastRenewedAt: now,
        renewalFailures: 0,
        lastError: null,
        suspect: false,
      },
    });
    if (moved.count === 0) return false;
    await scheduleRenewal(tx, subscription.id);
    await tx.replacedSubscriptionId.delete({ where: { id: created.holder.id } });
    if (wasLive) {
      await tx.replacedSubscriptionId.create({
        data: { organizationId: subscription.organizationId, subscriptionId: subscription.id, ...previous, replacedAt: now },
      });
    }
    return true;
  });
  if (!switched) {
    // The other renewal won: its channel is the one in use, ours only costs quota.
    await stopAtProvider(subscription.connection, { externalId: channel.externalId, resourceId: channel.resourceId });
    await database.replacedSubscriptionId.delete({ where: { id: created.holder.id } });
    logger.info("subscription.renewal_superseded", { subscriptionId: subscription.id });
    return { subscriptionId: subscription.id, action: "skipped", error: "renewed concurrently" };
  }
  if (wasLive) {
    await stopAtProvider(subscription.connection, previous);
    await database.replacedSubscriptionId.updateMany({ where: { externalId: previous.externalId }, data: { stoppedAt: new Date() } });
  }
  const action = providerFor(subscription.provider).renewal === "replace" && wasLive ? "replaced" : "recreated";
  logger.info("subscription.renewed", { subscriptionId: subscription.id, action });
  return { subscriptionId: subscription.id, action, expiresAt: channel.expiresAt };
}

async function recordRenewalFailure(subscription: Subscription, err: unknown): Promise<RenewOutcome> {
  const database = await db();
  const message = errorMessage(err);
  const expired = subscription.expiresAt !== null && subscription.expiresAt.getTime() <= Date.now();
  await database.webhookSubscription.update({
    where: { id: subscription.id },
    data: { renewalFailures: { increment: 1 }, lastError: message.slice(0, 500), ...(expired ? { status: "expired" } : {}) },
  });
  logger.warn("subscription.renew_failed", { subscriptionId: subscription.id, error: message });
  return { subscriptionId: subscription.id, action: "failed", error: message };
}

async function stopAtProvider(
  connection: { id: string; provider: "google" | "microsoft" },
  handle: { externalId: string; resourceId: string | null },
): Promise<void> {
  try {
    await withAccessToken(connection, (token, provider) => provider.stopPush(token, handle));
  } catch (err) {
    // Best-effort: an unstoppable channel expires on its own, and its notifications
    // no longer verify once the grace period is over.
    logger.warn("subscription.stop_failed", { error: errorMessage(err) });
  }
}

/** Stops one subscription at the provider (best-effort) and marks it stopped. */
export async function stopSubscription(subscriptionId: string, options: { organizationId?: string; reachProvider?: boolean } = {}): Promise<boolean> {
  const database = await db();
  const subscription = await loadSubscription(subscriptionId, options.organizationId);
  if (!subscription) return false;
  if (
    options.reachProvider !== false &&
    subscription.connection.status === "active" &&
    (subscription.status === "active" || subscription.status === "pending")
  ) {
    await stopAtProvider(subscription.connection, subscription);
  }
  await database.webhookSubscription.update({ where: { id: subscription.id }, data: { status: "stopped", renewAt: null } });
  await database.replacedSubscriptionId.updateMany({ where: { subscriptionId: subscription.id, stoppedAt: null }, data: { stoppedAt: new Date() } });
  return true;
}

/** Every live subscription of a connection (disconnect, lost access). */
export async function stopAllForConnection(
  connectionId: string,
  options: { organizationId: string; reachProvider: boolean; reason?: string },
): Promise<number> {
  const database = await db();
  const live = await database.webhookSubscription.findMany({
    where: { connectionId, organizationId: options.organizationId, status: { in: ["pending", "active", "failed", "expired"] } },
    select: { id: true },
  });
  for (const subscription of live) await stopSubscription(subscription.id, { organizationId: options.organizationId, reachProvider: options.reachProvider });
  if (options.reason && live.length > 0) {
    await database.webhookSubscription.updateMany({ where: { id: { in: live.map((s) => s.id) } }, data: { lastError: options.reason } });
  }
  return live.length;
}

/** Calendars whose sync a subscription's notifications cover. */
async function coveredCalendars(subscription: Subscription): Promise<Array<{ organizationId: string; calendarId: string }>> {
  const database = await db();
  const calendars = await database.calendar.findMany({
    where: { connectionId: subscription.connectionId, syncEnabled: true, ...(subscription.calendarId ? { id: subscription.calendarId } : {}) },
    select: { id: true, organizationId: true },
  });
  return calendars.map((calendar) => ({ organizationId: calendar.organizationId, calendarId: calendar.id }));
}

/** Graph lifecycle notifications (and anything that means the same for Google). */
export async function handleLifecycleEvent(
  subscriptionId: string,
  lifecycleEvent: JobPayloads["subscription/lifecycle"]["lifecycleEvent"],
  organizationId?: string,
): Promise<{ renewal?: RenewOutcome; resync: Array<{ organizationId: string; calendarId: string }> }> {
  const subscription = await loadSubscription(subscriptionId, organizationId);
  if (!subscription) return { resync: [] };
  const database = await db();
  if (subscription.status === "stopped") {
    // We stopped it (stopping at the provider is best-effort): renewing would bring
    // it back to life. Its events are answered for, so recovery does not pick them up.
    await database.webhookEvent.updateMany({
      where: { subscriptionId: subscription.id, changeType: lifecycleEvent, status: "pending" },
      data: { status: "ignored", error: "subscription stopped", processedAt: new Date() },
    });
    return { resync: [] };
  }
  let renewal: RenewOutcome | undefined;
  let resync: Array<{ organizationId: string; calendarId: string }> = [];
  if (lifecycleEvent === "reauthorizationRequired") {
    // PATCH renews and reauthorizes in one call.
    renewal = await renewSubscription(subscription.id, { organizationId: subscription.organizationId });
  } else if (lifecycleEvent === "subscriptionRemoved") {
    renewal = await renewSubscription(subscription.id, { organizationId: subscription.organizationId, recreate: true });
    resync = await coveredCalendars(subscription);
  } else {
    resync = await coveredCalendars(subscription);
  }
  await database.webhookEvent.updateMany({
    where: { subscriptionId: subscription.id, changeType: lifecycleEvent, status: "pending" },
    data: { status: "processed", processedAt: new Date() },
  });
  return { renewal, resync };
}

export async function lifecycleJob(data: JobPayloads["subscription/lifecycle"]): Promise<HandlerResult> {
  const outcome = await handleLifecycleEvent(data.subscriptionId, data.lifecycleEvent, data.organizationId);
  const followUps: FollowUp[] = outcome.resync.map((calendar) => ({ name: "calendar/sync.requested", data: { ...calendar, trigger: "lifecycle" } }));
  return { followUps, summary: { action: outcome.renewal?.action ?? "resync", calendars: outcome.resync.length } };
}

export interface RenewalPlanItem {
  subscriptionId: string;
  organizationId: string;
  provider: "google" | "microsoft";
  externalId: string;
  expiresAt: Date | null;
  reason: "expiring" | "expired" | "suspect" | "failed";
}

/**
 * What an operator's renewal (the refresh-subscriptions command) touches: everything
 * expiring within the margin, whatever its slot, and what is expired, suspect or a
 * failed registration. The hourly cron takes the same kinds of subscription, each at
 * its slot (claimDueRenewals).
 */
export async function renewalPlan(options: { now?: Date; marginMs?: number; organizationId?: string } = {}): Promise<RenewalPlanItem[]> {
  const now = options.now ?? new Date();
  const horizon = new Date(now.getTime() + (options.marginMs ?? RENEWAL_MARGIN_MS));
  const database = await db();
  const candidates = await database.webhookSubscription.findMany({
    where: {
      ...(options.organizationId ? { organizationId: options.organizationId } : {}),
      connection: { status: "active" },
      OR: [{ status: "active", expiresAt: { lt: horizon } }, { status: "active", suspect: true }, { status: { in: ["expired", "failed"] } }],
    },
    select: { id: true, organizationId: true, provider: true, externalId: true, expiresAt: true, status: true, suspect: true },
    orderBy: { expiresAt: "asc" },
  });
  return candidates.map((subscription) => ({
    subscriptionId: subscription.id,
    organizationId: subscription.organizationId,
    provider: subscription.provider,
    externalId: subscription.externalId,
    expiresAt: subscription.expiresAt,
    reason: reasonOf(subscription, now),
  }));
}

function reasonOf(subscription: { status: string; suspect: boolean; expiresAt: Date | null }, now: Date): RenewalPlanItem["reason"] {
  if (subscription.status === "failed") return "failed";
  if (subscription.status === "expired" || (subscription.expiresAt !== null && subscription.expiresAt <= now)) return "expired";
  return subscription.suspect ? "suspect" : "expiring";
}

/**
 * A synced calendar of connection `k` that push could cover and nothing covers: no
 * pending or active subscription of its own or of the whole account (Graph), nor a
 * failed registration waiting for its retry (its own slot), and not one the provider
 * refused push for lately; a pending row older than PENDING_REGISTRATION_STALE_MS
 * covers nothing. The same calendars registerPush registers. $1 is now, $2
 * PUSH_UNSUPPORTED_RETRY_MS. Two anti-joins rather than one with an OR: PostgreSQL
 * hashes each (0.2 s for 100,000 calendars, against 1.3 s probing per calendar).
 */
const LIVE_SUBSCRIPTION = `(s.status IN ('active', 'failed') OR (s.status = 'pending' AND s.created_at > $1::timestamptz - ${PENDING_REGISTRATION_STALE_MS} * interval '1 millisecond'))`;
const MISSING_PUSH = `EXISTS (
  SELECT 1 FROM calendars c
   WHERE c.connection_id = k.id AND c.sync_enabled
     AND (c.push_unsupported_at IS NULL OR c.push_unsupported_at < $1::timestamptz - $2::bigint * interval '1 millisecond')
     AND NOT EXISTS (SELECT 1 FROM webhook_subscriptions s
                      WHERE s.connection_id = c.connection_id AND s.calendar_id = c.id AND ${LIVE_SUBSCRIPTION})
     AND NOT EXISTS (SELECT 1 FROM webhook_subscriptions s
                      WHERE s.connection_id = c.connection_id AND s.calendar_id IS NULL AND ${LIVE_SUBSCRIPTION}))`;

export interface ClaimedRenewal {
  subscriptionId: string;
  organizationId: string;
  connectionId: string;
  status: "active" | "expired" | "failed";
  suspect: boolean;
  expiresAt: Date | null;
}

/**
 * Claims up to `limit` subscriptions whose renewal slot has come (of active
 * connections), oldest expiry first (failed registrations, which have none, before
 * all), and moves each slot on by RENEWAL_RETRY_MS in the same statement: an
 * overlapping run skips them, and one whose renewal fails is due again at the next
 * run. A renewal that succeeds gives it its next slot from the new expiry. A
 * system-wide scan by design, like the poll; each row carries its organization.
 */
export async function claimDueRenewals(options: { now?: Date; limit?: number } = {}): Promise<ClaimedRenewal[]> {
  const now = options.now ?? new Date();
  const database = await db();
  const claimed = await database.$queryRawUnsafe<ClaimedRenewal[]>(
    `WITH due AS (
       SELECT s.id
         FROM webhook_subscriptions s
         JOIN calendar_connections k ON k.id = s.connection_id
        WHERE s.renew_at <= $1::timestamptz AND s.status IN ('active', 'expired', 'failed') AND k.status = 'active'
        ORDER BY s.expires_at NULLS FIRST, s.id
        LIMIT $3
        FOR UPDATE OF s SKIP LOCKED
     )
     UPDATE webhook_subscriptions s
        SET renew_at = $1::timestamptz + $2::bigint * interval '1 millisecond'
       FROM due
      WHERE s.id = due.id
     RETURNING s.id::text AS "subscriptionId", s.organization_id::text AS "organizationId", s.connection_id::text AS "connectionId",
               s.status::text AS "status", s.suspect, s.expires_at AS "expiresAt"`,
    now,
    RENEWAL_RETRY_MS,
    options.limit ?? RENEWAL_BATCH_SIZE,
  );
  // RETURNING keeps no order: renew in the claim's.
  const expiry = (item: ClaimedRenewal) => item.expiresAt?.getTime() ?? Number.NEGATIVE_INFINITY;
  return claimed.sort((a, b) => expiry(a) - expiry(b) || a.subscriptionId.localeCompare(b.subscriptionId));
}

/**
 * Claims up to `limit` active connections with a synced calendar that has no push
 * (MISSING_PUSH), marking each checked in the same statement: an overlapping run
 * skips them, and one whose registration cannot succeed (or registers nothing) is
 * taken again only after RENEWAL_RETRY_MS. Connections with push everywhere are
 * never taken, so the pass costs a scan, not a provider call, per connection.
 */
export async function claimConnectionsMissingPush(
  options: { now?: Date; limit?: number } = {},
): Promise<Array<{ connectionId: string; organizationId: string }>> {
  const now = options.now ?? new Date();
  const database = await db();
  return database.$queryRawUnsafe(
    `UPDATE calendar_connections SET push_checked_at = $1::timestamptz
      WHERE id IN (SELECT k.id FROM calendar_connections k
                    WHERE k.status = 'active'
                      AND (k.push_checked_at IS NULL OR k.push_checked_at <= $1::timestamptz - $3::bigint * interval '1 millisecond')
                      AND ${MISSING_PUSH}
                    ORDER BY k.push_checked_at NULLS FIRST, k.id
                    LIMIT $4
                    FOR UPDATE OF k SKIP LOCKED)
      RETURNING id::text AS "connectionId", organization_id::text AS "organizationId"`,
    now,
    PUSH_UNSUPPORTED_RETRY_MS,
    RENEWAL_RETRY_MS,
    options.limit ?? RENEWAL_BATCH_SIZE,
  );
}

/** Every active connection (of one organization, or all) with a synced calendar that has no push, unclaimed: the operator's pass. */
async function connectionsMissingPush(now: Date, organizationId?: string): Promise<Array<{ connectionId: string; organizationId: string }>> {
  const database = await db();
  return database.$queryRawUnsafe(
    `SELECT k.id::text AS "connectionId", k.organization_id::text AS "organizationId"
       FROM calendar_connections k
      WHERE k.status = 'active' AND ($3::uuid IS NULL OR k.organization_id = $3::uuid) AND ${MISSING_PUSH}
      ORDER BY k.id`,
    now,
    PUSH_UNSUPPORTED_RETRY_MS,
    organizationId ?? null,
  );
}

/** Registrations as renewal outcomes (a calendar the provider refuses push for is no failure). */
function registrationOutcomes(registered: RegisterOutcome[]): RenewOutcome[] {
  return registered
    .filter((outcome) => outcome.status !== "poll_only")
    .map((outcome) => ({ subscriptionId: outcome.subscriptionId, action: outcome.status === "active" ? "recreated" : "failed", error: outcome.error }));
}

/** A failed registration's retry: the row stops, and its connection registers afresh. */
async function registerAgain(item: { subscriptionId: string; connectionId: string; organizationId: string }, now: Date): Promise<RenewOutcome[]> {
  const database = await db();
  // Already superseded (an attempt for its connection since), nothing left to retry.
  const stopped = await database.webhookSubscription.updateMany({
    where: { id: item.subscriptionId, status: "failed" },
    data: { status: "stopped", renewAt: null },
  });
  if (stopped.count === 0) return [];
  return registrationOutcomes(await registerPush(item.connectionId, item.organizationId, now));
}

/** One claimed item's work; an unexpected error is this item's failure, not the batch's (its slot has moved on: it is retried). */
async function guarded(subscriptionId: string, work: () => Promise<RenewOutcome[]>): Promise<RenewOutcome[]> {
  try {
    return await work();
  } catch (err) {
    logger.warn("subscription.renewal_batch_item_failed", { subscriptionId, error: errorMessage(err) });
    return [{ subscriptionId, action: "failed", error: errorMessage(err) }];
  }
}

/**
 * One batch of the renewal cron: the due subscriptions (renewed, recreated when
 * expired or suspect, a failed registration registered again), then, with what is
 * left of the batch, connections with a synced calendar missing push. `more` while
 * the batch was full. Provider failures are recorded on the rows, never thrown.
 */
export async function renewJob(options: { now?: Date; limit?: number } = {}): Promise<HandlerResult> {
  const now = options.now ?? new Date();
  const limit = options.limit ?? RENEWAL_BATCH_SIZE;
  const outcomes: RenewOutcome[] = [];
  const due = await claimDueRenewals({ now, limit });
  for (const item of due) {
    outcomes.push(
      ...(await guarded(item.subscriptionId, async () =>
        item.status === "failed"
          ? registerAgain(item, now)
          : [
              await renewSubscription(item.subscriptionId, {
                organizationId: item.organizationId,
                now,
                recreate: reasonOf(item, now) !== "expiring",
              }),
            ],
      )),
    );
  }
  const connections = due.length < limit ? await claimConnectionsMissingPush({ now, limit: limit - due.length }) : [];
  for (const connection of connections) {
    outcomes.push(
      ...(await guarded(connection.connectionId, async () =>
        registrationOutcomes(await registerPush(connection.connectionId, connection.organizationId, now)),
      )),
    );
  }
  const count = (action: RenewOutcome["action"]) => outcomes.filter((outcome) => outcome.action === action).length;
  return {
    summary: {
      subscriptions: due.length,
      connections: connections.length,
      extended: count("extended"),
      replaced: count("replaced"),
      recreated: count("recreated"),
      failed: count("failed"),
    },
    more: due.length + connections.length === limit,
  };
}

/**
 * The operator's renewal pass (refresh-subscriptions): renews the plan's
 * subscriptions now, then registers push wherever an active connection has a synced
 * calendar without it (a registration that failed, or one never made).
 */
export async function renewExpiring(options: { now?: Date; marginMs?: number; organizationId?: string } = {}): Promise<RenewOutcome[]> {
  const now = options.now ?? new Date();
  const database = await db();
  const outcomes: RenewOutcome[] = [];
  for (const item of await renewalPlan(options)) {
    if (item.reason === "failed") {
      // A registration that never worked: drop the row and register afresh below.
      await database.webhookSubscription.update({ where: { id: item.subscriptionId }, data: { status: "stopped", renewAt: null } });
      continue;
    }
    outcomes.push(await renewSubscription(item.subscriptionId, { now, recreate: item.reason === "suspect" || item.reason === "expired" }));
  }
  for (const connection of await connectionsMissingPush(now, options.organizationId)) {
    outcomes.push(...registrationOutcomes(await registerPush(connection.connectionId, connection.organizationId, now)));
  }
  return outcomes;
}
