import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { logger } from "@/lib/log";
import { cleanupWebhookEventsJob, purgeWebhookEvents, webhookRetentionDays } from "@/lib/webhooks/retention";
import { seedWebhookFixture, type WebhookFixture } from "@/scripts/test/webhooks";
import { setupTestDatabase } from "@/scripts/test/database";

const database = setupTestDatabase();
const NOW = new Date("2030-06-01T00:00:00Z");
const daysAgo = (days: number) => new Date(NOW.getTime() - days * 24 * 60 * 60_000);

let acme: WebhookFixture;
let globex: WebhookFixture;

beforeAll(async () => {
  const db = await database.db();
  acme = await seedWebhookFixture(db);
  globex = await seedWebhookFixture(db);
});

beforeEach(async () => {
  await (await database.db()).webhookEvent.deleteMany();
});

afterEach(() => {
  vi.restoreAllMocks();
  delete process.env.WEBHOOK_RETENTION_DAYS;
  delete process.env.WEBHOOK_MAX_ATTEMPTS;
});

type Status = "pending" | "processed" | "ignored" | "duplicate" | "failed" | "dead";

async function seed(fixture: WebhookFixture, rows: Array<{ status: Status; receivedAt: Date; attempts?: number }>): Promise<void> {
  await (
    await database.db()
  ).webhookEvent.createMany({
    data: rows.map((row) => ({
      organizationId: fixture.organizationId,
      subscriptionId: fixture.google.subscriptionId,
      calendarId: fixture.google.calendarId,
      provider: "google" as const,
      externalId: fixture.google.channelId,
      headers: {},
      status: row.status,
      attempts: row.attempts ?? 0,
      receivedAt: row.receivedAt,
    })),
  });
}

async function remaining(fixture?: WebhookFixture) {
  const rows = await (
    await database.db()
  ).webhookEvent.findMany({
    where: fixture ? { organizationId: fixture.organizationId } : {},
    select: { status: true, receivedAt: true, attempts: true },
    orderBy: [{ receivedAt: "asc" }, { status: "asc" }],
  });
  return rows.map((row) => `${row.status}@${Math.round((NOW.getTime() - row.receivedAt.getTime()) / (24 * 60 * 60_000))}d`);
}

describe("purgeWebhookEvents", () => {
  it("deletes old events in batches, but never a failed one that still has retries", async () => {
    await seed(acme, [
      ...(["processed", "ignored", "duplicate", "dead", "pending"] as const).map((status) => ({ status, receivedAt: daysAgo(40) })),
      { status: "failed", receivedAt: daysAgo(40), attempts: 2 },
      { status: "processed", receivedAt: daysAgo(29) },
      { status: "dead", receivedAt: daysAgo(1) },
    ]);
    const progress: number[] = [];
    const result = await purgeWebhookEvents({ olderThan: daysAgo(30), batchSize: 2, onProgress: (deleted) => progress.push(deleted) });
    expect(result).toEqual({ deleted: 5, batches: 3 });
    expect(progress).toEqual([2, 4, 5]);
    expect(await remaining()).toEqual(["failed@40d", "processed@29d", "dead@1d"]);
  });

  it("a failed event whose attempts are used up (the limit was lowered) goes too", async () => {
    process.env.WEBHOOK_MAX_ATTEMPTS = "2";
    await seed(acme, [
      { status: "failed", receivedAt: daysAgo(40), attempts: 1 },
      { status: "failed", receivedAt: daysAgo(40), attempts: 2 },
    ]);
    expect(await purgeWebhookEvents({ olderThan: daysAgo(30) })).toEqual({ deleted: 1, batches: 1 });
    expect(await (await database.db()).webhookEvent.findMany({ select: { attempts: true } })).toEqual([{ attempts: 1 }]);
  });

  it("keeps to one organization when asked", async () => {
    await seed(acme, [{ status: "processed", receivedAt: daysAgo(40) }]);
    await seed(globex, [
      { status: "processed", receivedAt: daysAgo(40) },
      { status: "dead", receivedAt: daysAgo(50) },
    ]);
    expect(await purgeWebhookEvents({ olderThan: daysAgo(30), organizationId: globex.organizationId })).toEqual({ deleted: 2, batches: 1 });
    expect(await remaining(acme)).toEqual(["processed@40d"]);
    expect(await remaining(globex)).toEqual([]);
  });

  it("deletes thousands in bounded batches and stops when nothing is left", async () => {
    await seed(
      acme,
      Array.from({ length: 2_500 }, (_, index) => ({ status: "processed" as const, receivedAt: daysAgo(31 + (index % 5)) })),
    );
    await seed(acme, [{ status: "processed", receivedAt: daysAgo(2) }]);
    const progress: number[] = [];
    expect(await purgeWebhookEvents({ olderThan: daysAgo(30), onProgress: (deleted) => progress.push(deleted) })).toEqual({ deleted: 2_500, batches: 3 });
    expect(progress).toEqual([1_000, 2_000, 2_500]);
    expect(await purgeWebhookEvents({ olderThan: daysAgo(30) })).toEqual({ deleted: 0, batches: 0 });
    expect(await remaining()).toEqual(["processed@2d"]);
  });

  it("refuses a batch size that is not a positive integer", async () => {
    await expect(purgeWebhookEvents({ olderThan: NOW, batchSize: 0 })).rejects.toThrow(RangeError);
    await expect(purgeWebhookEvents({ olderThan: NOW, batchSize: 2.5 })).rejects.toThrow(RangeError);
  });
});

describe("the cleanup-webhook-events cron", () => {
  it("keeps WEBHOOK_RETENTION_DAYS (30 by default)", async () => {
    vi.spyOn(logger, "info").mockImplementation(() => {});
    await seed(acme, [
      { status: "processed", receivedAt: daysAgo(31) },
      { status: "processed", receivedAt: daysAgo(8) },
      { status: "processed", receivedAt: daysAgo(6) },
    ]);
    expect((await cleanupWebhookEventsJob({ now: NOW })).summary).toMatchObject({ deleted: 1, retentionDays: 30, olderThan: daysAgo(30).toISOString() });
    process.env.WEBHOOK_RETENTION_DAYS = "7";
    expect((await cleanupWebhookEventsJob({ now: NOW })).summary).toMatchObject({ deleted: 1, retentionDays: 7 });
    expect(await remaining()).toEqual(["processed@6d"]);
  });

  it("reads the retention from the environment", () => {
    expect(webhookRetentionDays({})).toBe(30);
    expect(webhookRetentionDays({ WEBHOOK_RETENTION_DAYS: "90" })).toBe(90);
    expect(webhookRetentionDays({ WEBHOOK_RETENTION_DAYS: "0" })).toBe(30);
    expect(webhookRetentionDays({ WEBHOOK_RETENTION_DAYS: "forever" })).toBe(30);
  });
});
