import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { Emulator } from "@/e2e/emulator/server";
import { POST as GOOGLE } from "@/app/api/webhooks/google/route";
import { AppError } from "@/lib/http/errors";
import { inlineDriver } from "@/inngest";
import { installJobSender } from "@/lib/jobs/dispatch";
import type { FollowUp } from "@/lib/jobs/catalog";
import { logger } from "@/lib/log";
import { createBreakers, replaceProviderBreakers } from "@/lib/providers/breaker";
import { ProviderError } from "@/lib/providers/errors";
import { syncCalendar } from "@/lib/sync/engine";
import { markCoveredFailed, markCoveredProcessed, planWebhookRetries, retryWebhookEventsJob } from "@/lib/webhooks/processing";
import { replayWebhookEvents } from "@/lib/webhooks/replay";
import { seedWebhookFixture, type WebhookFixture } from "@/scripts/test/webhooks";
import { connectAccount, mirrorDiff, serveRoutes, signIn, startAppEmulator, stopAppEmulator } from "@/scripts/test/app";
import { setupTestDatabase } from "@/scripts/test/database";

// Retries, dead letters and replay of webhook events. First end to end: a real
// notification from the emulator whose sync keeps failing is retried on schedule
// (the cron called directly with the instant it would run at, instead of waiting
// minutes), goes dead, and is processed after a replay. Then the state machine's
// rules one by one, on seeded rows.

const database = setupTestDatabase();
let emu: Emulator;
let app: Awaited<ReturnType<typeof serveRoutes>>;
const saved = { publicUrl: process.env.CALSYNC_PUBLIC_URL, maxAttempts: process.env.WEBHOOK_MAX_ATTEMPTS };

beforeAll(async () => {
  emu = await startAppEmulator();
  app = await serveRoutes({ "/api/webhooks/google": GOOGLE });
  process.env.CALSYNC_PUBLIC_URL = app.url;
  process.env.WEBHOOK_MAX_ATTEMPTS = "3";
  // The breaker has tests of its own; here it would turn the later 503s into
  // fail-fast errors and hold the replay back for its cooldown.
  replaceProviderBreakers(createBreakers({ failureThreshold: 1_000 }));
});
afterAll(async () => {
  await inlineDriver().idle();
  inlineDriver().stop();
  for (const [name, value] of [
    ["CALSYNC_PUBLIC_URL", saved.publicUrl],
    ["WEBHOOK_MAX_ATTEMPTS", saved.maxAttempts],
  ] as const) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  replaceProviderBreakers(null);
  await app?.close();
  await stopAppEmulator(emu);
});

afterEach(() => {
  vi.restoreAllMocks();
});

async function settle(): Promise<void> {
  await emu.control.waitForIdle(15_000);
  await inlineDriver().idle();
}

function at(days: number, hour = 10): string {
  const date = new Date(Date.now() + days * 24 * 60 * 60_000);
  date.setUTCHours(hour, 0, 0, 0);
  return date.toISOString().replace(".000Z", "Z");
}

describe("a notification whose sync keeps failing (emulator)", () => {
  let organizationId: string;
  let calendarId: string;
  let providerCalendarId: string;

  beforeAll(async () => {
    const person = await signIn(`processing-${randomUUID().slice(0, 8)}@calsync.test`);
    organizationId = person.viewer.organizationId;
    const connectionId = await connectAccount(emu, person, "google", "alice@example.com");
    await settle();
    const calendar = await (await database.db()).calendar.findFirstOrThrow({ where: { connectionId, isPrimary: true } });
    calendarId = calendar.id;
    providerCalendarId = calendar.providerCalendarId;
  });

  it("is retried on schedule, goes dead after WEBHOOK_MAX_ATTEMPTS, and is processed after a replay", async () => {
    vi.spyOn(logger, "warn").mockImplementation(() => {});
    const db = await database.db();
    const syncRequest = { name: "calendar/sync.requested", data: { organizationId, calendarId, trigger: "webhook" } };
    const handedOff: FollowUp[] = [];
    const restoreSender = installJobSender(async (items) => {
      handedOff.push(...items);
    });
    let eventId: string;
    try {
      await emu.control.createEvent(providerCalendarId, { summary: "Held back", start: at(2), end: at(2, 11) });
      await emu.control.waitForIdle(10_000);
      expect(handedOff).toContainEqual(syncRequest);
      const pending = await db.webhookEvent.findMany({ where: { organizationId, status: "pending" } });
      expect(pending).toHaveLength(1);
      eventId = pending[0]!.id;
      const row = () => db.webhookEvent.findUniqueOrThrow({ where: { id: eventId } });

      await emu.control.failNext({ endpoint: "google.events.list", status: 503, count: 1_000, retryAfterSeconds: 0 });
      const sync = (instant: number) => syncCalendar({ organizationId, calendarId, trigger: "webhook", now: () => new Date(instant) });
      const t0 = Date.now();

      await expect(sync(t0)).rejects.toMatchObject({ kind: "unavailable", status: 503 });
      const first = await row();
      expect(first).toMatchObject({ status: "failed", attempts: 1, processedAt: null });
      expect(first.error).toMatch(/^unavailable \(503\)/);
      // Attempt 2 is 1-2 minutes out (full jitter over a 2-minute ceiling).
      expect(first.nextAttemptAt!.getTime()).toBeGreaterThanOrEqual(t0 + 60_000);
      expect(first.nextAttemptAt!.getTime()).toBeLessThanOrEqual(t0 + 120_000);

      // The job driver's own retry seconds later is not a scheduled attempt.
      await expect(sync(t0 + 4_000)).rejects.toMatchObject({ kind: "unavailable" });
      expect(await row()).toMatchObject({ status: "failed", attempts: 1, nextAttemptAt: first.nextAttemptAt });
      expect((await retryWebhookEventsJob({ now: new Date(t0 + 30_000) })).followUps ?? []).not.toContainEqual(syncRequest);

      for (const attempt of [2, 3]) {
        const due = (await row()).nextAttemptAt!;
        const { followUps = [], summary } = await retryWebhookEventsJob({ now: due });
        expect(followUps).toContainEqual(syncRequest);
        expect(summary).toMatchObject({ calendars: followUps.length });
        await expect(sync(due.getTime())).rejects.toMatchObject({ kind: "unavailable" });
        expect(await row()).toMatchObject({ attempts: attempt, status: attempt < 3 ? "failed" : "dead" });
      }
      const dead = await row();
      expect(dead).toMatchObject({ status: "dead", attempts: 3, nextAttemptAt: null, processedAt: null });
      expect(dead.error).toMatch(/503/);
      // Nothing schedules a dead event again.
      expect((await retryWebhookEventsJob({ now: new Date(t0 + 365 * 24 * 60 * 60_000) })).followUps ?? []).not.toContainEqual(syncRequest);
      expect(await db.event.findFirst({ where: { calendarId, title: "Held back" } })).toBeNull();
    } finally {
      restoreSender();
      await emu.control.clearFaults();
    }

    // Another organization cannot replay it, even by id.
    const stranger = await signIn(`stranger-${randomUUID().slice(0, 8)}@calsync.test`);
    expect(await replayWebhookEvents(stranger.viewer.organizationId, { ids: [eventId] })).toEqual({ replayed: 0 });
    expect(await db.webhookEvent.findUniqueOrThrow({ where: { id: eventId } })).toMatchObject({ status: "dead" });

    // The replay goes through the real dispatcher and the inline driver.
    expect(await replayWebhookEvents(organizationId, { status: "dead" })).toEqual({ replayed: 1 });
    await settle();
    const processed = await db.webhookEvent.findUniqueOrThrow({ where: { id: eventId } });
    expect(processed).toMatchObject({ status: "processed", attempts: 0, error: null, nextAttemptAt: null });
    expect(processed.processedAt).not.toBeNull();
    expect(await db.event.findFirst({ where: { calendarId, title: "Held back" } })).not.toBeNull();
    expect(await mirrorDiff(calendarId)).toEqual({ missing: [], extra: [], different: [] });
  });
});

// ---- the rules, on seeded rows ------------------------------------------------------

describe("the processing state machine", () => {
  let fixture: WebhookFixture;
  const NOW = new Date("2030-03-01T12:00:00Z");
  const minutes = (n: number) => new Date(NOW.getTime() + n * 60_000);

  beforeAll(async () => {
    fixture = await seedWebhookFixture(await database.db());
  });
  beforeEach(async () => {
    await (await database.db()).webhookEvent.deleteMany({ where: { organizationId: fixture.organizationId } });
    vi.spyOn(logger, "warn").mockImplementation(() => {});
  });

  type Seed = {
    status: "pending" | "processed" | "ignored" | "duplicate" | "failed" | "dead";
    provider?: "google" | "microsoft";
    attempts?: number;
    nextAttemptAt?: Date | null;
    receivedAt?: Date;
    changeType?: string;
    calendarId?: string | null;
  };

  async function seed(event: Seed): Promise<string> {
    const provider = event.provider ?? "google";
    const created = await (
      await database.db()
    ).webhookEvent.create({
      data: {
        organizationId: fixture.organizationId,
        provider,
        subscriptionId: provider === "google" ? fixture.google.subscriptionId : fixture.microsoft.subscriptionId,
        calendarId: event.calendarId === undefined ? (provider === "google" ? fixture.google.calendarId : null) : event.calendarId,
        externalId: provider === "google" ? fixture.google.channelId : fixture.microsoft.externalId,
        changeType: event.changeType ?? (provider === "google" ? "exists" : "updated"),
        headers: {},
        status: event.status,
        attempts: event.attempts ?? 0,
        nextAttemptAt: event.nextAttemptAt ?? null,
        receivedAt: event.receivedAt ?? minutes(-10),
      },
      select: { id: true },
    });
    return created.id;
  }

  const load = async (id: string) => (await database.db()).webhookEvent.findUniqueOrThrow({ where: { id } });
  const googleRun = () => ({ calendarId: fixture.google.calendarId, connectionId: fixture.google.connectionId, runStartedAt: minutes(-1) });
  const graphRun = () => ({ calendarId: fixture.microsoft.calendarIds[0]!, connectionId: fixture.microsoft.connectionId, runStartedAt: minutes(-1) });
  const unavailable = new ProviderError("unavailable", "Service Unavailable", { status: 503 });

  it("a successful run processes what it covers: pending and failed, of its calendar and of its connection's mailbox", async () => {
    const db = await database.db();
    const pending = await seed({ status: "pending" });
    const failed = await seed({ status: "failed", attempts: 2, nextAttemptAt: minutes(30) });
    const dead = await seed({ status: "dead", attempts: 5 });
    const later = await seed({ status: "pending", receivedAt: minutes(0) });
    const lifecycle = await seed({ status: "pending", provider: "microsoft", changeType: "missed" });
    const otherCalendar = await seed({ status: "pending", calendarId: fixture.google.disabledCalendarId });
    const mailbox = await seed({ status: "failed", provider: "microsoft", attempts: 1, nextAttemptAt: minutes(5) });

    expect(await markCoveredProcessed(db, googleRun())).toBe(2);
    expect(await markCoveredProcessed(db, graphRun())).toBe(1);
    for (const id of [pending, failed, mailbox]) {
      const row = await load(id);
      expect(row.status).toBe("processed");
      expect(row.processedAt).not.toBeNull();
      expect(row.nextAttemptAt).toBeNull();
    }
    expect((await load(failed)).attempts).toBe(2);
    expect((await load(dead)).status).toBe("dead");
    expect((await load(later)).status).toBe("pending");
    expect((await load(lifecycle)).status).toBe("pending");
    expect((await load(otherCalendar)).status).toBe("pending");
  });

  it("a failed run counts an attempt for what is due, refreshes the error of what is not, and kills what used its last attempt", async () => {
    const fresh = await seed({ status: "pending" });
    const due = await seed({ status: "failed", attempts: 1, nextAttemptAt: minutes(-1) });
    const notDue = await seed({ status: "failed", attempts: 1, nextAttemptAt: minutes(3) });
    const last = await seed({ status: "failed", attempts: 4, nextAttemptAt: minutes(0) });
    const lifecycle = await seed({ status: "pending", provider: "microsoft", changeType: "reauthorizationRequired" });

    const marking = await markCoveredFailed({ ...googleRun(), error: unavailable, now: NOW, maxAttempts: 5, random: () => 0 });
    expect(marking).toEqual({ failed: 3, dead: 1 });
    // random() = 0: exactly half of each ceiling (2 min, 4 min).
    expect(await load(fresh)).toMatchObject({ status: "failed", attempts: 1, nextAttemptAt: minutes(1), error: "unavailable (503): Service Unavailable" });
    expect(await load(due)).toMatchObject({ status: "failed", attempts: 2, nextAttemptAt: minutes(2) });
    expect(await load(notDue)).toMatchObject({ status: "failed", attempts: 1, nextAttemptAt: minutes(3), error: "unavailable (503): Service Unavailable" });
    expect(await load(last)).toMatchObject({ status: "dead", attempts: 5, nextAttemptAt: null });
    expect(await load(lifecycle)).toMatchObject({ status: "pending", attempts: 0 });
  });

  it("waits at least as long as the provider asked", async () => {
    const id = await seed({ status: "pending" });
    const throttled = new ProviderError("rate_limited", "quota", { status: 429, retryAfterMs: 45 * 60_000 });
    await markCoveredFailed({ ...googleRun(), error: throttled, now: NOW, maxAttempts: 5, random: () => 1 });
    expect(await load(id)).toMatchObject({ status: "failed", nextAttemptAt: minutes(45) });
  });

  it("a failure retrying cannot fix makes the covered events dead at once", async () => {
    const fresh = await seed({ status: "pending" });
    const notDue = await seed({ status: "failed", attempts: 1, nextAttemptAt: minutes(3) });
    const gone = new ProviderError("reauthorization_required", "invalid_grant", { status: 400 });
    expect(await markCoveredFailed({ ...googleRun(), error: gone, now: NOW, maxAttempts: 5 })).toEqual({ failed: 0, dead: 2 });
    expect(await load(fresh)).toMatchObject({ status: "dead", attempts: 1, nextAttemptAt: null, error: "reauthorization_required (400): invalid_grant" });
    expect(await load(notDue)).toMatchObject({ status: "dead", attempts: 2 });
  });

  it("WEBHOOK_MAX_ATTEMPTS decides when to stop", async () => {
    const id = await seed({ status: "pending" });
    process.env.WEBHOOK_MAX_ATTEMPTS = "1";
    try {
      await markCoveredFailed({ ...googleRun(), error: unavailable, now: NOW });
    } finally {
      process.env.WEBHOOK_MAX_ATTEMPTS = "3";
    }
    expect(await load(id)).toMatchObject({ status: "dead", attempts: 1 });
  });

  it("the retry cron asks for the calendars of due events: a mailbox notification brings every synced calendar of its connection", async () => {
    await seed({ status: "failed", attempts: 1, nextAttemptAt: minutes(-1) });
    await seed({ status: "failed", attempts: 1, nextAttemptAt: minutes(-2) });
    await seed({ status: "failed", provider: "microsoft", attempts: 2, nextAttemptAt: minutes(0) });
    await seed({ status: "failed", provider: "microsoft", attempts: 1, nextAttemptAt: minutes(10) });
    const plan = await planWebhookRetries({ now: NOW });
    const mine = plan.calendars.filter((calendar) => calendar.organizationId === fixture.organizationId);
    expect(mine.map((calendar) => calendar.calendarId).sort()).toEqual([fixture.google.calendarId, ...fixture.microsoft.calendarIds].sort());
    expect(plan.deadLettered).toBe(0);

    const job = await retryWebhookEventsJob({ now: NOW });
    expect(job.followUps).toEqual(
      expect.arrayContaining(mine.map((calendar) => ({ name: "calendar/sync.requested", data: { ...calendar, trigger: "webhook" } }))),
    );
  });

  it("the retry cron gives up on due events nothing could sync any more", async () => {
    const db = await database.db();
    const disabled = await seed({ status: "failed", attempts: 1, nextAttemptAt: minutes(-1), calendarId: fixture.google.disabledCalendarId });
    const orphan = await seed({ status: "failed", attempts: 1, nextAttemptAt: minutes(-1), calendarId: null });
    const notDueYet = await seed({ status: "failed", attempts: 1, nextAttemptAt: minutes(5), calendarId: fixture.google.disabledCalendarId });
    await db.calendarConnection.update({ where: { id: fixture.microsoft.connectionId }, data: { status: "needs_reconnect" } });
    const mailbox = await seed({ status: "failed", provider: "microsoft", attempts: 1, nextAttemptAt: minutes(-1) });
    try {
      const plan = await planWebhookRetries({ now: NOW });
      expect(plan.calendars.filter((calendar) => calendar.organizationId === fixture.organizationId)).toEqual([]);
      expect(plan.deadLettered).toBe(3);
    } finally {
      await db.calendarConnection.update({ where: { id: fixture.microsoft.connectionId }, data: { status: "active" } });
    }
    for (const id of [disabled, orphan, mailbox])
      expect(await load(id)).toMatchObject({ status: "dead", nextAttemptAt: null, error: expect.stringContaining("no synced calendar") });
    expect((await load(notDueYet)).status).toBe("failed");
  });

  describe("replay", () => {
    let sent: FollowUp[];
    let restore: () => void;
    beforeEach(() => {
      sent = [];
      restore = installJobSender(async (items) => void sent.push(...items));
    });
    afterEach(() => restore());

    it("resets the selected events and asks for one sync per calendar; a mailbox event brings every synced calendar", async () => {
      const googleDead = await seed({ status: "dead", attempts: 5 });
      const googleDead2 = await seed({ status: "dead", attempts: 5 });
      const graphDead = await seed({ status: "dead", provider: "microsoft", attempts: 5 });
      const failed = await seed({ status: "failed", attempts: 2, nextAttemptAt: minutes(3) });
      const processed = await seed({ status: "processed" });

      expect(await replayWebhookEvents(fixture.organizationId, { status: "dead" })).toEqual({ replayed: 3 });
      for (const id of [googleDead, googleDead2, graphDead])
        expect(await load(id)).toMatchObject({ status: "pending", attempts: 0, error: null, nextAttemptAt: null, processedAt: null });
      expect((await load(failed)).status).toBe("failed");
      expect((await load(processed)).status).toBe("processed");
      const syncOf = (calendarId: string) => ({
        name: "calendar/sync.requested",
        data: { organizationId: fixture.organizationId, calendarId, trigger: "webhook" },
      });
      expect(sent).toHaveLength(3);
      expect(sent).toEqual(expect.arrayContaining([fixture.google.calendarId, ...fixture.microsoft.calendarIds].map(syncOf)));
    });

    it("by ids: only dead or failed ones of the organization, and without a status both", async () => {
      const dead = await seed({ status: "dead", attempts: 5 });
      const failed = await seed({ status: "failed", attempts: 1, nextAttemptAt: minutes(1) });
      const processed = await seed({ status: "processed" });
      const untouched = await seed({ status: "dead", attempts: 5 });
      expect(await replayWebhookEvents(fixture.organizationId, { ids: [dead, failed, processed, randomUUID()] })).toEqual({ replayed: 2 });
      expect((await load(dead)).status).toBe("pending");
      expect((await load(failed)).status).toBe("pending");
      expect((await load(processed)).status).toBe("processed");
      expect((await load(untouched)).status).toBe("dead");
      expect(sent).toEqual([
        { name: "calendar/sync.requested", data: { organizationId: fixture.organizationId, calendarId: fixture.google.calendarId, trigger: "webhook" } },
      ]);

      expect(await replayWebhookEvents(fixture.organizationId, { ids: [untouched], status: "failed" })).toEqual({ replayed: 0 });
      expect(await replayWebhookEvents(fixture.organizationId, { ids: [] })).toEqual({ replayed: 0 });
    });

    it("refuses a malformed selection with a 400", async () => {
      await expect(replayWebhookEvents(fixture.organizationId, { ids: ["1; DROP TABLE webhook_events"] })).rejects.toMatchObject({
        kind: "invalid",
        status: 400,
      });
      await expect(replayWebhookEvents(fixture.organizationId, { status: "processed" as "dead" })).rejects.toBeInstanceOf(AppError);
      await expect(replayWebhookEvents(fixture.organizationId, { ids: Array.from({ length: 1_001 }, () => randomUUID()) })).rejects.toMatchObject({
        kind: "invalid",
      });
      expect(sent).toEqual([]);
    });
  });
});
