import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { setupTestDatabase } from "@/scripts/test/database";
import { claimConnectionsMissingPush, claimDueRenewals, PUSH_UNSUPPORTED_RETRY_MS } from "./lifecycle";
import { RENEWAL_LATE_MS, RENEWAL_MARGIN_MS, RENEWAL_RETRY_MS, RENEWAL_SPREAD_MS } from "./schedule";

// The renewal schedule and its claims on the database alone (rows seeded as the
// renewal code leaves them, no provider): slots spread over the first part of the
// margin, a backlog drains oldest expiry first, overlapping claims never share a row,
// a suspect subscription is due at once, and the pass that registers missing push
// takes only the connections that need it. lib/subscriptions/renewal.int.test.ts
// runs the cron's batches against the emulator.

const database = setupTestDatabase();
type Client = Awaited<ReturnType<typeof database.db>>;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
// Tomorrow, on the hour: slots lie in the future of the database clock, which the suspect trigger reads.
const T0 = new Date(Math.ceil(Date.now() / HOUR) * HOUR + DAY);
const at = (ms: number) => new Date(T0.getTime() + ms);

async function seedConnection(client: Client, provider: "google" | "microsoft" = "google") {
  const suffix = randomUUID().slice(0, 8);
  const organization = await client.organization.create({ data: { name: `Org ${suffix}`, slug: `org-${suffix}` } });
  const connection = await client.calendarConnection.create({
    data: { organizationId: organization.id, provider, providerAccountId: `acct-${suffix}`, accountEmail: `p-${suffix}@example.com`, scopes: [] },
  });
  return { organizationId: organization.id, connectionId: connection.id, provider };
}

async function seedCalendar(
  client: Client,
  owner: { organizationId: string; connectionId: string },
  data: { syncEnabled?: boolean; pushUnsupportedAt?: Date } = {},
) {
  const calendar = await client.calendar.create({
    data: {
      organizationId: owner.organizationId,
      connectionId: owner.connectionId,
      providerCalendarId: `cal-${randomUUID()}`,
      name: "Calendar",
      syncEnabled: data.syncEnabled ?? true,
      pushUnsupportedAt: data.pushUnsupportedAt,
    },
    select: { id: true },
  });
  return calendar.id;
}

/** `count` live subscriptions expiring at `expiresAt`, each given its slot as a registration gives it (calsync_renew_at). */
async function seedSubscriptions(
  client: Client,
  owner: { organizationId: string; connectionId: string; provider: "google" | "microsoft" },
  count: number,
  expiresAt: (index: number) => Date,
  data: { status?: "active" | "failed" | "expired"; calendarId?: string | null } = {},
): Promise<string[]> {
  const ids: string[] = [];
  for (let index = 0; index < count; index += 1) {
    const row = await client.webhookSubscription.create({
      data: {
        organizationId: owner.organizationId,
        connectionId: owner.connectionId,
        calendarId: data.calendarId ?? null,
        provider: owner.provider,
        externalId: `ch-${randomUUID()}`,
        secretHash: "c".repeat(64),
        status: data.status ?? "active",
        expiresAt: expiresAt(index),
      },
      select: { id: true },
    });
    ids.push(row.id);
  }
  await schedule(client, ids);
  return ids;
}

async function schedule(client: Client, ids: string[]) {
  await client.$executeRawUnsafe(
    `UPDATE webhook_subscriptions SET renew_at = calsync_renew_at(id, expires_at, $2::bigint, $3::bigint) WHERE id = ANY($1::uuid[])`,
    ids,
    RENEWAL_MARGIN_MS,
    RENEWAL_SPREAD_MS,
  );
}

/** What a successful renewal at `now` leaves: a week's expiry and the slot that follows from it. */
async function renewed(client: Client, ids: string[], now: Date) {
  if (ids.length === 0) return;
  await client.webhookSubscription.updateMany({ where: { id: { in: ids } }, data: { expiresAt: new Date(now.getTime() + 7 * DAY), lastRenewedAt: now } });
  await schedule(client, ids);
}

/** One hourly run at `now`: batches of `limit` until one is not full (at most `maxBatches`), each renewed as it is claimed. */
async function hourlyRun(client: Client, now: Date, only: ReadonlySet<string>, limit = 100, maxBatches = 50) {
  const claimed: Array<{ subscriptionId: string; expiresAt: Date | null; batch: number }> = [];
  for (let batch = 1; batch <= maxBatches; batch += 1) {
    const due = await claimDueRenewals({ now, limit });
    const mine = due.filter((item) => only.has(item.subscriptionId));
    claimed.push(...mine.map((item) => ({ subscriptionId: item.subscriptionId, expiresAt: item.expiresAt, batch })));
    await renewed(
      client,
      mine.map((item) => item.subscriptionId),
      now,
    );
    if (due.length < limit) break;
  }
  return claimed;
}

describe("the renewal schedule", () => {
  it("spreads subscriptions registered together over the first 12 hours of the margin: each renewed once, about flat per hourly run", async () => {
    const client = await database.db();
    const owner = await seedConnection(client);
    const expiry = at(3 * DAY);
    const ids = await seedSubscriptions(client, owner, 240, () => expiry);
    const mine = new Set(ids);

    const rows = await client.webhookSubscription.findMany({ where: { id: { in: ids } }, select: { renewAt: true } });
    for (const { renewAt } of rows) {
      expect(renewAt!.getTime()).toBeGreaterThanOrEqual(expiry.getTime() - RENEWAL_MARGIN_MS);
      expect(renewAt!.getTime()).toBeLessThanOrEqual(expiry.getTime() - RENEWAL_LATE_MS);
    }

    const perHour: number[] = [];
    const times = new Map<string, number>();
    for (let hour = 25; hour >= 0; hour -= 1) {
      const now = new Date(expiry.getTime() - hour * HOUR);
      const claimed = await hourlyRun(client, now, mine);
      perHour.push(claimed.length);
      for (const { subscriptionId } of claimed) {
        expect(times.has(subscriptionId)).toBe(false);
        times.set(subscriptionId, now.getTime());
      }
    }
    expect(times.size).toBe(240);
    // Nothing before the margin, nothing after the latest slot (the run that follows it).
    for (const time of times.values()) {
      expect(time).toBeGreaterThanOrEqual(expiry.getTime() - RENEWAL_MARGIN_MS);
      expect(time).toBeLessThanOrEqual(expiry.getTime() - RENEWAL_LATE_MS + HOUR);
    }
    // 240 over 12 hourly runs is 20 a run; all at once would be 240 in one.
    expect(perHour.filter((count) => count > 0).length).toBeGreaterThanOrEqual(11);
    expect(Math.max(...perHour)).toBeLessThanOrEqual(40);
  });

  it("drains a backlog over successive runs, oldest expiry first, and none expires while it drains at the cron's capacity", async () => {
    const client = await database.db();
    const owner = await seedConnection(client);
    // 1,000 due at once (slots long past, as after an outage), expiring over the next 11 hours;
    // a scaled-down cron renews 300 a run (3 batches of 100).
    const ids = await seedSubscriptions(client, owner, 1000, (index) => at(HOUR + (index * 10 * HOUR) / 1000));
    await client.webhookSubscription.updateMany({ where: { id: { in: ids } }, data: { renewAt: at(-6 * HOUR) } });
    const mine = new Set(ids);

    const runs: Array<Array<{ subscriptionId: string; expiresAt: Date | null; batch: number }>> = [];
    for (let hour = 0; hour < 5; hour += 1) runs.push(await hourlyRun(client, at(hour * HOUR), mine, 100, 3));
    expect(runs.map((run) => run.length)).toEqual([300, 300, 300, 100, 0]);
    expect(new Set(runs.flat().map((item) => item.subscriptionId)).size).toBe(1000);
    runs.forEach((run, hour) => {
      const expiries = run.map((item) => item.expiresAt!.getTime());
      // Oldest expiry first, within a run and from one run to the next; each renewed before it expired.
      expect(expiries).toEqual([...expiries].sort((a, b) => a - b));
      if (hour > 0 && run.length > 0) expect(expiries[0]).toBeGreaterThanOrEqual(runs[hour - 1]!.at(-1)!.expiresAt!.getTime());
      for (const expiry of expiries) expect(expiry).toBeGreaterThan(at(hour * HOUR).getTime());
    });
  });

  it("two overlapping claims never take the same subscription", async () => {
    const client = await database.db();
    const owner = await seedConnection(client);
    const ids = await seedSubscriptions(client, owner, 150, () => at(2 * HOUR));
    const mine = new Set(ids);
    const [a, b] = await Promise.all([claimDueRenewals({ now: T0, limit: 100 }), claimDueRenewals({ now: T0, limit: 100 })]);
    const claimed = [...a!, ...b!].map((item) => item.subscriptionId).filter((id) => mine.has(id));
    expect(new Set(claimed).size).toBe(claimed.length);
    expect(claimed).toHaveLength(150);
    // Claimed means leased: not due again until the retry interval has passed.
    expect((await claimDueRenewals({ now: at(RENEWAL_RETRY_MS - MINUTE), limit: 500 })).filter((item) => mine.has(item.subscriptionId))).toEqual([]);
    expect((await claimDueRenewals({ now: at(RENEWAL_RETRY_MS), limit: 500 })).filter((item) => mine.has(item.subscriptionId))).toHaveLength(150);
  });

  it("a subscription that turns suspect is due at once; stopped ones and those of inactive connections never are", async () => {
    const client = await database.db();
    const owner = await seedConnection(client);
    const [suspect, stopped, healthy] = await seedSubscriptions(client, owner, 3, () => at(5 * DAY));
    const inactive = await seedConnection(client);
    const [orphaned] = await seedSubscriptions(client, inactive, 1, () => at(2 * HOUR));
    await client.calendarConnection.update({ where: { id: inactive.connectionId }, data: { status: "needs_reconnect" } });
    const mine = new Set([suspect!, stopped!, healthy!, orphaned!]);
    const due = async () => (await claimDueRenewals({ now: T0, limit: 500 })).filter((item) => mine.has(item.subscriptionId));

    expect(await due()).toEqual([]);
    await client.webhookSubscription.update({ where: { id: suspect! }, data: { suspect: true, suspectCount: { increment: 1 } } });
    await client.webhookSubscription.update({ where: { id: stopped! }, data: { status: "stopped", renewAt: null } });
    expect(await due()).toEqual([expect.objectContaining({ subscriptionId: suspect, status: "active", suspect: true })]);
  });
});

describe("the pass that registers missing push", () => {
  it("takes only connections with a synced calendar that nothing covers, once per retry interval", async () => {
    const client = await database.db();
    const bare = await seedConnection(client);
    await seedCalendar(client, bare);
    const covered = await seedConnection(client);
    await seedSubscriptions(client, covered, 1, () => at(5 * DAY), { calendarId: await seedCalendar(client, covered) });
    const refused = await seedConnection(client);
    await seedCalendar(client, refused, { pushUnsupportedAt: at(-DAY) });
    const refusedLongAgo = await seedConnection(client);
    await seedCalendar(client, refusedLongAgo, { pushUnsupportedAt: at(-PUSH_UNSUPPORTED_RETRY_MS - HOUR) });
    const graph = await seedConnection(client, "microsoft");
    for (let index = 0; index < 3; index += 1) await seedCalendar(client, graph);
    await seedSubscriptions(client, graph, 1, () => at(5 * DAY));
    const waiting = await seedConnection(client);
    await client.webhookSubscription.create({
      data: {
        organizationId: waiting.organizationId,
        connectionId: waiting.connectionId,
        calendarId: await seedCalendar(client, waiting),
        provider: "google",
        externalId: `ch-${randomUUID()}`,
        secretHash: "c".repeat(64),
        status: "failed",
        renewAt: at(RENEWAL_RETRY_MS),
      },
    });
    const unsynced = await seedConnection(client);
    await seedCalendar(client, unsynced, { syncEnabled: false });
    const gone = await seedConnection(client);
    await seedCalendar(client, gone);
    await client.calendarConnection.update({ where: { id: gone.connectionId }, data: { status: "revoked" } });

    const mine = new Set([bare, covered, refused, refusedLongAgo, graph, waiting, unsynced, gone].map((owner) => owner.connectionId));
    const claim = async (now: Date) =>
      (await claimConnectionsMissingPush({ now, limit: 500 }))
        .filter((connection) => mine.has(connection.connectionId))
        .map((connection) => connection.connectionId)
        .sort();
    const expected = [bare.connectionId, refusedLongAgo.connectionId].sort();
    expect(await claim(T0)).toEqual(expected);
    // Marked: not taken again by an overlapping run or the next batch, only after the retry interval.
    expect(await claim(at(MINUTE))).toEqual([]);
    expect(await claim(at(RENEWAL_RETRY_MS))).toEqual(expected);
  });

  it("two overlapping claims never take the same connection", async () => {
    const client = await database.db();
    const owners = [];
    for (let index = 0; index < 30; index += 1) {
      const owner = await seedConnection(client);
      await seedCalendar(client, owner);
      owners.push(owner.connectionId);
    }
    const mine = new Set(owners);
    const now = at(2 * DAY);
    const [a, b] = await Promise.all([claimConnectionsMissingPush({ now, limit: 20 }), claimConnectionsMissingPush({ now, limit: 20 })]);
    const claimed = [...a!, ...b!].map((connection) => connection.connectionId).filter((id) => mine.has(id));
    expect(new Set(claimed).size).toBe(claimed.length);
    expect(claimed).toHaveLength(30);
  });
});
