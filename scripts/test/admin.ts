import { randomUUID } from "node:crypto";
import type { Database } from "@/lib/db/client";
import { Prisma } from "@/lib/db/generated/client";
import type { WebhookEventStatus } from "@/lib/api/types";

// Fixtures for the admin console's integration tests: one organization's Google
// and Microsoft connections, their calendars and push subscriptions, written
// directly, and notifications at chosen instants in chosen states. No provider is
// involved, so nothing here can pass by failing to reach one.

export interface AdminFixture {
  organizationId: string;
  google: {
    connectionId: string;
    calendarId: string;
    otherCalendarId: string;
    otherSubscriptionId: string;
    subscriptionId: string;
    channelId: string;
    replacedChannelId: string;
  };
  microsoft: { connectionId: string; calendarId: string; subscriptionId: string; externalId: string };
}

export async function seedAdminFixture(client: Database, organizationId: string, options: { now?: Date; tag?: string } = {}): Promise<AdminFixture> {
  const now = options.now ?? new Date();
  const tag = options.tag ?? randomUUID().slice(0, 8);
  const googleConnection = await client.calendarConnection.create({
    data: { organizationId, provider: "google", providerAccountId: `g-${tag}`, accountEmail: `alice-${tag}@example.com`, scopes: [], lastSyncedAt: now },
  });
  const calendar = await client.calendar.create({
    data: { organizationId, connectionId: googleConnection.id, providerCalendarId: `primary-${tag}`, name: `Alice ${tag}`, syncEnabled: true, isPrimary: true },
  });
  const otherCalendar = await client.calendar.create({
    data: { organizationId, connectionId: googleConnection.id, providerCalendarId: `team-${tag}`, name: `Team ${tag}`, syncEnabled: true },
  });
  const channelId = `chan-${tag}`;
  const replacedChannelId = `chan-old-${tag}`;
  const googleSubscription = await client.webhookSubscription.create({
    data: {
      organizationId,
      connectionId: googleConnection.id,
      calendarId: calendar.id,
      provider: "google",
      externalId: channelId,
      resourceId: `res-${tag}`,
      secretHash: "0".repeat(64),
      status: "active",
      expiresAt: new Date(now.getTime() + 6 * 24 * 60 * 60_000),
      lastNotificationAt: now,
    },
  });
  // Each synced Google calendar has a channel of its own, as after a real connect.
  const otherSubscription = await client.webhookSubscription.create({
    data: {
      organizationId,
      connectionId: googleConnection.id,
      calendarId: otherCalendar.id,
      provider: "google",
      externalId: `chan-team-${tag}`,
      resourceId: `res-team-${tag}`,
      secretHash: "3".repeat(64),
      status: "active",
      expiresAt: new Date(now.getTime() + 6 * 24 * 60 * 60_000),
    },
  });
  await client.replacedSubscriptionId.create({
    data: { organizationId, subscriptionId: googleSubscription.id, externalId: replacedChannelId, secretHash: "1".repeat(64), replacedAt: now },
  });

  const microsoftConnection = await client.calendarConnection.create({
    data: { organizationId, provider: "microsoft", providerAccountId: `m-${tag}`, accountEmail: `bob-${tag}@contoso.example`, scopes: [], lastSyncedAt: now },
  });
  const microsoftCalendar = await client.calendar.create({
    data: { organizationId, connectionId: microsoftConnection.id, providerCalendarId: `AAMk-${tag}`, name: `Bob ${tag}`, syncEnabled: true, isPrimary: true },
  });
  const externalId = `sub-${tag}`;
  const microsoftSubscription = await client.webhookSubscription.create({
    data: {
      organizationId,
      connectionId: microsoftConnection.id,
      calendarId: null,
      provider: "microsoft",
      externalId,
      resource: "me/events",
      secretHash: "2".repeat(64),
      status: "active",
      expiresAt: new Date(now.getTime() + 2 * 24 * 60 * 60_000),
    },
  });
  return {
    organizationId,
    google: {
      connectionId: googleConnection.id,
      calendarId: calendar.id,
      otherCalendarId: otherCalendar.id,
      otherSubscriptionId: otherSubscription.id,
      subscriptionId: googleSubscription.id,
      channelId,
      replacedChannelId,
    },
    microsoft: { connectionId: microsoftConnection.id, calendarId: microsoftCalendar.id, subscriptionId: microsoftSubscription.id, externalId },
  };
}

export interface EventSeed {
  organizationId: string;
  provider: "google" | "microsoft";
  subscriptionId: string | null;
  calendarId: string | null;
  externalId: string;
  status: WebhookEventStatus;
  receivedAt: Date;
  /** Milliseconds from receipt to processing (processed events). */
  latencyMs?: number;
  attempts?: number;
  error?: string | null;
  nextAttemptAt?: Date | null;
  headers?: Record<string, string>;
  body?: unknown;
  changeType?: string;
}

/** Inserts notifications as the webhook routes would have stored them; returns their ids in order. */
export async function insertEvents(client: Database, seeds: EventSeed[]): Promise<string[]> {
  const ids: string[] = [];
  for (const seed of seeds) {
    const row = await client.webhookEvent.create({
      data: {
        organizationId: seed.organizationId,
        provider: seed.provider,
        subscriptionId: seed.subscriptionId,
        calendarId: seed.calendarId,
        externalId: seed.externalId,
        changeType: seed.changeType ?? null,
        headers: seed.headers ?? { "content-type": "application/json" },
        body: seed.body === undefined ? Prisma.DbNull : (seed.body as Prisma.InputJsonValue),
        status: seed.status,
        attempts: seed.attempts ?? 0,
        error: seed.error ?? null,
        nextAttemptAt: seed.nextAttemptAt ?? null,
        receivedAt: seed.receivedAt,
        processedAt: seed.status === "processed" ? new Date(seed.receivedAt.getTime() + (seed.latencyMs ?? 0)) : null,
      },
      select: { id: true },
    });
    ids.push(row.id);
  }
  return ids;
}
