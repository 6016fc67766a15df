import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import type { FollowUp } from "@/lib/jobs/catalog";
import { installJobSender } from "@/lib/jobs/dispatch";
import { recoverPendingWork } from "@/lib/jobs/recovery";
import { setupTestDatabase } from "@/scripts/test/database";

const database = setupTestDatabase();

const NOW = new Date("2026-12-01T12:00:00Z");
const minutesAgo = (minutes: number) => new Date(NOW.getTime() - minutes * 60_000);
const minutesAhead = (minutes: number) => new Date(NOW.getTime() + minutes * 60_000);
const LATER = minutesAhead(3);

type Client = Awaited<ReturnType<typeof database.db>>;

async function seedOrganization(client: Client, options: { provider?: "google" | "microsoft"; status?: "active" | "needs_reconnect" } = {}) {
  const suffix = randomUUID().slice(0, 8);
  const organization = await client.organization.create({ data: { name: `Org ${suffix}`, slug: `org-${suffix}` } });
  const connection = await client.calendarConnection.create({
    data: {
      organizationId: organization.id,
      provider: options.provider ?? "google",
      providerAccountId: `account-${suffix}`,
      accountEmail: `person-${suffix}@example.com`,
      scopes: [],
      status: options.status ?? "active",
    },
  });
  return { organization, connection };
}

async function seedCalendar(
  client: Client,
  owner: { organization: { id: string }; connection: { id: string } },
  options: { syncEnabled?: boolean; nextPollAt?: Date | null } = {},
) {
  return client.calendar.create({
    data: {
      organizationId: owner.organization.id,
      connectionId: owner.connection.id,
      providerCalendarId: `cal-${randomUUID()}`,
      name: "Calendar",
      syncEnabled: options.syncEnabled ?? true,
      nextPollAt: options.nextPollAt === undefined ? LATER : options.nextPollAt,
    },
  });
}

async function seedEvent(
  client: Client,
  data: { organizationId: string; calendarId?: string; subscriptionId?: string; status?: "pending" | "processed" | "ignored" },
) {
  await client.webhookEvent.create({
    data: {
      organizationId: data.organizationId,
      calendarId: data.calendarId ?? null,
      subscriptionId: data.subscriptionId ?? null,
      provider: "google",
      externalId: `channel-${randomUUID()}`,
      headers: {},
      status: data.status ?? "pending",
    },
  });
}

/** The calendars `sent` asks to sync with `trigger`, sorted. */
function calendarsFor(sent: readonly FollowUp[], trigger: "webhook" | "poll"): string[] {
  return sent.flatMap((item) => (item.name === "calendar/sync.requested" && item.data.trigger === trigger ? [item.data.calendarId] : [])).sort();
}

async function recover() {
  const sent: FollowUp[] = [];
  const restore = installJobSender(async (items) => void sent.push(...items));
  try {
    const result = await recoverPendingWork({ now: NOW });
    return { result, sent };
  } finally {
    restore();
  }
}

describe("recoverPendingWork", () => {
  const expected = { webhook: [] as string[], poll: [] as string[] };
  const organizationOf = new Map<string, string>();

  beforeAll(async () => {
    const client = await database.db();

    // Organization A (Google): per-calendar notifications.
    const a = await seedOrganization(client);
    const notified = await seedCalendar(client, a);
    const notifiedTwice = await seedCalendar(client, a);
    const processedOnly = await seedCalendar(client, a);
    const notifiedAndOverdue = await seedCalendar(client, a, { nextPollAt: minutesAgo(60) });
    const disabledButNotified = await seedCalendar(client, a, { syncEnabled: false, nextPollAt: null });
    await seedEvent(client, { organizationId: a.organization.id, calendarId: notified.id });
    await seedEvent(client, { organizationId: a.organization.id, calendarId: notifiedTwice.id });
    await seedEvent(client, { organizationId: a.organization.id, calendarId: notifiedTwice.id });
    await seedEvent(client, { organizationId: a.organization.id, calendarId: processedOnly.id, status: "processed" });
    await seedEvent(client, { organizationId: a.organization.id, calendarId: processedOnly.id, status: "ignored" });
    await seedEvent(client, { organizationId: a.organization.id, calendarId: notifiedAndOverdue.id });
    await seedEvent(client, { organizationId: a.organization.id, calendarId: disabledButNotified.id });
    // Poll state alone: no slot yet, a slot that has passed, and one still ahead.
    const neverPolled = await seedCalendar(client, a, { nextPollAt: null });
    const overdue = await seedCalendar(client, a, { nextPollAt: minutesAgo(1) });
    await seedCalendar(client, a, { nextPollAt: minutesAhead(1) });

    // Organization B (Microsoft): a notification that names only the subscription.
    const b = await seedOrganization(client, { provider: "microsoft" });
    const mailboxCalendar1 = await seedCalendar(client, b);
    const mailboxCalendar2 = await seedCalendar(client, b);
    await seedCalendar(client, b, { syncEnabled: false });
    const subscription = await client.webhookSubscription.create({
      data: {
        organizationId: b.organization.id,
        connectionId: b.connection.id,
        provider: "microsoft",
        externalId: `sub-${randomUUID()}`,
        secretHash: "a".repeat(64),
        status: "active",
      },
    });
    await seedEvent(client, { organizationId: b.organization.id, subscriptionId: subscription.id });
    // A subscription whose only notifications were handled: nothing to redo.
    const c = await seedOrganization(client, { provider: "microsoft" });
    await seedCalendar(client, c);
    const handled = await client.webhookSubscription.create({
      data: {
        organizationId: c.organization.id,
        connectionId: c.connection.id,
        provider: "microsoft",
        externalId: `sub-${randomUUID()}`,
        secretHash: "b".repeat(64),
        status: "active",
      },
    });
    await seedEvent(client, { organizationId: c.organization.id, subscriptionId: handled.id, status: "processed" });

    // Organization D: a connection that needs reconnecting syncs nothing, whatever is pending.
    const d = await seedOrganization(client, { status: "needs_reconnect" });
    const stranded = await seedCalendar(client, d, { nextPollAt: null });
    await seedEvent(client, { organizationId: d.organization.id, calendarId: stranded.id });

    expected.webhook = [notified, notifiedTwice, notifiedAndOverdue, mailboxCalendar1, mailboxCalendar2].map((calendar) => calendar.id).sort();
    expected.poll = [neverPolled, overdue, notifiedAndOverdue].map((calendar) => calendar.id).sort();
    for (const calendar of [notified, notifiedTwice, notifiedAndOverdue, neverPolled, overdue]) organizationOf.set(calendar.id, a.organization.id);
    for (const calendar of [mailboxCalendar1, mailboxCalendar2]) organizationOf.set(calendar.id, b.organization.id);
  });

  it("re-queues every calendar with an unprocessed notification, once, as a webhook sync", async () => {
    const { result, sent } = await recover();
    expect(calendarsFor(sent, "webhook")).toEqual(expected.webhook);
    expect(result.webhook).toBe(expected.webhook.length);
  });

  it("counts the calendars whose poll slot has passed or that have none, and leaves them to the poll (no poll request of its own)", async () => {
    const { result, sent } = await recover();
    expect(calendarsFor(sent, "poll")).toEqual([]);
    expect(result.poll).toBe(expected.poll.length);
  });

  it("sends nothing else, and each request names its calendar's own organization", async () => {
    const { sent } = await recover();
    expect(sent).toHaveLength(expected.webhook.length);
    for (const item of sent) {
      expect(item.name).toBe("calendar/sync.requested");
      if (item.name !== "calendar/sync.requested") continue;
      expect(item.data).toEqual({ organizationId: organizationOf.get(item.data.calendarId), calendarId: item.data.calendarId, trigger: "webhook" });
    }
  });
});
