import { beforeAll, describe, expect, it } from "vitest";
import { setupTestDatabase } from "@/scripts/test/database";
import { signIn } from "@/scripts/test/app";
import { HOUR_MS, bucketIndex, hourlyWindow, percentileCont } from "@/lib/admin/metrics";
import { insertEvents, seedAdminFixture, type AdminFixture, type EventSeed } from "@/scripts/test/admin";
import { createBreakers, providerBreakers, replaceProviderBreakers } from "@/lib/providers/breaker";
import { ProviderError } from "@/lib/providers/errors";
import { PENDING_REGISTRATION_STALE_MS } from "@/lib/subscriptions/schedule";
import { healthReport } from "./organization";

// The health report against rows written directly: its figures checked against an
// independent computation of the same definitions, and each condition that makes
// an organization degraded or unhealthy, one organization per condition.

const database = setupTestDatabase();
const MINUTE = 60_000;
const now = new Date();
const ago = (minutes: number) => new Date(now.getTime() - minutes * MINUTE);

async function organization(email: string): Promise<AdminFixture> {
  const person = await signIn(email);
  return seedAdminFixture(await database.db(), person.viewer.organizationId, { now });
}

describe("figures", () => {
  let fixture: AdminFixture;
  const googleLatencies = [120, 180, 260, 900, 4_000];
  const graphLatencies = [50, 75, 2_500];
  const seeds: EventSeed[] = [];

  beforeAll(async () => {
    fixture = await organization("figures@health.test");
    const google = {
      organizationId: fixture.organizationId,
      provider: "google" as const,
      subscriptionId: fixture.google.subscriptionId,
      calendarId: fixture.google.calendarId,
      externalId: fixture.google.channelId,
    };
    const graph = {
      organizationId: fixture.organizationId,
      provider: "microsoft" as const,
      subscriptionId: fixture.microsoft.subscriptionId,
      calendarId: null,
      externalId: fixture.microsoft.externalId,
    };
    // Spread over the day, several to an hour, so buckets and per-hour percentiles have something to do.
    googleLatencies.forEach((latencyMs, index) => seeds.push({ ...google, status: "processed", receivedAt: ago(5 + index * 170), latencyMs }));
    graphLatencies.forEach((latencyMs, index) => seeds.push({ ...graph, status: "processed", receivedAt: ago(7 + index * 20), latencyMs }));
    seeds.push(
      { ...google, status: "failed", receivedAt: ago(65), attempts: 1 },
      { ...graph, status: "failed", receivedAt: ago(66), attempts: 2 },
      { ...google, status: "ignored", receivedAt: ago(600), changeType: "sync" },
      { ...google, status: "duplicate", receivedAt: ago(601) },
      // Outside the 24-hour window: counted as backlog (it is still dead) but not as traffic.
      { ...google, status: "dead", receivedAt: ago(2 * 24 * 60), attempts: 6 },
      { ...google, status: "processed", receivedAt: ago(30 * 60), latencyMs: 60_000 },
    );
    const db = await database.db();
    await insertEvents(db, seeds);
    // The Team calendar's last run failed; Alice's failed once and then succeeded.
    await db.syncRun.createMany({
      data: [
        {
          organizationId: fixture.organizationId,
          calendarId: fixture.google.otherCalendarId,
          trigger: "poll",
          mode: "incremental",
          status: "failed",
          error: "HTTP 500 from provider",
          startedAt: ago(30),
        },
        {
          organizationId: fixture.organizationId,
          calendarId: fixture.google.calendarId,
          trigger: "poll",
          mode: "incremental",
          status: "failed",
          error: "timeout",
          startedAt: ago(90),
        },
        {
          organizationId: fixture.organizationId,
          calendarId: fixture.google.calendarId,
          trigger: "webhook",
          mode: "incremental",
          status: "succeeded",
          startedAt: ago(20),
          finishedAt: ago(19),
        },
        {
          organizationId: fixture.organizationId,
          calendarId: fixture.google.calendarId,
          trigger: "poll",
          mode: "incremental",
          status: "failed",
          error: "ancient",
          startedAt: ago(3 * 24 * 60),
        },
      ],
    });
  });

  it("computes traffic, success rate and latency percentiles over the last 24 hours", async () => {
    const report = await healthReport({ organizationId: fixture.organizationId, now });
    const day = seeds.filter((seed) => seed.receivedAt.getTime() >= now.getTime() - 24 * HOUR_MS);
    const processed = day.filter((seed) => seed.status === "processed");
    const failed = day.filter((seed) => seed.status === "failed" || seed.status === "dead");
    expect(report.notifications24h).toBe(day.length);
    expect(report.successRate).toBeCloseTo(processed.length / (processed.length + failed.length), 10);
    const latencies = processed.map((seed) => seed.latencyMs!);
    expect(report.latency.p50Ms).toBe(Math.round(percentileCont(latencies, 0.5)!));
    expect(report.latency.p95Ms).toBe(Math.round(percentileCont(latencies, 0.95)!));
    expect(report.failures).toEqual({ failedEvents: 2, deadEvents: 1, failedRuns24h: 2 });
    expect(report.expiryHorizon).toBe(new Date(now.getTime() + 2 * 24 * HOUR_MS).toISOString());
    expect(report.lastNotificationAt).toBe(now.toISOString());
    expect(report.lastSuccessfulSyncAt).toBe(now.toISOString());
  });

  it("splits the figures per connection, a Graph notification counting for its mailbox's connection", async () => {
    const report = await healthReport({ organizationId: fixture.organizationId, now });
    const google = report.connections.find((connection) => connection.id === fixture.google.connectionId)!;
    const graph = report.connections.find((connection) => connection.id === fixture.microsoft.connectionId)!;
    expect(graph.notifications24h).toBe(graphLatencies.length + 1);
    expect(graph.successRate).toBeCloseTo(graphLatencies.length / (graphLatencies.length + 1), 10);
    expect(graph.latency.p95Ms).toBe(Math.round(percentileCont(graphLatencies, 0.95)!));
    expect(graph.failures).toEqual({ failedEvents: 1, deadEvents: 0, failedRuns24h: 0 });
    expect(google.latency.p50Ms).toBe(Math.round(percentileCont(googleLatencies, 0.5)!));
    expect(google.failures).toEqual({ failedEvents: 1, deadEvents: 1, failedRuns24h: 2 });
    expect(google.notifications24h + graph.notifications24h).toBe(report.notifications24h);
    expect(google.expiryHorizon).toBe(new Date(now.getTime() + 6 * 24 * HOUR_MS).toISOString());
  });

  it("fills 24 hourly buckets ending with the current hour, quiet hours included", async () => {
    const report = await healthReport({ organizationId: fixture.organizationId, now });
    const window = hourlyWindow(now);
    expect(report.hourly).toHaveLength(24);
    expect(report.hourly[0]!.start).toBe(window.start.toISOString());
    expect(Date.parse(report.hourly[23]!.start)).toBeLessThanOrEqual(now.getTime());
    expect(Date.parse(report.hourly[23]!.start) + HOUR_MS).toBeGreaterThan(now.getTime());
    const expected = Array.from({ length: 24 }, () => ({ notifications: 0, processed: 0, failed: 0, latencies: [] as number[] }));
    for (const seed of seeds) {
      const index = bucketIndex(seed.receivedAt, window);
      if (index === null) continue;
      const bucket = expected[index]!;
      bucket.notifications += 1;
      if (seed.status === "processed") {
        bucket.processed += 1;
        bucket.latencies.push(seed.latencyMs!);
      }
      if (seed.status === "failed" || seed.status === "dead") bucket.failed += 1;
    }
    report.hourly.forEach((hour, index) => {
      const bucket = expected[index]!;
      expect({ notifications: hour.notifications, processed: hour.processed, failed: hour.failed }, hour.start).toEqual({
        notifications: bucket.notifications,
        processed: bucket.processed,
        failed: bucket.failed,
      });
      const p95 = percentileCont(bucket.latencies, 0.95);
      expect(hour.p95LatencyMs).toBe(p95 === null ? null : Math.round(p95));
      expect(hour.successRate).toBe(bucket.processed + bucket.failed === 0 ? null : bucket.processed / (bucket.processed + bucket.failed));
    });
    expect(report.hourly.some((hour) => hour.notifications === 0)).toBe(true);
  });

  it("lists calendars whose latest sync failed, not those that recovered", async () => {
    const report = await healthReport({ organizationId: fixture.organizationId, now });
    const calendars = report.cards.failing.filter((item) => item.href?.startsWith("/admin/sync-runs"));
    expect(calendars.map((item) => item.id)).toEqual([fixture.google.otherCalendarId]);
    expect(calendars[0]!.detail).toContain("HTTP 500 from provider");
    expect(report.cards.failing.map((item) => item.id)).toEqual(expect.arrayContaining(["dead-events", "failed-events"]));
  });
});

describe("status", () => {
  it("is ok when push is live, fresh and nothing failed", async () => {
    const fixture = await organization("ok@health.test");
    await insertEvents(await database.db(), [
      {
        organizationId: fixture.organizationId,
        provider: "google",
        subscriptionId: fixture.google.subscriptionId,
        calendarId: fixture.google.calendarId,
        externalId: fixture.google.channelId,
        status: "processed",
        receivedAt: ago(3),
        latencyMs: 400,
      },
    ]);
    const report = await healthReport({ organizationId: fixture.organizationId, now });
    expect(report).toMatchObject({ status: "ok", attention: false, problems: [], cards: { expiringSoon: [], suspect: [], failing: [], needsReconnect: [] } });
    expect(report.successRate).toBe(1);
  });

  it("is degraded when a subscription expires within 24 hours", async () => {
    const fixture = await organization("expiring@health.test");
    const expiresAt = new Date(now.getTime() + 3 * HOUR_MS);
    await (await database.db()).webhookSubscription.update({ where: { id: fixture.microsoft.subscriptionId }, data: { expiresAt } });
    const report = await healthReport({ organizationId: fixture.organizationId, now });
    expect(report.status).toBe("degraded");
    expect(report.attention).toBe(true);
    expect(report.cards.expiringSoon).toEqual([
      expect.objectContaining({ id: fixture.microsoft.subscriptionId, title: "All calendars", at: expiresAt.toISOString() }),
    ]);
    expect(report.problems.join("\n")).toMatch(/expires in 3 hours/);
    expect(report.expiryHorizon).toBe(expiresAt.toISOString());
  });

  it("is degraded when a subscription is suspect", async () => {
    const fixture = await organization("suspect@health.test");
    await (await database.db()).webhookSubscription.update({ where: { id: fixture.google.subscriptionId }, data: { suspect: true, suspectCount: 2 } });
    const report = await healthReport({ organizationId: fixture.organizationId, now });
    expect(report.status).toBe("degraded");
    expect(report.suspectSubscriptions).toBe(1);
    expect(report.cards.suspect.map((item) => item.id)).toEqual([fixture.google.subscriptionId]);
    expect(report.problems.join("\n")).toMatch(/suspect/);
  });

  it("is unhealthy when an active connection's push has expired, whether or not the renewal job noticed", async () => {
    const fixture = await organization("expired@health.test");
    const db = await database.db();
    await db.webhookSubscription.update({ where: { id: fixture.google.subscriptionId }, data: { expiresAt: ago(30) } });
    await db.webhookSubscription.update({ where: { id: fixture.microsoft.subscriptionId }, data: { status: "expired", expiresAt: ago(60) } });
    const report = await healthReport({ organizationId: fixture.organizationId, now });
    expect(report.status).toBe("unhealthy");
    expect(report.cards.failing.map((item) => item.id).sort()).toEqual([fixture.google.subscriptionId, fixture.microsoft.subscriptionId].sort());
    expect(report.problems.filter((problem) => /expired/.test(problem))).toHaveLength(2);
  });

  it("is unhealthy when a connection needs reconnecting, and does not also blame its push or its syncs", async () => {
    const fixture = await organization("reconnect@health.test");
    const db = await database.db();
    await db.calendarConnection.update({ where: { id: fixture.google.connectionId }, data: { status: "needs_reconnect", lastError: "access was revoked" } });
    await db.webhookSubscription.update({ where: { id: fixture.google.subscriptionId }, data: { status: "expired", expiresAt: ago(60) } });
    await db.syncRun.create({
      data: {
        organizationId: fixture.organizationId,
        calendarId: fixture.google.calendarId,
        trigger: "poll",
        mode: "incremental",
        status: "failed",
        error: "invalid_grant",
        startedAt: ago(5),
      },
    });
    const report = await healthReport({ organizationId: fixture.organizationId, now });
    expect(report.status).toBe("unhealthy");
    expect(report.failures.failedRuns24h).toBe(1);
    expect(report.cards.needsReconnect).toEqual([expect.objectContaining({ id: fixture.google.connectionId, detail: "access was revoked" })]);
    expect(report.cards.failing).toEqual([]);
    expect(report.problems).toEqual([expect.stringMatching(/must be reconnected: access was revoked/)]);
  });

  it("is unhealthy while dead events wait, and ok again once they are replayed", async () => {
    const fixture = await organization("dead@health.test");
    const db = await database.db();
    const [dead] = await insertEvents(db, [
      {
        organizationId: fixture.organizationId,
        provider: "microsoft",
        subscriptionId: fixture.microsoft.subscriptionId,
        calendarId: null,
        externalId: fixture.microsoft.externalId,
        status: "dead",
        receivedAt: ago(90),
        attempts: 6,
      },
    ]);
    const report = await healthReport({ organizationId: fixture.organizationId, now });
    expect(report.status).toBe("unhealthy");
    expect(report.failures.deadEvents).toBe(1);
    expect(report.problems).toEqual([expect.stringMatching(/1 webhook event exhausted its retries/)]);
    await db.webhookEvent.update({ where: { id: dead! }, data: { status: "processed", processedAt: ago(1) } });
    expect((await healthReport({ organizationId: fixture.organizationId, now })).status).toBe("ok");
  });

  it("is degraded while this process has stopped calling a connection's provider (open circuit)", async () => {
    const fixture = await organization("breaker@health.test");
    replaceProviderBreakers(createBreakers({ failureThreshold: 2 }));
    try {
      const breakers = providerBreakers();
      for (let attempt = 0; attempt < 2; attempt += 1) {
        await expect(breakers.run(fixture.microsoft.connectionId, () => Promise.reject(new ProviderError("unavailable", "HTTP 503")))).rejects.toThrow();
      }
      const report = await healthReport({ organizationId: fixture.organizationId, now });
      expect(report.status).toBe("degraded");
      const graph = report.connections.find((connection) => connection.id === fixture.microsoft.connectionId)!;
      expect(graph.breaker).toMatchObject({ state: "open", failures: 2 });
      expect(report.connections.find((connection) => connection.id === fixture.google.connectionId)!.breaker).toBeNull();
      expect(report.cards.failing.map((item) => item.id)).toEqual([fixture.microsoft.connectionId]);
      expect(report.problems).toEqual([expect.stringMatching(/paused after 2 failures \(circuit open\)/)]);
    } finally {
      replaceProviderBreakers(null);
    }
  });

  it("is degraded when a synced calendar has no push at all (its subscription deleted), not for one whose sync is off", async () => {
    const fixture = await organization("nopush@health.test");
    const db = await database.db();
    // An admin deleted the Team calendar's channel, and stopped Bob's mailbox subscription.
    await db.webhookSubscription.delete({ where: { id: fixture.google.otherSubscriptionId } });
    await db.webhookSubscription.update({ where: { id: fixture.microsoft.subscriptionId }, data: { status: "stopped" } });
    let report = await healthReport({ organizationId: fixture.organizationId, now });
    expect(report.status).toBe("degraded");
    expect(report.cards.failing.map((item) => item.id).sort()).toEqual([fixture.google.otherCalendarId, fixture.microsoft.calendarId].sort());
    expect(report.problems.filter((problem) => /has no push subscription/.test(problem))).toHaveLength(2);
    // Alice's calendar keeps its channel: it is not named.
    expect(report.problems.join("\n")).not.toMatch(/^Alice/m);

    // A calendar whose sync is off needs no push; a disconnected account is not "degraded push".
    await db.calendar.update({ where: { id: fixture.google.otherCalendarId }, data: { syncEnabled: false } });
    await db.calendarConnection.update({ where: { id: fixture.microsoft.connectionId }, data: { status: "revoked" } });
    report = await healthReport({ organizationId: fixture.organizationId, now });
    expect(report.problems.filter((problem) => /has no push subscription/.test(problem))).toEqual([]);
    expect(report.status).toBe("ok");
  });

  it("counts a pending subscription as push while it may still be registering, not once a crash has left it behind", async () => {
    const fixture = await organization("stalepending@health.test");
    const db = await database.db();
    const channel = { id: fixture.google.otherSubscriptionId };
    await db.webhookSubscription.update({ where: channel, data: { status: "pending", createdAt: new Date(now.getTime() - 60_000) } });
    let report = await healthReport({ organizationId: fixture.organizationId, now });
    expect(report.problems.filter((problem) => /has no push subscription/.test(problem))).toEqual([]);
    await db.webhookSubscription.update({ where: channel, data: { createdAt: new Date(now.getTime() - PENDING_REGISTRATION_STALE_MS - 60_000) } });
    report = await healthReport({ organizationId: fixture.organizationId, now });
    expect(report.status).toBe("degraded");
    expect(report.cards.failing.map((item) => item.id)).toEqual([fixture.google.otherCalendarId]);
  });

  it("covers the whole installation when no organization is given", async () => {
    const report = await healthReport({ now });
    const byOrganization = new Set(report.connections.map((connection) => connection.organizationId));
    expect(byOrganization.size).toBeGreaterThanOrEqual(8);
    expect(report.organizationId).toBeNull();
    expect(report.status).toBe("unhealthy");
    expect(report.problems.some((problem) => /must be reconnected/.test(problem))).toBe(true);
    expect(report.problems.some((problem) => /suspect/.test(problem))).toBe(true);
    // Unhealthy reasons come before the degraded ones.
    const firstDegraded = report.problems.findIndex((problem) => /suspect|expires in/.test(problem));
    const lastUnhealthy = report.problems.findLastIndex((problem) => /must be reconnected|has expired|exhausted/.test(problem));
    expect(lastUnhealthy).toBeLessThan(firstDegraded);
  });
});
