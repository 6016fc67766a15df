import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ProviderError } from "@/lib/providers/errors";
import { setupTestDatabase } from "@/scripts/test/database";
import { claimDuePolls, pollJob, scheduleFirstPoll } from "./poll";
import { backOffPolls, POLL_BACKOFF_BASE_MS } from "./poll-backoff";

const database = setupTestDatabase();
type Client = Awaited<ReturnType<typeof database.db>>;

const MINUTE = 60_000;
const CADENCE = { withPushMs: 60 * MINUTE, withoutPushMs: 5 * MINUTE };
// Tomorrow, on the hour: slots lie in the future of the database clock, which the push-lost trigger reads.
const T0 = new Date(Math.ceil(Date.now() / (60 * MINUTE)) * 60 * MINUTE + 24 * 60 * MINUTE);
const at = (minutes: number) => new Date(T0.getTime() + minutes * MINUTE);

async function seedConnection(client: Client, provider: "google" | "microsoft" = "google") {
  const suffix = randomUUID().slice(0, 8);
  const organization = await client.organization.create({ data: { name: `Org ${suffix}`, slug: `org-${suffix}` } });
  const connection = await client.calendarConnection.create({
    data: { organizationId: organization.id, provider, providerAccountId: `acct-${suffix}`, accountEmail: `p-${suffix}@example.com`, scopes: [] },
  });
  return { organizationId: organization.id, connectionId: connection.id };
}

async function seedCalendars(client: Client, owner: { organizationId: string; connectionId: string }, count: number, nextPollAt: Date | null = null) {
  const ids: string[] = [];
  for (let index = 0; index < count; index += 1) {
    const calendar = await client.calendar.create({
      data: { ...owner, providerCalendarId: `cal-${randomUUID()}`, name: `Calendar ${index}`, syncEnabled: true, nextPollAt },
      select: { id: true },
    });
    ids.push(calendar.id);
  }
  return ids;
}

async function seedPush(client: Client, owner: { organizationId: string; connectionId: string }, calendarId: string | null, expiresAt: Date) {
  return client.webhookSubscription.create({
    data: {
      ...owner,
      calendarId,
      provider: calendarId ? "google" : "microsoft",
      externalId: `ch-${randomUUID()}`,
      secretHash: "c".repeat(64),
      status: "active",
      expiresAt,
    },
  });
}

async function nextPollOf(client: Client, calendarId: string): Promise<Date> {
  const row = await client.calendar.findUniqueOrThrow({ where: { id: calendarId }, select: { nextPollAt: true } });
  return row.nextPollAt!;
}

/** Everything due at `now`, claimed batch by batch as the cron does. */
async function claimAll(now: Date, only: ReadonlySet<string>) {
  const claimed: Array<{ calendarId: string; push: boolean }> = [];
  for (;;) {
    const batch = await claimDuePolls({ now, limit: 100, cadence: CADENCE });
    claimed.push(...batch.filter((calendar) => only.has(calendar.calendarId)));
    if (batch.length < 100) return claimed;
  }
}

describe("the poll schedule", () => {
  it("spreads calendars over their interval: an hour of minutely polls takes each calendar once (push) or every 5 minutes (none), flat", async () => {
    const client = await database.db();
    const google = await seedConnection(client);
    const withPush = await seedCalendars(client, google, 240);
    for (const calendarId of withPush) await seedPush(client, google, calendarId, at(7 * 24 * 60));
    const bare = await seedConnection(client);
    const withoutPush = await seedCalendars(client, bare, 60);
    const mine = new Set([...withPush, ...withoutPush]);

    // Unscheduled calendars are due at once and get their slot on being claimed.
    const first = await claimAll(T0, mine);
    expect(first).toHaveLength(300);
    expect(first.filter((calendar) => calendar.push)).toHaveLength(240);

    const perMinute: number[] = [];
    const polls = new Map<string, number>();
    for (let minute = 1; minute <= 60; minute += 1) {
      const claimed = await claimAll(at(minute), mine);
      perMinute.push(claimed.length);
      for (const { calendarId } of claimed) polls.set(calendarId, (polls.get(calendarId) ?? 0) + 1);
    }
    for (const calendarId of withPush) expect(polls.get(calendarId)).toBe(1);
    for (const calendarId of withoutPush) expect(polls.get(calendarId)).toBe(12);
    // 240 / 60 + 60 / 5 = 16 a minute on average; all at once would be 300 in one minute.
    expect(perMinute.reduce((sum, count) => sum + count, 0)).toBe(240 + 60 * 12);
    expect(Math.max(...perMinute)).toBeLessThan(40);
    // A calendar keeps its offset: polled at the same minute of each cycle.
    const slot = await nextPollOf(client, withoutPush[0]!);
    const again = (await claimAll(slot, new Set([withoutPush[0]!])))[0];
    expect(again?.calendarId).toBe(withoutPush[0]);
    expect((await nextPollOf(client, withoutPush[0]!)).getTime() - slot.getTime()).toBe(CADENCE.withoutPushMs);
  });

  it("never schedules a calendar with push past its subscription's expiry, and push going unhealthy makes it due at once", async () => {
    const client = await database.db();
    const owner = await seedConnection(client);
    const [expiring, healthy] = await seedCalendars(client, owner, 2, null);
    await seedPush(client, owner, expiring!, at(10));
    const subscription = await seedPush(client, owner, healthy!, at(7 * 24 * 60));
    await claimAll(T0, new Set([expiring!, healthy!]));
    expect((await nextPollOf(client, expiring!)).getTime()).toBeLessThanOrEqual(at(10).getTime());
    expect((await nextPollOf(client, healthy!)).getTime()).toBeGreaterThan(T0.getTime());

    const before = new Date();
    await client.webhookSubscription.update({ where: { id: subscription.id }, data: { suspect: true } });
    const due = await nextPollOf(client, healthy!);
    expect(due.getTime()).toBeLessThanOrEqual(Date.now());
    expect(due.getTime()).toBeGreaterThanOrEqual(before.getTime() - 1000);
  });

  it("a Graph subscription covers every calendar of the mailbox; stopping it makes them all due", async () => {
    const client = await database.db();
    const owner = await seedConnection(client, "microsoft");
    const calendars = await seedCalendars(client, owner, 3, null);
    const subscription = await seedPush(client, owner, null, at(3 * 24 * 60));
    const claimed = await claimAll(T0, new Set(calendars));
    expect(claimed.map((calendar) => calendar.push)).toEqual([true, true, true]);
    await client.webhookSubscription.update({ where: { id: subscription.id }, data: { status: "stopped" } });
    for (const calendarId of calendars) expect((await nextPollOf(client, calendarId)).getTime()).toBeLessThanOrEqual(Date.now());
  });

  it("two overlapping polls never claim the same calendar", async () => {
    const client = await database.db();
    const owner = await seedConnection(client);
    const calendars = new Set(await seedCalendars(client, owner, 120, at(-1)));
    const [a, b] = await Promise.all([claimDuePolls({ now: T0, limit: 100, cadence: CADENCE }), claimDuePolls({ now: T0, limit: 100, cadence: CADENCE })]);
    const ids = [...a!, ...b!].map((calendar) => calendar.calendarId).filter((id) => calendars.has(id));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("a connection backed off for quota is skipped until its back-off ends, which doubles each time", async () => {
    const client = await database.db();
    const owner = await seedConnection(client);
    const [calendarId] = await seedCalendars(client, owner, 1, at(-1));
    const quota = new ProviderError("rate_limited", "quota", { status: 403, code: "quotaExceeded" });
    const firstEnd = await backOffPolls(owner.connectionId, quota, T0);
    expect(firstEnd.getTime() - T0.getTime()).toBe(POLL_BACKOFF_BASE_MS);
    const secondEnd = await backOffPolls(owner.connectionId, quota, T0);
    expect(secondEnd.getTime() - T0.getTime()).toBe(2 * POLL_BACKOFF_BASE_MS);
    const mine = new Set([calendarId!]);
    expect(await claimAll(at(1), mine)).toEqual([]);
    expect(await claimAll(new Date(secondEnd.getTime() + 1), mine)).toHaveLength(1);
  });

  it("the cron's batch says when more are due; a first slot is given once, in the short interval", async () => {
    const client = await database.db();
    const owner = await seedConnection(client);
    const calendars = await seedCalendars(client, owner, 3, null);
    const result = await pollJob({ now: T0, limit: 2, cadence: CADENCE });
    expect(result.followUps).toHaveLength(2);
    expect(result.more).toBe(true);
    const [fresh] = await seedCalendars(client, owner, 1, null);
    await scheduleFirstPoll(fresh!, T0, CADENCE);
    const slot = await nextPollOf(client, fresh!);
    expect(slot.getTime()).toBeGreaterThan(T0.getTime());
    expect(slot.getTime()).toBeLessThanOrEqual(T0.getTime() + CADENCE.withoutPushMs);
    await scheduleFirstPoll(fresh!, at(30), CADENCE);
    expect(await nextPollOf(client, fresh!)).toEqual(slot);
    expect(calendars).toHaveLength(3);
  });

  it("scheduling and sync bookkeeping append no change for API consumers; a rename does", async () => {
    const client = await database.db();
    const owner = await seedConnection(client);
    const [calendarId] = await seedCalendars(client, owner, 1, null);
    const updates = () => client.change.count({ where: { organizationId: owner.organizationId, type: "calendar.updated" } });
    await claimAll(T0, new Set([calendarId!]));
    await client.calendar.update({
      where: { id: calendarId! },
      data: { lastSyncStartedAt: new Date(), lastPolledAt: new Date(), pushUnsupportedAt: new Date(), discoveredAt: new Date() },
    });
    expect(await updates()).toBe(0);
    await client.calendar.update({ where: { id: calendarId! }, data: { name: "Renamed" } });
    expect(await updates()).toBe(1);
  });
});
