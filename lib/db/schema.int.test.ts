import { describe, expect, it } from "vitest";
import { setupTestDatabase } from "@/scripts/test/database";

const database = setupTestDatabase();

async function seedCalendar() {
  const client = await database.db();
  const suffix = Math.random().toString(36).slice(2, 8);
  const organization = await client.organization.create({ data: { name: "Acme", slug: `acme-${suffix}` } });
  const connection = await client.calendarConnection.create({
    data: {
      organizationId: organization.id,
      provider: "google",
      providerAccountId: `sub-${suffix}`,
      accountEmail: `alice-${suffix}@example.com`,
      scopes: ["https://www.googleapis.com/auth/calendar.readonly"],
    },
  });
  const calendar = await client.calendar.create({
    data: {
      organizationId: organization.id,
      connectionId: connection.id,
      providerCalendarId: "primary",
      name: "Alice",
      isPrimary: true,
      timeZone: "Europe/Berlin",
      syncEnabled: true,
    },
  });
  return { client, organization, connection, calendar };
}

describe("the data model", () => {
  it("runs on the database the suite was given", async () => {
    const client = await database.db();
    const rows = await client.$queryRaw<{ version: string }[]>`SELECT version()`;
    expect(rows[0]?.version).toMatch(/PostgreSQL/);
  });

  it("keeps all-day dates as dates and instants as instants", async () => {
    const { client, organization, calendar } = await seedCalendar();
    const event = await client.event.create({
      data: {
        organizationId: organization.id,
        calendarId: calendar.id,
        providerEventId: "allday-1",
        title: "Offsite",
        isAllDay: true,
        startAt: new Date("2026-12-01T00:00:00+01:00"),
        endAt: new Date("2026-12-03T00:00:00+01:00"),
        startDate: new Date("2026-12-01"),
        endDate: new Date("2026-12-03"),
      },
    });
    const read = await client.event.findUniqueOrThrow({ where: { id: event.id } });
    expect(read.startDate?.toISOString().slice(0, 10)).toBe("2026-12-01");
    expect(read.endDate?.toISOString().slice(0, 10)).toBe("2026-12-03");
    expect(read.startAt.toISOString()).toBe("2026-11-30T23:00:00.000Z");
  });

  it("holds one event per calendar and provider id", async () => {
    const { client, organization, calendar } = await seedCalendar();
    const data = { organizationId: organization.id, calendarId: calendar.id, providerEventId: "evt-1", startAt: new Date(), endAt: new Date() };
    await client.event.create({ data });
    await expect(client.event.create({ data })).rejects.toMatchObject({ code: "P2002" });
  });

  it("routes a channel id, current or replaced, to exactly one subscription", async () => {
    const { client, organization, connection, calendar } = await seedCalendar();
    const subscription = await client.webhookSubscription.create({
      data: {
        organizationId: organization.id,
        connectionId: connection.id,
        calendarId: calendar.id,
        provider: "google",
        externalId: `chan-new-${calendar.id}`,
        secretHash: "a".repeat(64),
        status: "active",
      },
    });
    await client.replacedSubscriptionId.create({
      data: { organizationId: organization.id, subscriptionId: subscription.id, externalId: `chan-old-${calendar.id}`, secretHash: "b".repeat(64) },
    });
    await expect(
      client.webhookSubscription.create({
        data: {
          organizationId: organization.id,
          connectionId: connection.id,
          provider: "google",
          externalId: `chan-new-${calendar.id}`,
          secretHash: "c".repeat(64),
        },
      }),
    ).rejects.toMatchObject({ code: "P2002" });
    const old = await client.replacedSubscriptionId.findUniqueOrThrow({ where: { externalId: `chan-old-${calendar.id}` }, include: { subscription: true } });
    expect(old.subscription.id).toBe(subscription.id);
  });

  it("keeps webhook logs when their subscription is deleted, and drops everything with the organization", async () => {
    const { client, organization, connection, calendar } = await seedCalendar();
    const subscription = await client.webhookSubscription.create({
      data: {
        organizationId: organization.id,
        connectionId: connection.id,
        calendarId: calendar.id,
        provider: "google",
        externalId: `chan-${calendar.id}`,
        secretHash: "d".repeat(64),
      },
    });
    const event = await client.webhookEvent.create({
      data: {
        organizationId: organization.id,
        subscriptionId: subscription.id,
        calendarId: calendar.id,
        provider: "google",
        externalId: subscription.externalId,
        messageNumber: 2n,
        changeType: "exists",
        headers: { "x-goog-channel-token": "[redacted]" },
      },
    });
    await client.syncRun.create({ data: { organizationId: organization.id, calendarId: calendar.id, trigger: "webhook", mode: "incremental" } });
    await client.webhookSubscription.delete({ where: { id: subscription.id } });
    const kept = await client.webhookEvent.findUniqueOrThrow({ where: { id: event.id } });
    expect(kept.subscriptionId).toBeNull();
    expect(kept.messageNumber).toBe(2n);

    await client.organization.delete({ where: { id: organization.id } });
    expect(await client.webhookEvent.count({ where: { organizationId: organization.id } })).toBe(0);
    expect(await client.syncRun.count({ where: { organizationId: organization.id } })).toBe(0);
    expect(await client.calendar.count({ where: { organizationId: organization.id } })).toBe(0);
  });

  it("connects a provider account in one organization only", async () => {
    const { client, connection } = await seedCalendar();
    const other = await client.organization.create({ data: { name: "Other", slug: `other-${connection.id}` } });
    await expect(
      client.calendarConnection.create({
        data: { organizationId: other.id, provider: "google", providerAccountId: connection.providerAccountId, accountEmail: connection.accountEmail },
      }),
    ).rejects.toMatchObject({ code: "P2002" });
  });
});

describe("token columns", () => {
  it("are sealed in the database and plaintext through db(), nested reads included", async () => {
    const client = await database.db();
    const organization = await client.organization.create({ data: { name: "Sealed", slug: `sealed-${Date.now()}` } });
    const connection = await client.calendarConnection.create({
      data: {
        organizationId: organization.id,
        provider: "microsoft",
        providerAccountId: `oid-${organization.id}`,
        accountEmail: "bob@contoso.example",
        accessToken: "access-plain-1",
        refreshToken: "refresh-plain-1",
      },
    });
    expect(connection.accessToken).toBe("access-plain-1");
    await client.calendarConnection.update({ where: { id: connection.id }, data: { refreshToken: { set: "refresh-plain-2" } } });

    const [raw] = await client.$queryRaw<{ access_token: string; refresh_token: string }[]>`
      SELECT access_token, refresh_token FROM calendar_connections WHERE id = ${connection.id}::uuid`;
    expect(raw?.access_token).toMatch(/^v1:/);
    expect(raw?.access_token).not.toContain("access-plain-1");
    expect(raw?.refresh_token).not.toContain("refresh-plain-2");

    const read = await client.calendarConnection.findUniqueOrThrow({ where: { id: connection.id } });
    expect(read.refreshToken).toBe("refresh-plain-2");
    const viaOrganization = await client.organization.findUniqueOrThrow({ where: { id: organization.id }, include: { connections: true } });
    expect(viaOrganization.connections[0]?.accessToken).toBe("access-plain-1");
  });
});
